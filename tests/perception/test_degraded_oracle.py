import dataclasses

import numpy as np
import pytest

from spacevista.engine.build.demo import DemoConfig, run_demo
from spacevista.errors import SceneError
from spacevista.perception.degrade import DegradeConfig, degrade_depth, degrade_scene, erode_masks
from spacevista.synth.generate import generate_scene


@pytest.fixture(scope="module")
def scene():
    return generate_scene("tabletop", seed=3, n_frames=6, width=96, height=72)


def test_zero_config_is_the_oracle(scene):
    out = degrade_scene(scene, DegradeConfig(0.0, 0, 0.0, 0.0), np.random.default_rng(0))
    assert out is not scene and out.objects is scene.objects
    for a, b in zip(scene.frames, out.frames):
        assert np.array_equal(a.depth(), b.depth()) and np.array_equal(a.instances(), b.instances())
    assert out.metadata["perception"]["mode"] == "degraded"
    assert "perception" not in scene.metadata


def test_depth_noise_model():
    rng = np.random.default_rng(0)
    d = np.full((200, 200), 4.0, np.float32)
    d[0, :10] = 0.0
    d[1, :10] = np.nan
    out = degrade_depth(d, 0.05, rng)
    assert np.all(out[0, :10] == 0) and np.all(np.isnan(out[1, :10]))
    ratio = out[2:] / 4.0
    frame_scale = np.median(ratio)
    assert abs(frame_scale - 1) <= 0.15  # one N(0, 5%) draw, clipped at 3 sigma
    assert np.std(ratio / frame_scale) == pytest.approx(0.05, rel=0.1)  # per-pixel part
    assert out.dtype == np.float32
    assert np.array_equal(degrade_depth(d, 0.05, np.random.default_rng(1)),
                          degrade_depth(d, 0.05, np.random.default_rng(1)), equal_nan=True)


def test_erosion_and_dilation():
    inst = np.zeros((12, 20), np.int32)
    inst[2:7, 2:7] = 1
    inst[2:7, 7:12] = 2  # touching neighbour
    er = erode_masks(inst, 1)
    assert (er == 1).sum() == 9 and (er == 2).sum() == 9
    di = erode_masks(inst, -1)
    assert (di == 1).sum() > 25 and np.all(di[inst == 2] == 2)  # grows into background only
    assert np.array_equal(erode_masks(inst, 0), inst)


def test_drops_and_switches(scene):
    allgone = degrade_scene(scene, DegradeConfig(0.0, 0, 1.0, 0.0), np.random.default_rng(0))
    assert all(np.all(f.instances() == 0) for f in allgone.frames)
    sw = degrade_scene(scene, DegradeConfig(0.0, 0, 0.0, 1.0), np.random.default_rng(0))
    changed = 0
    for a, b in zip(scene.frames, sw.frames):
        ia, ib = a.instances(), b.instances()
        assert np.array_equal(ia == 0, ib == 0)  # same pixels, other labels
        # labels are a consistent permutation within each frame
        pairs = set(zip(ia[ia > 0].tolist(), ib[ib > 0].tolist()))
        assert len(pairs) == len({p for p, _ in pairs}) == len({q for _, q in pairs})
        changed += int(np.any(ia != ib))
    assert changed >= len(scene.frames) - 1  # a switch persists once made
    again = degrade_scene(scene, DegradeConfig(0.05, 1, 0.2, 0.3), np.random.default_rng(7))
    again2 = degrade_scene(scene, DegradeConfig(0.05, 1, 0.2, 0.3), np.random.default_rng(7))
    for a, b in zip(again.frames, again2.frames):
        assert np.array_equal(a.depth(), b.depth()) and np.array_equal(a.instances(), b.instances())


def test_config_and_scene_errors(scene):
    with pytest.raises(ValueError, match="depth_noise"):
        DegradeConfig(depth_noise=5.0)
    with pytest.raises(ValueError, match="drop_rate"):
        DegradeConfig(drop_rate=1.5)
    bare = dataclasses.replace(scene, frames=[dataclasses.replace(f, depth_array=None) for f in scene.frames])
    with pytest.raises(SceneError, match="depth and instance"):
        degrade_scene(bare, DegradeConfig(), np.random.default_rng(0))


def test_demo_degraded_records_provenance(tmp_path):
    # large enough that 10% depth noise still leaves items (at 96x72 and 4 frames it leaves none)
    common = dict(scenes_per_scale=1, frames=6, width=160, height=120, workers=1, scales=("tabletop",),
                  tasks=("object_size", "absolute_distance", "object_counting", "depth_estimation"))
    oracle = run_demo(tmp_path / "o", DemoConfig(**common))
    zero = run_demo(tmp_path / "z", DemoConfig(**common, perception="degraded"))
    # the degraded path with no error reproduces the oracle exactly
    assert oracle["engine_accuracy"] == zero["engine_accuracy"] and oracle["qa_count"] == zero["qa_count"]
    noisy = run_demo(tmp_path / "n", DemoConfig(**common, perception="degraded", depth_noise=0.1, mask_erosion=2))
    assert noisy["engine_accuracy"] != oracle["engine_accuracy"]
    import json

    rec = json.loads((tmp_path / "n" / "qa.jsonl").read_text().splitlines()[0])
    assert rec["provenance"]["perception"] == {"mode": "degraded", "depth_noise": 0.1, "mask_erosion": 2,
                                               "drop_rate": 0.0, "id_switch_rate": 0.0}
    rec = json.loads((tmp_path / "o" / "qa.jsonl").read_text().splitlines()[0])
    assert rec["provenance"]["perception"] == {"mode": "oracle"}


def test_demo_config_validates():
    with pytest.raises(ValueError, match="perception"):
        DemoConfig(perception="magic")
    with pytest.raises(ValueError, match="depth_noise"):
        DemoConfig(perception="degraded", depth_noise=2.0)
    assert DemoConfig().perception_provenance() == {"mode": "oracle"}
