"""Handheld capture: long, partial, shaky paths, checked with numbers on rendered scenes."""

import numpy as np
import pytest

from spacevista.geometry.poses import is_rigid, rotation_angle_deg
from spacevista.scene import Scale
from spacevista.synth.generate import MIN_VISIBLE_PIXELS, generate_scene
from spacevista.synth.handheld import FPS, FRAME_RANGE

from . import handheld_measures as m

SCALES = list(Scale)
SEED = 1


@pytest.fixture(scope="module")
def scenes():
    """One handheld scene per scale, every frame of it, at a small resolution."""
    return {s: generate_scene(s, seed=SEED, width=80, height=60, capture="handheld") for s in SCALES}


def _turns(scene) -> np.ndarray:
    """Rotation (degrees) of the camera between consecutive frames."""
    return np.array([rotation_angle_deg(a.pose, b.pose) for a, b in zip(scene.frames, scene.frames[1:])])


@pytest.mark.parametrize("scale", SCALES)
def test_frame_count_rate_and_metadata(scenes, scale):
    scene = scenes[scale]
    n = len(scene.frames)
    assert FRAME_RANGE[0] <= n <= FRAME_RANGE[1]
    cap = scene.metadata["capture"]
    assert cap["mode"] == "handheld" and cap["frames"] == n and cap["fps"] == FPS[scale]
    np.testing.assert_allclose([f.timestamp for f in scene.frames], np.arange(n) / FPS[scale])
    assert all(is_rigid(f.pose, 1e-9) for f in scene.frames)


@pytest.mark.parametrize("scale", SCALES)
def test_video_spacing(scenes, scale):
    """Consecutive frames are close: small steps against the scene's extent, no jumps."""
    scene = scenes[scale]
    steps = np.linalg.norm(np.diff(m.eyes(scene), axis=0), axis=1)
    ext = m.extent(scene)
    assert steps.mean() < 0.03 * ext
    assert steps.max() < 0.1 * ext
    assert np.mean(_turns(scene)) < 3.0


@pytest.mark.parametrize("scale", [Scale.TINY, Scale.TABLETOP, Scale.INDOOR, Scale.OUTDOOR])
def test_hand_shake_and_fast_turns(scenes, scale):
    """The view hardly ever stands still (shake), and at some moment it swings fast (over 60 deg/s)."""
    scene = scenes[scale]
    turn = _turns(scene)
    assert (turn > 0.01).mean() > 0.95
    assert turn.max() * FPS[scale] > 60.0


@pytest.mark.parametrize("scale", SCALES)
def test_objects_cut_by_the_border(scenes, scale):
    assert m.touches_border(scenes[scale])


@pytest.mark.parametrize("scale", SCALES)
def test_objects_seen_in_part(scenes, scale):
    """Some object is in view in under half of the frames; indoors and from the air some object
    that is seen never fits in the frame whole."""
    scene = scenes[scale]
    assert min(m.visible_fraction(scene, o) for o in scene.objects) < 0.5
    if scale in (Scale.INDOOR, Scale.DRONE):
        seen = [o for o in scene.objects if o.attributes["visible_frames"]]
        assert any(not m.ever_in_full(scene, o) for o in seen)


@pytest.mark.parametrize("scale", SCALES)
def test_objects_seen_from_some_sides_only(scenes, scale):
    """Objects are not walked round: nine in ten have their sides seen from under 240 degrees of
    azimuth, half from under 200 (a clip sees most from over 330 degrees at tabletop scale, see
    below). One the camera passes close by can sweep more than the arc itself."""
    scene = scenes[scale]
    sides = [m.sides_seen_deg(scene, o) for o in scene.objects if o.attributes["visible_frames"]]
    assert np.quantile(sides, 0.9) < 240 and np.median(sides) < 200


@pytest.mark.parametrize("scale, most", [(Scale.TINY, 300), (Scale.TABLETOP, 300), (Scale.OUTDOOR, 90),
                                         (Scale.DRONE, 180)])
def test_path_covers_part_of_the_way_round(scenes, scale, most):
    assert m.azimuth_span_deg(scenes[scale], (0.0, 0.0)) < most


def test_clip_goes_all_the_way_round():
    """The measures above tell the two captures apart: a clip orbits nearly the full circle."""
    clip = generate_scene(Scale.TABLETOP, seed=SEED, width=80, height=60)
    assert m.azimuth_span_deg(clip, (0.0, 0.0)) > 330
    sides = [m.sides_seen_deg(clip, o) for o in clip.objects if o.attributes["visible_frames"]]
    assert np.median(sides) > 330


def test_indoor_walk_leaves_a_wall_unseen(scenes):
    scene = scenes[Scale.INDOOR]
    hits = m.walls_seen(scene)
    assert (hits == 0).any() and (hits > 0).sum() >= 2
    assert scene.metadata["capture"]["loop_fraction"] <= 0.3


@pytest.mark.parametrize("scale", [Scale.TINY, Scale.TABLETOP])
def test_close_ups(scenes, scale):
    """The hand leans in: some frame's median depth is well under the capture's upper quartile."""
    d = m.depth_medians(scenes[scale])
    assert d.min() < 0.6 * np.percentile(d, 75)


def test_drone_flies_lines(scenes):
    scene = scenes[Scale.DRONE]
    cap = scene.metadata["capture"]
    assert cap["pattern"] in ("lawnmower", "line")
    e = m.eyes(scene)
    v = np.diff(e[:, :2], axis=0) * cap["fps"]
    speed = np.linalg.norm(v, axis=1)
    moving = speed > 0.5 * cap["speed_m_s"]
    assert moving.mean() > 0.5
    # every leg runs along the strips or square to them
    ang = np.degrees(np.arctan2(v[moving, 1], v[moving, 0])) - cap["heading_deg"]
    off = np.abs((ang + 45) % 90 - 45)
    assert np.quantile(off, 0.95) < 5
    assert np.std(e[:, 2]) < 0.05 * cap["altitude_m"]
    # the gimbal looks down at the recorded pitch
    pitch = np.degrees(np.arcsin(np.array([f.pose[2, 2] for f in scene.frames])))
    assert abs(np.median(pitch) - cap["gimbal_pitch_deg"]) < 1.0


@pytest.mark.parametrize("scale", SCALES)
def test_visibility_attributes_match_instance_maps(scenes, scale):
    scene = scenes[scale]
    for o in scene.objects:
        counts = [int((f.instances() == o.id).sum()) for f in scene.frames]
        assert o.attributes["pixels_per_frame"] == counts
        assert o.attributes["visible_frames"] == [i for i, c in enumerate(counts) if c >= MIN_VISIBLE_PIXELS]


def test_same_seed_same_bytes_and_frames_option():
    a = generate_scene("indoor", 4, n_frames=12, width=24, height=16, capture="handheld")
    b = generate_scene("indoor", 4, n_frames=12, width=24, height=16, capture="handheld")
    assert len(a.frames) == 12 and a.metadata["capture"]["frames"] == 12
    assert a.metadata == b.metadata
    for fa, fb in zip(a.frames, b.frames):
        assert fa.pose.tobytes() == fb.pose.tobytes()
        assert fa.rgb().tobytes() == fb.rgb().tobytes()
        assert fa.instances().tobytes() == fb.instances().tobytes()
    c = generate_scene("indoor", 5, n_frames=12, width=24, height=16, capture="handheld")
    assert not np.allclose(a.frames[0].pose, c.frames[0].pose)


@pytest.mark.parametrize("scale", SCALES)
def test_layout_does_not_depend_on_the_capture(scale):
    clip = generate_scene(scale, 6, n_frames=2, width=8, height=8)
    hand = generate_scene(scale, 6, n_frames=3, width=8, height=8, capture="handheld")
    assert clip.metadata["capture"]["mode"] == "clip" and hand.metadata["capture"]["mode"] == "handheld"
    assert [o.category for o in clip.objects] == [o.category for o in hand.objects]
    for a, b in zip(clip.objects, hand.objects):
        assert a.center.tobytes() == b.center.tobytes() and a.mesh_vertices.tobytes() == b.mesh_vertices.tobytes()
    assert clip.metadata["relations"] == hand.metadata["relations"]


def test_default_frame_count_is_drawn_per_scene():
    counts = {len(generate_scene("tiny", s, width=8, height=8, capture="handheld").frames) for s in range(4)}
    assert len(counts) > 1 and all(FRAME_RANGE[0] <= c <= FRAME_RANGE[1] for c in counts)


def test_unknown_capture():
    with pytest.raises(ValueError, match="capture"):
        generate_scene("tiny", 0, n_frames=2, width=8, height=8, capture="tripod")
