import math

import numpy as np
import pytest

from spacevista.geometry.area import (convex_hull_2d, convex_hull_area, footprint_area,
                                      polygon_area, polygon_contains, signed_polygon_area)
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


def test_polygon_area_and_hulls():
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], float)
    assert polygon_area(square) == 4.0
    assert signed_polygon_area(square) == 4.0
    assert signed_polygon_area(square[::-1]) == -4.0
    L = np.array([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]], float)
    assert polygon_area(L) == pytest.approx(3.0)
    assert convex_hull_area(L) == pytest.approx(3.5)
    far = square + 1e7
    assert polygon_area(far) == pytest.approx(4.0, abs=1e-6)
    assert convex_hull_area(np.array([[0, 0], [1, 1], [2, 2]], float)) == 0.0
    assert convex_hull_2d(np.array([[0, 0], [1, 1], [2, 2]], float)).shape == (2, 2)
    assert convex_hull_area(np.array([[0, 0], [1, 1]], float)) == 0.0
    hull = convex_hull_2d(np.random.default_rng(3).random((100, 2)))
    assert signed_polygon_area(hull) > 0  # counter-clockwise


def test_footprint_area():
    corners = box_corners([0, 0, 1], [3.0, 2.0, 2.0], 0.5)
    assert footprint_area(corners) == pytest.approx(6.0)
    assert footprint_area(corners, up_axis=0) > 0


def test_polygon_contains():
    L = np.array([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]], float)
    pts = np.array([[0.5, 0.5], [1.5, 0.5], [0.5, 1.5], [1.5, 1.5], [3, 3], [-0.1, 0.5]])
    assert polygon_contains(L, pts).tolist() == [True, True, True, False, False, False]


def test_polygon_contains_many_points_matches_analytic_square():
    pts = np.random.default_rng(7).uniform(-1, 3, size=(300_000, 2))
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], float)
    expected = (pts[:, 0] > 0) & (pts[:, 0] < 2) & (pts[:, 1] > 0) & (pts[:, 1] < 2)
    np.testing.assert_array_equal(polygon_contains(square, pts), expected)
