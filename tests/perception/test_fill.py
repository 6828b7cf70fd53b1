import dataclasses

import numpy as np
import pytest

from spacevista.errors import SceneError
from spacevista.perception import DepthPrediction
from spacevista.perception.association import AssociationConfig, Detection, box_iou
from spacevista.perception.depth import DepthPro
from spacevista.perception.detection import GroundingDino, Thresholds
from spacevista.perception.fill import fill_scene
from spacevista.perception.tracking import Sam2Video
from spacevista.synth.generate import generate_scene


@pytest.fixture(scope="module")
def scene():
    return generate_scene("tabletop", seed=5, n_frames=6, width=96, height=72)


def _bare(scene, depth=True, instances=True):
    frames = [dataclasses.replace(f, depth_array=None if depth else f.depth_array,
                                  instance_array=None if instances else f.instance_array) for f in scene.frames]
    return dataclasses.replace(scene, frames=frames)


def _gt_box(inst, oid):
    ys, xs = np.nonzero(inst == oid)
    return (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))


class GTDetector:
    """Boxes from the ground-truth instance maps; misses object ``miss`` on frames ``miss_frames``."""

    def __init__(self, scene, miss=None, miss_frames=()):
        self.scene, self.miss, self.miss_frames = scene, miss, set(miss_frames)
        self.cats = scene.categories()

    def detect(self, images, categories):
        out = []
        for i, _ in enumerate(images):
            inst = self.scene.frames[i].instances()
            dets = []
            for oid in sorted(int(v) for v in np.unique(inst) if v != 0):
                if oid == self.miss and i in self.miss_frames:
                    continue
                if self.cats[oid] in categories and (inst == oid).sum() >= 4:
                    dets.append(Detection(i, _gt_box(inst, oid), self.cats[oid], 0.9))
            out.append(dets)
        return out

    def provenance(self):
        return {"name": "gt-detector"}


class GTTracker:
    """Ground-truth masks of the object best matching each prompt box; loses ``lose`` after ``lost_after``."""

    def __init__(self, scene, lose=None, lost_after=None):
        self.scene, self.lose, self.lost_after = scene, lose, lost_after

    def track(self, frames, prompts):
        out = [{} for _ in frames]
        for t, items in prompts.items():
            inst = self.scene.frames[t].instances()
            ids = [int(v) for v in np.unique(inst) if v != 0]
            boxes = np.array([_gt_box(inst, o) for o in ids])
            for tid, box in items:
                gt = ids[int(np.argmax(box_iou(np.array([box]), boxes)[0]))]
                for k in range(t, len(frames)):
                    if gt == self.lose and t <= self.lost_after < k:
                        break
                    m = self.scene.frames[k].instances() == gt
                    if m.any():
                        out[k][tid] = m
        return out


class ExactDepth:
    def __init__(self, scene):
        self.scene = scene

    def predict(self, images, focal_px=None):
        return [DepthPrediction(f.depth().copy(), fx) for f, fx in zip(self.scene.frames, focal_px)]


def _relabel_consistent(filled, truth):
    pairs = set()
    for a, b in zip(filled, truth):
        m = a > 0
        pairs |= set(zip(a[m].tolist(), b[m].tolist()))
    return len(pairs) == len({p for p, _ in pairs}) == len({q for _, q in pairs}), pairs


def test_fill_recovers_instances_and_records_provenance(scene):
    bare = _bare(scene, depth=False)
    cats = sorted(set(scene.categories().values()))
    out = fill_scene(bare, detector=GTDetector(scene), tracker=GTTracker(scene), categories=cats, detect_every=1)
    assert out.has_instances and out.objects is scene.objects
    ok, pairs = _relabel_consistent([f.instances() for f in out.frames], [f.instances() for f in scene.frames])
    assert ok
    for filled_id, gt_id in pairs:
        assert out.metadata["categories"][filled_id] == scene.categories()[gt_id]
    prov = out.metadata["perception"]
    assert prov["depth"] == {"source": "native"}
    assert prov["instances"]["detector"] == {"name": "gt-detector"} and prov["instances"]["kept_scene"]
    # native depth arrays are passed through untouched
    assert all(a.depth_array is b.depth_array for a, b in zip(out.frames, scene.frames))


def test_lost_track_is_merged_in_3d(scene):
    inst0 = scene.frames[0].instances()
    visible_all = set.intersection(*[set(np.unique(f.instances()).tolist()) for f in scene.frames]) - {0}
    target = min(visible_all, key=lambda o: -int((inst0 == o).sum()))  # the largest always-visible object
    cats = sorted(set(scene.categories().values()))
    cfg = AssociationConfig(max_gap=0)
    det = GTDetector(scene, miss=target, miss_frames=(1, 2))
    tr = GTTracker(scene, lose=target, lost_after=2)
    bare = _bare(scene, depth=False)
    out = fill_scene(bare, detector=det, tracker=tr, categories=cats, detect_every=1, association=cfg)
    ids = {int(f.instances()[scene.frames[i].instances() == target][0]) for i, f in enumerate(out.frames)}
    assert len(ids) == 1  # one identity across the loss
    assert out.metadata["perception"]["instances"]["tracks_2d"] > out.metadata["perception"]["instances"]["objects"]
    # without depth there is no 3D evidence: the object keeps two identities
    nodepth = _bare(scene, depth=True)
    out2 = fill_scene(nodepth, detector=det, tracker=tr, categories=cats, detect_every=1, association=cfg)
    ids2 = {int(f.instances()[scene.frames[i].instances() == target][0]) for i, f in enumerate(out2.frames)}
    assert len(ids2) == 2
    # filling depth from a specialist restores the merge and records the model
    out3 = fill_scene(nodepth, depth=ExactDepth(scene), detector=det, tracker=tr, categories=cats, detect_every=1,
                      association=cfg)
    ids3 = {int(f.instances()[scene.frames[i].instances() == target][0]) for i, f in enumerate(out3.frames)}
    assert len(ids3) == 1 and out3.metadata["perception"]["depth"]["model"] == {"name": "ExactDepth"}


def test_fill_with_tiny_models(scene, tiny_models):
    bare = _bare(scene)
    dp = DepthPro(tiny_models("depth-pro"))
    gd = GroundingDino(tiny_models("grounding-dino"), shortest_edge=64, thresholds=Thresholds(0.0, 0.0))
    tr = Sam2Video(tiny_models("sam2-video"))
    out = fill_scene(bare, depth=dp, detector=gd, tracker=tr, categories=["cup", "bowl"], detect_every=3)
    assert out.has_depth and out.has_instances
    for f in out.frames:
        assert f.depth().shape == (72, 96) and f.depth().dtype == np.float32
        assert f.instances().shape == (72, 96) and f.instances().dtype == np.int32
    prov = out.metadata["perception"]
    assert prov["depth"]["model"]["name"] == "depth-pro" and len(prov["depth"]["model"]["config_hash"]) == 16
    assert prov["instances"]["detector"]["name"] == "grounding-dino"
    assert prov["instances"]["tracker"]["name"] == "sam2-video"
    assert prov["instances"]["keyframes"] == [0, 3]


def test_fill_errors_and_noop(scene):
    with pytest.raises(SceneError, match="tracker"):
        fill_scene(_bare(scene), detector=GTDetector(scene), categories=["mug"])
    same = fill_scene(scene)
    assert all(a is b for a, b in zip(same.frames, scene.frames))
    assert same.metadata["perception"] == {"depth": {"source": "native"}, "instances": {"source": "native"}}
