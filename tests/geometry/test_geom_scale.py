"""The metric-scale estimator on hand-made cases: exact points, outliers, planes, pure rotation, too few."""

import math

import numpy as np
import pytest

from spacevista.geometry.poses import look_at
from spacevista.geometry.scale.metric import (ScaleLimits, combine_frames, effective_count, robust_center,
                                              sample_depth, scale_from_baseline, scale_from_depth_pairs)

S = 2.7  # metres per reconstruction unit


def _pairs(g, n_frames=10, n_points=60, s=S, noise=0.0):
    out = []
    for _ in range(n_frames):
        z = g.uniform(0.5, 8.0, n_points)
        out.append((s * z * np.exp(noise * g.standard_normal(n_points)), z))
    return out


def test_exact_points_give_the_exact_factor_and_no_uncertainty():
    est = scale_from_depth_pairs(_pairs(np.random.default_rng(0)))
    assert est.ok and est.method == "sparse_points"
    assert est.factor == pytest.approx(S, rel=1e-12)
    assert est.sigma == pytest.approx(0.0, abs=1e-12) and est.spread == pytest.approx(0.0, abs=1e-12)
    assert est.n_frames == 10 and est.n_points == 600 and est.rejected_frames == []


def test_outlier_points_and_an_outlier_frame_are_rejected():
    g = np.random.default_rng(1)
    pairs = _pairs(g, n_frames=12)
    for metric, _ in pairs:  # 30% of every frame's points are wrong matches, wildly off
        bad = g.random(len(metric)) < 0.3
        metric[bad] *= np.exp(g.uniform(-3, 3, bad.sum()))
    pairs[4] = (pairs[4][0] * 2.0, pairs[4][1])  # one frame whose depth model was twice too far
    est = scale_from_depth_pairs(pairs)
    assert est.ok and est.rejected_frames == [4]
    assert est.factor == pytest.approx(S, rel=1e-9)
    assert est.frames[4] == pytest.approx(2 * S, rel=1e-9)


def test_points_on_one_plane_or_at_one_depth_still_fix_the_scale():
    g = np.random.default_rng(2)
    # a tilted plane seen by a camera: depth varies linearly across the image
    u, v = g.uniform(0, 320, 80), g.uniform(0, 240, 80)
    plane = 4.0 + 0.01 * u - 0.005 * v
    flat = np.full(80, 3.0)  # a wall facing the camera: every point at the same depth
    est = scale_from_depth_pairs([(S * plane, plane), (S * flat, flat), (S * plane[::-1], plane[::-1])])
    assert est.ok and est.factor == pytest.approx(S, rel=1e-12)


def test_too_few_points_or_frames_give_no_factor():
    g = np.random.default_rng(3)
    est = scale_from_depth_pairs(_pairs(g, n_frames=10, n_points=5))
    assert est.status == "too_few" and est.factor is None and "at least 8" in est.reason
    est = scale_from_depth_pairs(_pairs(g, n_frames=2) + [None])
    assert est.status == "too_few" and est.n_frames == 2 and est.frames[2] is None
    # invalid depths (holes, points behind the camera) do not count as votes
    metric, recon = _pairs(g, n_frames=1, n_points=20)[0]
    metric[:15] = 0.0
    assert scale_from_depth_pairs([(metric, recon)] * 5).status == "too_few"


def test_frames_that_disagree_make_it_inconsistent():
    g = np.random.default_rng(4)
    pairs = [(m * math.exp(0.5 * g.standard_normal()), z) for m, z in _pairs(g, n_frames=16)]
    est = scale_from_depth_pairs(pairs)
    assert est.status == "inconsistent" and "spread" in est.reason and est.factor is not None
    assert est.spread > 0.15


def test_uncertainty_follows_the_spread_and_discounts_correlated_frames():
    # independent per-frame errors, trusted to be independent: sigma ~ sd / sqrt(n)
    g = np.random.default_rng(5)
    logs = list(0.05 * g.standard_normal(400))
    est = combine_frames("sparse_points", logs, [10] * 400, ScaleLimits(rho_prior=0.0))
    assert est.sigma == pytest.approx(0.05 / math.sqrt(400), rel=0.2)
    # by default neighbouring frames are assumed to err alike (rho >= 0.8): worth n * 0.2 / 1.8 frames
    est = combine_frames("sparse_points", logs, [10] * 400)
    assert est.sigma == pytest.approx(0.05 / math.sqrt(400 * 0.2 / 1.8), rel=0.2)
    # a slowly drifting error (AR(1), rho 0.8) is worth about n (1 - rho) / (1 + rho) frames
    x, drift = [], 0.0
    for e in g.standard_normal(4000):
        drift = 0.8 * drift + 0.6 * 0.05 * e
        x.append(drift)
    assert effective_count(np.array(x), 0.9) == pytest.approx(4000 * 0.2 / 1.8, rel=0.2)


def test_robust_center_keeps_identical_values():
    center, keep = robust_center(np.array([1.0, 1.0, 1.0, 5.0]), 3.0)
    assert center == 1.0 and keep.tolist() == [True, True, True, False]


def test_sample_depth_uses_the_pixel_that_contains_the_point():
    d = np.arange(12, dtype=np.float32).reshape(3, 4)
    got = sample_depth(d, np.array([[0.5, 0.5], [3.99, 2.2], [4.0, 1.0], [-0.1, 0.0], [np.nan, 1.0]]))
    assert got.tolist() == [0.0, 11.0, 0.0, 0.0, 0.0]


# ------------------------------------------------------------------------- camera baseline

K = np.array([[200.0, 0, 80], [0, 200.0, 60], [0, 0, 1]])
W, H = 160, 120


def _plane_depth(pose, normal=(0.0, 0.0, 1.0), height=0.0):
    """Exact z-depth of the plane n . X = height seen from ``pose`` (camera-to-world, metres)."""
    n = np.asarray(normal, float)
    c, r = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)
    rays = np.stack([c, r, np.ones_like(c)], -1) @ np.linalg.inv(K).T @ pose[:3, :3].T
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (height - pose[:3, 3] @ n) / (rays @ n)
    return np.where(np.isfinite(t) & (t > 0), t, 0.0).astype(np.float32)


def _walk(n=6, step=1.5, forward=False):
    """Cameras 1.6 m above a ground plane, looking ahead (+y) and down, stepping sideways (along x)
    or forward (along y)."""
    move = np.array([0.0, step, 0.0]) if forward else np.array([step, 0.0, 0.0])
    return [look_at(np.array([0.0, 0.0, 1.6]) + i * move, np.array([0.0, 20.0, 0.0]) + i * move)
            for i in range(n)]


def _ground_and_wall(pose):
    """Depth of the ground (z = 0) and of a wall facing the cameras (y = 25), whichever is nearer."""
    d = [_plane_depth(pose), _plane_depth(pose, (0.0, 1.0, 0.0), 25.0)]
    d = [np.where(x > 0, x, np.inf) for x in d]
    near = np.minimum(*d)
    return np.where(np.isfinite(near), near, 0.0).astype(np.float32)


def _in_units(poses, s=S):
    out = [p.copy() for p in poses]
    for p in out:
        p[:3, 3] /= s  # the reconstruction's units: s metres each
    return out


def test_baseline_recovers_the_scale_walking_towards_a_wall():
    metric = _walk(forward=True)
    est = scale_from_baseline([_ground_and_wall(p) for p in metric], [K] * len(metric), _in_units(metric))
    assert est.ok and est.method == "camera_baseline", est.reason
    assert est.factor == pytest.approx(S, rel=0.02)
    assert est.n_frames == 9  # 5 neighbouring pairs and 4 pairs two apart


def test_a_plane_the_camera_moves_along_cannot_fix_the_scale():
    """Moved along the plane by any amount, its points stay on it: the depths agree at every scale."""
    metric = _walk()
    est = scale_from_baseline([_plane_depth(p) for p in metric], [K] * len(metric), _in_units(metric))
    assert est.status == "degenerate" and est.factor is None and "parallax" in est.reason


def test_pure_rotation_is_degenerate():
    poses = [look_at(np.array([0.0, 0.0, 1.6]), np.array([10 * math.cos(a), 10 * math.sin(a), 0.0]))
             for a in np.linspace(0.5, 1.5, 6)]
    depths = [_plane_depth(p) for p in poses]
    est = scale_from_baseline(depths, [K] * 6, poses)
    assert est.status == "degenerate" and est.factor is None and "pure rotation" in est.reason


def test_a_baseline_tiny_against_the_depth_is_degenerate():
    metric = _walk(step=1e-5, forward=True)
    depths = [_ground_and_wall(p) for p in metric]
    est = scale_from_baseline(depths, [K] * len(metric), metric)
    assert est.status == "degenerate" and "parallax" in est.reason


def test_limits_are_configurable():
    g = np.random.default_rng(6)
    est = scale_from_depth_pairs(_pairs(g, n_frames=3, n_points=4), ScaleLimits(min_points=4, min_frames=3))
    assert est.ok and est.factor == pytest.approx(S)


def test_uncertainty_of_a_short_correlated_sequence_matches_simulation():
    """Sixteen frames with AR(1) errors (rho 0.8): s / sqrt(n_eff) is the spread of their mean."""
    g = np.random.default_rng(8)
    n, rho, trials = 16, 0.8, 20000
    x = np.zeros((trials, n))
    x[:, 0] = g.standard_normal(trials)
    for i in range(1, n):
        x[:, i] = rho * x[:, i - 1] + math.sqrt(1 - rho * rho) * g.standard_normal(trials)
    n_eff = effective_count(x[0], max_rho=rho, rho_prior=rho)
    predicted = math.sqrt(np.mean(x.var(axis=1, ddof=1)) / n_eff)
    assert predicted == pytest.approx(x.mean(axis=1).std(), rel=0.03)
    assert n_eff < n * (1 - rho) / (1 + rho)  # the long-sequence formula would claim more
