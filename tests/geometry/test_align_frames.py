"""Frames that put one object nearer or farther by a factor each are rescaled to one surface."""

import numpy as np

from spacevista.geometry.surface import align_frames


def _face(rng: np.random.Generator, n: int = 400) -> np.ndarray:
    """Points on the front face (y = 0) of a 0.4 m x 0.3 m box face, seen from y < 0."""
    return np.stack([rng.uniform(-0.2, 0.2, n), np.zeros(n), rng.uniform(0.0, 0.3, n)], axis=1)


def test_frames_scaled_apart_are_brought_onto_one_surface():
    rng = np.random.default_rng(0)
    frames = {}
    for f in range(8):
        centre = np.array([rng.uniform(-0.3, 0.3), -1.5, rng.uniform(0.1, 0.4)])
        pts = _face(rng)
        factor = 1.0 + rng.uniform(-0.04, 0.04)  # each frame's depth off by up to 4%
        frames[f] = (centre + (pts - centre) * factor, centre)
    fused = np.concatenate([p for p, _ in frames.values()])
    aligned = align_frames(frames, fused)
    assert aligned.shape == fused.shape
    # the smear along the view (face thickness) shrinks to a fraction of what fusing left
    before = np.ptp(fused[:, 1])
    after = np.ptp(aligned[:, 1])
    assert before > 0.04 and after < 0.25 * before, (before, after)
    # and the surface stays where the frames put it on average
    assert abs(np.median(aligned[:, 1]) - np.median(fused[:, 1])) < 0.02


def test_a_single_frame_is_left_where_it_is():
    rng = np.random.default_rng(1)
    centre = np.array([0.0, -1.0, 0.2])
    pts = _face(rng)
    aligned = align_frames({0: (pts, centre)}, pts)
    assert np.allclose(aligned, pts, atol=1e-3)
