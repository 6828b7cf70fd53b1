import math

import numpy as np
import pytest

from spacevista.geometry.planes import (fit_plane_lstsq, fit_plane_ransac, floor_up, gravity_align,
                                        rotation_aligning, up_from_cameras)
from spacevista.geometry.poses import check_rigid, look_at, rotation_angle_deg


def plane_points(normal, d, n, rng, noise=0.0):
    normal = np.asarray(normal, float) / np.linalg.norm(normal)
    u = np.cross(normal, [1.0, 0.0, 0.0])
    if np.linalg.norm(u) < 0.1:
        u = np.cross(normal, [0.0, 1.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(normal, u)
    ab = rng.uniform(-3, 3, size=(n, 2))
    pts = -d * normal + ab[:, :1] * u + ab[:, 1:] * v
    return pts + rng.normal(scale=noise, size=(n, 1)) * normal if noise else pts


def test_ransac_recovers_tilted_plane_with_30_percent_outliers():
    rng = np.random.default_rng(0)
    normal = np.array([0.3, -0.2, 0.9])
    normal /= np.linalg.norm(normal)
    d = -1.5
    inl = plane_points(normal, d, 700, rng, noise=0.002)
    outl = rng.uniform(-4, 4, size=(300, 3))
    pts = np.concatenate([inl, outl])
    n_est, d_est, mask = fit_plane_ransac(pts, np.random.default_rng(1), threshold=0.01)
    if n_est @ normal < 0:
        n_est, d_est = -n_est, -d_est
    assert math.degrees(math.acos(min(1.0, n_est @ normal))) < 0.2
    assert d_est == pytest.approx(d, abs=0.005)
    assert mask[:700].mean() > 0.98
    assert mask[700:].mean() < 0.05
    # Deterministic for the same rng seed.
    again = fit_plane_ransac(pts, np.random.default_rng(1), threshold=0.01)
    assert again[0].tobytes() == fit_plane_ransac(pts, np.random.default_rng(1), threshold=0.01)[0].tobytes()


def test_ransac_angle_constraint_skips_the_bigger_wall():
    rng = np.random.default_rng(2)
    wall = plane_points([1, 0, 0], -2.0, 2000, rng)  # the wall x = 2 (horizontal normal)
    floor = plane_points([0, 0, 1], 0.5, 800, rng)   # the floor z = -0.5
    pts = np.concatenate([wall, floor])
    n_free, _, _ = fit_plane_ransac(pts, np.random.default_rng(3), 0.01)
    assert abs(n_free[0]) > 0.99  # unconstrained: the wall has more points
    n_c, d_c, _ = fit_plane_ransac(pts, np.random.default_rng(3), 0.01, axis=[0, 0, 1], max_angle_deg=30)
    # Wall points within the threshold of the floor count as floor inliers, hence the tolerance.
    np.testing.assert_allclose(n_c, [0, 0, 1], atol=1e-4)
    assert d_c == pytest.approx(0.5, abs=1e-3)


def test_lstsq_plane():
    n, d = fit_plane_lstsq(np.array([[0, 0, 1.0], [1, 0, 1.0], [0, 1, 1.0], [1, 1, 1.0]]))
    np.testing.assert_allclose(n, [0, 0, 1], atol=1e-12)
    assert d == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        fit_plane_lstsq(np.zeros((2, 3)))


def test_floor_up_on_a_tilted_room():
    rng = np.random.default_rng(4)
    floor = plane_points([0, 0, 1], -0.0, 1500, rng)  # z = 0
    floor[:, 2] = 0.0
    objects = rng.uniform([-2, -2, 0.05], [2, 2, 1.5], size=(600, 3))
    wall = plane_points([1, 0, 0], -3.0, 800, rng)
    pts = np.concatenate([floor, objects, wall])
    tilt = rotation_aligning([0, 0, 1], [0.1, 0.2, 1.0])
    moved = pts @ tilt.T + [0.0, 0.0, 2.0]
    true_up = tilt @ [0, 0, 1]
    # A prior 20 degrees off, and even a flipped prior: the plane is found and oriented upwards.
    prior = rotation_aligning([0, 0, 1], [0.35, 0.0, 1.0]) @ true_up
    for p in (prior, -prior):
        up, height = floor_up(moved, np.random.default_rng(5), threshold=0.01, prior_up=p)
        assert math.degrees(math.acos(min(1.0, up @ true_up))) < 0.1
        assert height == pytest.approx(float(true_up @ [0, 0, 2.0]), abs=1e-3)
        # After gravity alignment with the found up, the floor lies at z = height.
        _, R = gravity_align(np.eye(4), up)
        floor_z = (moved[:1500] @ R.T)[:, 2]
        np.testing.assert_allclose(floor_z, height, atol=2e-3)
    with pytest.raises(ValueError):
        floor_up(moved, np.random.default_rng(5), 0.01, prior_up=[1, 0, 0.0], max_angle_deg=1)  # nothing within 1 deg


def test_floor_up_on_noisy_ground_follows_the_cameras_above_it():
    """Drone depth errs by metres: the ground's points scatter to both sides of its plane, and
    clutter below it (noise) can outnumber the buildings above; the cameras, 80 m up, decide."""
    rng = np.random.default_rng(7)
    ground = rng.uniform([-100, -100, -4], [100, 100, 4], size=(3000, 3))
    ground[:, 2] = rng.normal(0.0, 0.5, 3000)
    below = rng.uniform([-100, -100, -30], [100, 100, -5], size=(1500, 3))   # flying pixels, noise
    above = rng.uniform([-20, -20, 5], [20, 20, 25], size=(800, 3))          # a few buildings
    pts = np.concatenate([ground, below, above])
    cams = np.column_stack([rng.uniform(-50, 50, (16, 2)), np.full(16, 80.0)])
    up, height = floor_up(pts, np.random.default_rng(1), threshold=1.0, prior_up=[0, 0, 1], cameras=cams)
    assert up[2] > 0.99 and abs(height) < 1.0
    flipped, _ = floor_up(pts, np.random.default_rng(1), threshold=1.0, prior_up=[0, 0, 1])
    assert flipped[2] < -0.99  # the points alone vote the wrong way here


def test_up_from_cameras():
    poses = np.stack([look_at([np.cos(a) * 3, np.sin(a) * 3, 1.5], [0, 0, 0.5]) for a in np.linspace(0, 2 * np.pi, 12, endpoint=False)])
    np.testing.assert_allclose(up_from_cameras(poses), [0, 0, 1], atol=1e-9)
    with pytest.raises(ValueError):
        up_from_cameras(np.zeros((0, 4, 4)))


@pytest.mark.parametrize("a, b", [([0, 0, 1], [0, 0, 1]), ([1, 0, 0], [0, 1, 0]), ([0, 0, 1], [0, 0, -1]),
                                  ([0, 1, 0], [0, -1, 0]), ([0.3, -0.4, 0.5], [-0.3, 0.4, -0.5]),
                                  ([1, 2, 3], [-2, 0.5, 1])])
def test_rotation_aligning(a, b):
    R = rotation_aligning(a, b)
    T = np.eye(4)
    T[:3, :3] = R
    check_rigid(T)
    a_u = np.asarray(a, float) / np.linalg.norm(a)
    b_u = np.asarray(b, float) / np.linalg.norm(b)
    np.testing.assert_allclose(R @ a_u, b_u, atol=1e-12)
    # Smallest rotation: its angle equals the angle between the vectors.
    angle = math.degrees(math.atan2(np.linalg.norm(np.cross(a_u, b_u)), a_u @ b_u))
    assert rotation_angle_deg(np.eye(3), R) == pytest.approx(angle, abs=1e-6)


def test_gravity_align():
    up = np.array([0.2, -0.1, 1.0])
    up /= np.linalg.norm(up)
    R_tilt = rotation_aligning([0, 0, 1], up)
    # Cameras upright in a tilted world.
    base = np.stack([look_at([3, 0, 1], [0, 0, 0]), look_at([0, 3, 2], [0, 0, 1])])
    T = np.eye(4)
    T[:3, :3] = R_tilt
    tilted = T @ base
    aligned, R = gravity_align(tilted, up)
    np.testing.assert_allclose(R @ up, [0, 0, 1], atol=1e-12)
    np.testing.assert_allclose(up_from_cameras(aligned), up_from_cameras(base), atol=1e-12)
    single, _ = gravity_align(tilted[0], up)
    np.testing.assert_allclose(single, aligned[0])


def test_ransac_scores_large_clouds_on_a_sample():
    rng = np.random.default_rng(9)
    normal = np.array([0.0, 0.6, 0.8])
    inl = plane_points(normal, 2.0, 6000, rng, noise=0.001)
    pts = np.concatenate([inl, rng.uniform(-4, 4, size=(3000, 3))])
    n_est, d_est, mask = fit_plane_ransac(pts, np.random.default_rng(1), 0.005, score_sample=500)
    if n_est @ normal < 0:
        n_est, d_est = -n_est, -d_est
    assert n_est @ normal > 0.9999 and d_est == pytest.approx(2.0, abs=0.003)
    assert mask.shape == (9000,) and mask[:6000].mean() > 0.98
