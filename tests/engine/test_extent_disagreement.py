"""Two measures of an extent, frame by frame and over the fused points: where they disagree, the
extent is not known better than their difference, and a size question must not be asked."""

import numpy as np

from spacevista.engine.scene.extents import frame_sample, view_extents
from spacevista.evidence import extent_disagreement, object_evidence
from spacevista.geometry.boxes import upright_box
from spacevista.geometry.poses import look_at
from spacevista.graph import Box3D, CameraPose, GraphObject, View
from spacevista.scene import Camera

CAM = Camera(np.array([[300.0, 0, 160], [0, 300.0, 120], [0, 0, 1]]), 320, 240)


def _surface(shape: str, rng: np.random.Generator, n: int = 6000) -> tuple[np.ndarray, np.ndarray]:
    """Points on a ball of radius 0.045 m, or on a 0.09 x 0.06 x 0.08 m box, resting at z = 0, with
    their outward normals."""
    if shape == "ball":
        normals = rng.normal(size=(n, 3))
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        return 0.045 * normals + [0.0, 0.0, 0.045], normals
    half = np.array([0.045, 0.03, 0.04])
    face = rng.integers(0, 6, n)
    pts = rng.uniform(-half, half, (n, 3))
    axis, sign = face // 2, np.where(face % 2 == 0, 1.0, -1.0)
    pts[np.arange(n), axis] = sign * half[axis]
    normals = np.zeros((n, 3))
    normals[np.arange(n), axis] = sign
    return pts + [0.0, 0.0, 0.04], normals


def _lifted(shape: str) -> tuple[GraphObject, dict[int, CameraPose], float]:
    """The object seen from a hand-held camera circling it 0.6 m away and 0.45 m above: each frame
    lifts the surface it faces (a sample of it, as the lift keeps); the box is fitted to the fused points, then re-measured frame by
    frame as the lift does with estimated input. Returns the object, its cameras and its true
    longest side."""
    rng = np.random.default_rng(3)
    pts, normals = _surface(shape, rng)
    samples, views, cams = {}, {}, {}
    for f, az in enumerate(np.radians(np.arange(0, 360, 20))):
        eye = np.array([0.6 * np.cos(az), 0.6 * np.sin(az), 0.45])
        cams[f] = CameraPose(f, CAM, look_at(eye, np.array([0.0, 0.0, 0.04])))
        samples[f] = frame_sample(pts[np.einsum("ij,ij->i", normals, eye - pts) > 0], rng)
        views[f] = View(f, 4000, (120, 80, 200, 160), (120, 160), 0.7, 0.75)
    fused = np.concatenate(list(samples.values()))
    box = Box3D(*upright_box(fused))
    obj = GraphObject(5, shape, box, fused, views)
    fitted = box.size.copy()
    box.size = view_extents(box, samples, views, cams)
    obj.attributes["fitted_size"] = fitted
    true_longest = 0.09
    return obj, cams, true_longest


def test_a_ball_seen_from_above_falls_short_frame_by_frame_and_the_evidence_says_so():
    ball, cams, longest = _lifted("ball")
    shortfall = 1.0 - ball.box.longest / longest
    assert shortfall > 0.03  # every frame sees a cap of the ball, not its full width
    ev = object_evidence(ball, cams, mask_px=1.0)
    assert ev.disagreement >= shortfall * 0.9 and ev.error >= shortfall
    fitted = ball.attributes.pop("fitted_size")
    # the masks' and depth's own errors alone do not cover it
    assert object_evidence(ball, cams, mask_px=1.0).error < shortfall
    ball.attributes["fitted_size"] = fitted
    assert object_evidence(ball, cams).disagreement == 0.0  # exact input: one measure, no term


def test_a_box_whose_two_measures_agree_keeps_its_error():
    box, cams, longest = _lifted("box")
    assert abs(box.box.longest / longest - 1.0) < 0.02
    ev = object_evidence(box, cams, mask_px=1.0)
    assert ev.disagreement < 0.02


def test_depth_noise_that_widens_the_fused_box_is_forgiven_and_a_shortfall_is_not():
    size = np.array([1.0, 0.5, 0.8])
    noise = np.array([0.05, 0.05, 0.0])
    measured = np.array([True, True, False])
    assert extent_disagreement(size, size + [0.04, 0.0, 0.0], noise, measured) == 0.0
    assert np.isclose(extent_disagreement(size, size + [0.15, 0.0, 0.0], noise, measured), 0.10)
    assert np.isclose(extent_disagreement(size, size - [0.0, 0.1, 0.0], noise, measured), 0.2)
    # an unmeasured axis (its reach already carries what it may lack) does not count
    assert extent_disagreement(size, size - [0.0, 0.0, 0.4], noise, measured) == 0.0
