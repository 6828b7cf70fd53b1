"""realistic_scene on synthetic scenes, and pose rounding."""

import dataclasses
import json

import numpy as np
import pytest

from spacevista.errors import SceneError
from spacevista.geometry.poses import is_rigid
from spacevista.perception.realistic import RealisticConfig, realistic_scene, round_pose
from spacevista.synth.generate import generate_scene


@pytest.fixture(scope="module")
def scene():
    return generate_scene("tabletop", seed=3, n_frames=6, width=96, height=72)


def random_rotation(rng):
    q, r = np.linalg.qr(rng.standard_normal((3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def test_round_pose_leaves_rotations_orthonormal_only_to_about_1e4():
    rng = np.random.default_rng(0)
    errs = []
    for _ in range(200):
        T = np.eye(4)
        T[:3, :3] = random_rotation(rng)
        T[:3, 3] = rng.uniform(-50, 50, 3)
        R = round_pose(T)
        assert np.allclose(R[:3] * 1e4, np.round(R[:3] * 1e4), atol=1e-6) and np.array_equal(R[3], [0, 0, 0, 1])
        assert np.abs(R - T).max() <= 5e-5 + 1e-12
        errs.append(np.abs(R[:3, :3].T @ R[:3, :3] - np.eye(3)).max())
        assert is_rigid(R, tol=1e-3)
    errs = np.array(errs)
    assert 1e-5 < np.median(errs) < 3e-4 and errs.max() < 5e-4
    assert np.mean([e > 1e-5 for e in errs]) > 0.9  # most fail a 1e-5 rigidity check
    with pytest.raises(ValueError, match="4x4"):
        round_pose(np.eye(3))


def test_all_off_returns_the_scene_exactly(scene):
    out = realistic_scene(scene, RealisticConfig.all_off(), np.random.default_rng(0))
    assert out is not scene and out.objects is scene.objects
    for a, b in zip(scene.frames, out.frames):
        assert np.array_equal(a.depth(), b.depth(), equal_nan=True)
        assert np.array_equal(a.instances(), b.instances()) and np.array_equal(a.pose, b.pose)
        assert b.rgb() is a.rgb()
    assert out.metadata["perception"]["mode"] == "realistic" and "perception" not in scene.metadata


def test_default_scene_is_deterministic_and_degrades_every_signal(scene):
    a = realistic_scene(scene, RealisticConfig(), np.random.default_rng(7))
    b = realistic_scene(scene, RealisticConfig(), np.random.default_rng(7))
    c = realistic_scene(scene, RealisticConfig(), np.random.default_rng(8))
    for fa, fb in zip(a.frames, b.frames):
        assert fa.depth().tobytes() == fb.depth().tobytes() and fa.instances().tobytes() == fb.instances().tobytes()
        assert fa.pose.tobytes() == fb.pose.tobytes()
    assert any(fa.depth().tobytes() != fc.depth().tobytes() for fa, fc in zip(a.frames, c.frames))
    top = max(o.id for o in scene.objects)
    for truth, seen in zip(scene.frames, a.frames):
        assert not np.array_equal(truth.depth(), seen.depth())
        assert np.allclose(seen.pose[:3] * 1e4, np.round(seen.pose[:3] * 1e4), atol=1e-6)
        assert np.abs(seen.pose - truth.pose).max() <= 5e-5 + 1e-12
        assert np.all(np.unique(seen.instances()) >= 0)
    # fragments take ids no true object has, across the whole scene
    frag = realistic_scene(scene, RealisticConfig(fragment_rate=1.0), np.random.default_rng(7))
    new = {int(i) for f in frag.frames for i in np.unique(f.instances()) if i > top}
    assert new and min(new) == top + 1
    p = a.metadata["perception"]
    assert p["mode"] == "realistic" and p["depth_error"] == 0.05 and p["scale_sigma"] == 0.05
    json.dumps(p)


def test_scene_needs_depth_and_instances(scene):
    bare = dataclasses.replace(scene, frames=[dataclasses.replace(f, depth_array=None) for f in scene.frames])
    with pytest.raises(SceneError, match="depth and instance"):
        realistic_scene(bare, RealisticConfig(), np.random.default_rng(0))


def test_lifted_objects_carry_both_measures_of_their_extents():
    """With estimated depth and masks the lift measures extents frame by frame and keeps the fused
    box beside them; the evidence's error holds their disagreement (here one object's measures
    differ by more than 5%)."""
    from spacevista.engine.scene.lift import lift_scene
    from spacevista.evidence import evidence_of, extent_disagreement

    scene = generate_scene("tabletop", seed=5, n_frames=8, width=160, height=120)
    graph = lift_scene(realistic_scene(scene, RealisticConfig(depth_error=0.05), np.random.default_rng(0)))
    measured = [o for o in graph.objects if "fitted_size" in o.attributes]
    assert any(evidence_of(o).disagreement > 0.05 for o in measured)
    for o in measured:
        ev = evidence_of(o)
        expected = extent_disagreement(o.box.size, o.attributes["fitted_size"], np.array(ev.axis_noise),
                                       np.array(ev.extents))
        assert ev.disagreement == pytest.approx(expected, abs=1e-4) and ev.error >= ev.disagreement


def test_frames_aligned_per_object_tighten_the_fused_boxes():
    """Rebuilding each object's points from its frames rescaled to one surface
    (``LiftConfig.align_frames``) leaves fused boxes no larger than the smear of the frames' copies,
    and closer to the true boxes than the fused points without it (median over objects)."""
    from spacevista.engine.scene.correspond import correspondence
    from spacevista.engine.scene.lift import LiftConfig, lift_scene
    from spacevista.engine.scene.truth import truth_graph

    scene = generate_scene("tabletop", seed=5, n_frames=8, width=160, height=120)
    seen = realistic_scene(scene, RealisticConfig(depth_error=0.05), np.random.default_rng(0))
    truth = truth_graph(scene)
    errors = {}
    for on in (False, True):
        graph = lift_scene(seen, LiftConfig(align_frames=on))
        match = correspondence(graph, seen, scene)
        errors[on] = [float(np.max(np.abs(o.attributes["fitted_size"] / truth.object(match[o.id][0]).box.size - 1)))
                      for o in graph.objects
                      if "fitted_size" in o.attributes and match.get(o.id) and truth.has(match[o.id][0])]
    assert len(errors[True]) >= 3
    assert np.median(errors[True]) < np.median(errors[False]), errors
