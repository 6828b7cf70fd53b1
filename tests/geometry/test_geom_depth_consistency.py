"""Per-frame depth scale from multi-view consistency: recovered on a rendered corridor, robust to
occluders, and the common factor removed."""

from __future__ import annotations

import numpy as np

from spacevista.geometry.scale.consistency import DepthSamples, align_scales, relative_scale
from spacevista.geometry.poses import look_at
from room_depth import K, depth_of_box_room


def _frames(n: int, scales: np.ndarray) -> list[DepthSamples]:
    out = []
    for k in range(n):
        eye = np.array([-1.0 + 0.05 * k, -0.5, 1.5])
        pose = look_at(eye, eye + np.array([1.0, 0.6, -0.2]))
        out.append(DepthSamples((depth_of_box_room(pose) * scales[k]).astype(np.float32), K, pose, 8))
    return out


def test_relative_scale_of_a_scaled_frame():
    a, b = _frames(2, np.array([1.0, 1.07]))
    s = relative_scale(b, [a])
    assert s is not None and abs(s * 1.07 - 1.0) < 0.005


def test_occluder_in_one_frame_does_not_move_the_scale():
    a, b = _frames(2, np.array([1.0, 0.94]))
    b.depth[10:20, 10:25] *= 0.3  # something close in front of the camera in frame b only
    s = relative_scale(b, [a])
    assert s is not None and abs(s * 0.94 - 1.0) < 0.005


def test_video_scales_made_consistent_and_the_common_factor_removed():
    rng = np.random.default_rng(0)
    errors = np.exp(rng.normal(0, 0.05, 12))
    frames = _frames(12, errors)
    scales = align_scales(frames)
    corrected = np.log(errors * scales)
    assert corrected.std() < 0.005  # consistent with each other
    assert abs(corrected.mean() - np.log(errors).mean()) < 0.005  # only their mean is left


def test_no_overlap_means_no_estimate():
    a, b = _frames(2, np.array([1.0, 1.0]))
    b.pose = b.pose.copy()
    b.pose[:3, 3] += 100.0  # far away: nothing of b lands in a
    assert relative_scale(b, [a]) is None
