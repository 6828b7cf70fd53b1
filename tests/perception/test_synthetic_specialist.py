"""The synthetic specialist: a capture's truth as a metric depth model (with realistic errors) and as a
tracker (exact instance maps) would deliver it."""

import numpy as np
import pytest

from spacevista.errors import SceneError
from spacevista.io.sfm_truth import aligned_truth
from spacevista.perception import SPECIALISTS, fill_scene
from spacevista.readers import read_source
from spacevista.synth.export_sfm import export_sfm
from spacevista.synth.generate import generate_scene


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    out = tmp_path_factory.mktemp("cap")
    scene = generate_scene("outdoor", 6, n_frames=5, width=96, height=72)
    return read_source(export_sfm(scene, out, 0.37, seed=6), "colmap", scale="outdoor")


def test_registered_without_weights():
    cls = SPECIALISTS.get("synthetic")
    assert cls.needs_weights is False and cls.needs_detector is False


def test_zero_error_depth_is_the_truth_up_to_holes_and_quantisation(capture):
    preds = SPECIALISTS.get("synthetic")(depth_error=0.0).predict_scene(capture)
    truth = aligned_truth(capture)
    for p, t in zip(preds, truth.frames):
        exact = t.depth()
        both = (p.depth > 0) & (exact > 0)
        assert both.mean() > 0.9 * (exact > 0).mean()  # holes take a little
        np.testing.assert_allclose(p.depth[both], exact[both], atol=0.5 / 256 + 1e-6)  # 1/256 m steps outdoors


def test_depth_errors_scale_each_frame_and_are_reproducible(capture):
    sp = SPECIALISTS.get("synthetic")(depth_error=0.1)
    a, b = sp.predict_scene(capture), sp.predict_scene(capture)
    assert all(np.array_equal(x.depth, y.depth) for x, y in zip(a, b))
    truth = aligned_truth(capture)
    ratios = []
    for p, t in zip(a, truth.frames):
        both = (p.depth > 0) & (t.depth() > 0)
        ratios.append(float(np.median(p.depth[both] / t.depth()[both])))
    assert np.ptp(ratios) > 0.01 and all(0.6 < r < 1.6 for r in ratios)
    other = SPECIALISTS.get("synthetic")(depth_error=0.1, seed=1).predict_scene(capture)
    assert not np.array_equal(other[0].depth, a[0].depth)


def test_tracker_gives_the_exact_instance_maps_and_categories(capture):
    maps, cats = SPECIALISTS.get("synthetic")().track_scene(capture)
    truth = aligned_truth(capture)
    assert all(np.array_equal(m, t.instances()) for m, t in zip(maps, truth.frames))
    assert cats == {o.id: o.category for o in truth.objects}


def test_fill_scene_with_the_synthetic_specialist(capture):
    sp = SPECIALISTS.get("synthetic")
    filled = fill_scene(capture, depth=sp(depth_error=0.05), tracker=sp())
    assert filled.has_depth and filled.has_instances
    prov = filled.metadata["perception"]
    assert prov["depth"]["model"]["name"] == "synthetic" and prov["depth"]["model"]["realistic"]["depth_error"] == 0.05
    assert prov["instances"]["tracker"]["name"] == "synthetic"
    assert set(filled.metadata["categories"]) == {o.id for o in aligned_truth(capture).objects}


def test_a_capture_without_truth_is_refused(tmp_path):
    scene = generate_scene("outdoor", 6, n_frames=2, width=32, height=24)
    scene.root = tmp_path
    with pytest.raises(SceneError, match="truth"):
        SPECIALISTS.get("synthetic")().predict_scene(scene)
