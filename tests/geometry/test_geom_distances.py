import math

import numpy as np
import pytest

from spacevista.geometry.boxes import box_corners
from spacevista.geometry.distances import (camera_depth, centroid_distance, closest_distance,
                                           closest_pair, mesh_surface_samples)
from spacevista.geometry.poses import look_at

CUBE_FACES = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                       [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]])


def cube_points(center, rng, n=4000):
    corners = box_corners(center, [1.0, 1.0, 1.0], 0.0)
    return np.concatenate([mesh_surface_samples(corners, CUBE_FACES, n, rng), corners])


def test_closest_distance_between_unit_cubes_one_metre_apart():
    rng = np.random.default_rng(0)
    a = cube_points([0.0, 0.0, 0.5], rng)
    b = cube_points([2.0, 0.0, 0.5], rng)  # faces at x = 0.5 and x = 1.5
    assert closest_distance(a, b) == pytest.approx(1.0, abs=1e-9)
    d, pa, pb = closest_pair(a, b)
    assert d == pytest.approx(1.0, abs=1e-9)
    assert pa[0] == pytest.approx(0.5) and pb[0] == pytest.approx(1.5)
    assert np.linalg.norm(pa - pb) == pytest.approx(d)
    # Argument order does not matter (the tree goes on the larger cloud).
    d2, pb2, pa2 = closest_pair(b, a[:100])
    assert d2 >= d - 1e-12
    assert centroid_distance(a[:-8], b[:-8]) == pytest.approx(2.0, abs=0.05)
    assert centroid_distance(np.array([0, 0, 0]), np.array([3, 4, 0])) == pytest.approx(5.0)


def test_closest_distance_overlap_is_zero():
    pts = np.random.default_rng(1).random((50, 3))
    assert closest_distance(pts, pts[::-1]) == 0.0
    with pytest.raises(ValueError):
        closest_distance(np.zeros((0, 3)), pts)


def test_camera_depth():
    pose = look_at([0.0, -5.0, 1.0], [0.0, 0.0, 1.0])  # looking along +y
    pts = np.array([[0.0, 0.0, 1.0], [3.0, -2.0, 0.0], [0.0, -7.0, 1.0]])
    assert camera_depth(pts, pose) == pytest.approx(3.0)
    assert camera_depth(pts[2:], pose) == math.inf


def test_mesh_surface_samples_uniform_and_deterministic():
    # Two triangles: area 2 (big) and 0.5 (small), plus a zero-area one never chosen.
    V = np.array([[0, 0, 0], [2, 0, 0], [0, 2, 0], [5, 5, 5], [6, 5, 5], [5, 6, 5], [9, 9, 9]], float)
    F = np.array([[0, 1, 2], [3, 4, 5], [6, 6, 6]])
    pts = mesh_surface_samples(V, F, 20000, np.random.default_rng(2))
    big = pts[:, 2] == 0.0
    assert big.mean() == pytest.approx(0.8, abs=0.02)
    assert not np.any(np.all(pts == 9.0, axis=1))
    # Inside the big triangle, uniform: the fraction with x + y < 1 is 1/4 of its area.
    inside = pts[big]
    assert np.all(inside[:, :2] >= -1e-12) and np.all(inside[:, 0] + inside[:, 1] <= 2 + 1e-12)
    assert (inside[:, 0] + inside[:, 1] < 1).mean() == pytest.approx(0.25, abs=0.02)
    again = mesh_surface_samples(V, F, 20000, np.random.default_rng(2))
    assert pts.tobytes() == again.tobytes()
    with pytest.raises(ValueError):
        mesh_surface_samples(V, np.array([[0, 1, 99]]), 5, np.random.default_rng(0))
