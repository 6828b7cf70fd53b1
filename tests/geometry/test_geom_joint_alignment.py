"""Depth corrections solved jointly over a video: per-frame scale errors removed without drift along a
long video, a warped region corrected on its own, and a frame nothing overlaps left alone."""

from __future__ import annotations

import numpy as np

from spacevista.geometry.scale.consistency import DepthSamples, field
from spacevista.geometry.scale.joint_alignment import pair_logs, solve_fields
from spacevista.geometry.poses import look_at
from room_depth import K, depth_of_box_room

STEP = 8


def _room_depth(pose: np.ndarray) -> np.ndarray:
    """Sampled z-depth of the inside of a room [-6, 6] x [-3, 3] x [0, 3] seen from ``pose``."""
    return depth_of_box_room(pose, STEP, lo=(-6.0, -3.0, 0.0), hi=(6.0, 3.0, 3.0))


def _walk(n: int) -> list[np.ndarray]:
    """A slow walk along the room looking ahead and to the side, swaying a little."""
    poses = []
    for k in range(n):
        eye = np.array([-4.0 + 0.06 * k, -0.5 + 0.2 * np.sin(k / 7), 1.5])
        poses.append(look_at(eye, eye + np.array([1.0, 0.5 + 0.3 * np.sin(k / 11), -0.2])))
    return poses


def _video(log_errors: np.ndarray, warps: dict[int, np.ndarray] | None = None) -> list[DepthSamples]:
    out = []
    for k, pose in enumerate(_walk(len(log_errors))):
        d = _room_depth(pose) * np.exp(log_errors[k])
        if warps and k in warps:
            d = d * np.exp(field(warps[k], *d.shape))
        out.append(DepthSamples(d.astype(np.float32), K, pose, STEP))
    return out


def _ar1(n: int, sigma: float, rho: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    x[0] = sigma * rng.standard_normal()
    for k in range(1, n):
        x[k] = rho * x[k - 1] + np.sqrt(1 - rho * rho) * sigma * rng.standard_normal()
    return x


def test_scale_errors_removed_without_drift_along_a_long_video():
    errors = _ar1(60, 0.05, 0.8, seed=3)
    grids = solve_fields(_video(errors), scale_sigma=0.05, warp_sigma=0.025)
    left = errors + grids.mean(axis=(1, 2))  # what remains of each frame's error
    left -= left.mean()  # the mean error is what no video can reveal
    assert np.abs(left).max() < 0.01
    # no stretch of the video is off as a whole
    assert np.abs(np.convolve(left, np.ones(15) / 15, "valid")).max() < 0.005


def test_a_warped_frame_is_corrected_region_by_region():
    errors = np.zeros(20)
    warp = np.tile([-0.04, 0.0, 0.04], (3, 1))  # frame 10 reads 4% near on the left, 4% far on the right
    grids = solve_fields(_video(errors, {10: warp}), scale_sigma=0.05, warp_sigma=0.025)
    assert np.abs(grids[10] + warp).max() < 0.01
    assert np.abs(np.delete(grids, 10, axis=0)).max() < 0.01


def test_a_frame_nothing_overlaps_keeps_its_depth():
    frames = _video(np.zeros(8))
    frames[4].pose = frames[4].pose.copy()
    frames[4].pose[:3, 3] += 100.0  # far away: no other frame sees what it sees
    frames[4].depth = frames[4].depth * np.float32(1.2)
    assert pair_logs(frames[4], frames[3], 3, 15)[0] is None
    grids = solve_fields(frames, scale_sigma=0.05, warp_sigma=0.025)
    assert np.abs(grids).max() < 0.01
