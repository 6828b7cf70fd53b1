"""Area is a choice among numbers (options at least 1.4 apart) and, with estimated masks, is asked
only of an object seen whole in three views or more: one view's mask may be a fragment cut where
both pieces lie at one depth, and the hull of the points then holds part of the object. A drawn
object the gates refuse is replaced by one past the draw, and the refusal is counted."""

import numpy as np

from spacevista.engine.scene.gates import CLEAN_VIEWS, FEW_WHOLE_VIEWS, evidence_refusal
from spacevista.evidence import Evidence
from spacevista.graph import Box3D, CameraPose, GraphObject, SceneGraph, View
from spacevista.scene import Camera, Scale
from spacevista.tasks.area_estimation import AreaEstimation
from spacevista.tasks.base import Question


def _lot(oid: int, x: float, clean: int, error: float = 0.0) -> GraphObject:
    size = np.array([40.0, 25.0, 0.5])
    g = np.random.default_rng(oid)
    pts = np.column_stack([x + g.uniform(-20, 20, 2000), g.uniform(-12.5, 12.5, 2000), np.zeros(2000)])
    views = {f: View(f, 4000, (10, 10, 110, 80), (40, 60), 120.0, 121.0, truncated=f >= clean) for f in range(6)}
    ev = Evidence(views=6, clean_views=clean, faces=["+x", "-x", "+y", "-y", "top"], extents=(True, True, True),
                  azimuth_deg=360.0, valid_depth=1.0, reach=(1.0, 1.0, 1.0), error=error, bottom=True)
    return GraphObject(oid, "parking lot", Box3D([x, 0.0, 0.25], size), pts, views, attributes={"evidence": ev})


def _graph(objs, estimated: bool = True) -> SceneGraph:
    cam = Camera.from_fov(320, 240, 60)
    cams = []
    for f in range(6):
        pose = np.eye(4)
        pose[:3, :3] = np.diag([1.0, -1.0, -1.0])  # looking straight down
        pose[:3, 3] = [20.0 * f, 0.0, 120.0]
        cams.append(CameraPose(f, cam, pose))
    meta = {"depth_error": 0.02, "mask_error_px": 2.0} if estimated else {}
    return SceneGraph("d", Scale.DRONE, True, objs, cams, np.array([0.0, 0.0, 1.0]), floor_z=0.0,
                      metadata=meta, frame_paths=[f"f{i}" for i in range(6)])


def test_an_area_seen_whole_in_too_few_views_is_refused_on_estimated_masks():
    task = AreaEstimation()
    for clean, refused in ((1, True), (CLEAN_VIEWS - 1, True), (CLEAN_VIEWS, False)):
        g = _graph([_lot(1, 0.0, clean)])
        q = Question("area_estimation", "mc", "footprint", objects=[1])
        assert (evidence_refusal(task, q, g) == FEW_WHOLE_VIEWS) is refused
    # exact masks are never fragments: one clean view measures it
    g = _graph([_lot(1, 0.0, 1)], estimated=False)
    assert evidence_refusal(task, Question("area_estimation", "mc", "footprint", objects=[1]), g) is None


def test_an_area_choice_holds_under_an_error_a_written_area_does_not():
    task = AreaEstimation()
    g = _graph([_lot(1, 0.0, 6, error=0.06)])
    assert evidence_refusal(task, Question("area_estimation", "mc", "footprint", objects=[1]), g) is None
    assert evidence_refusal(task, Question("area_estimation", "numerical", "footprint", objects=[1]), g) is not None


def test_a_refused_draw_is_replaced_and_counted():
    objs = [_lot(i, 60.0 * i, clean=1 if i <= 3 else 6) for i in range(1, 6)]
    g = _graph(objs)
    task = AreaEstimation()
    task.gate = lambda q: evidence_refusal(task, q, g)
    task.per_scene = 2
    asked = task.propose(g, np.random.default_rng(1))  # draws lots 2 and 3, both refused
    assert sorted(q.objects[0] for q in asked) == [4, 5]
    # then lot 1, 4 and 5 in id order: three refusals counted
    assert task.refused[FEW_WHOLE_VIEWS] == 3
    # without gates the draw is all there is
    plain = AreaEstimation()
    plain.per_scene = 2
    assert len(plain.propose(g, np.random.default_rng(0))) == 2
