import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacevista.geometry import relations as rel
from spacevista.geometry.boxes import (aabb, box_corners, box_footprint, box_iou_3d_upright,
                                       longest_dimension, min_area_rectangle, points_in_box,
                                       upright_box)
from spacevista.geometry.distances import mesh_surface_samples
from spacevista.geometry.polygons import polygon_area, signed_polygon_area
from spacevista.graph import Box3D

PROPERTY = settings(deadline=None, max_examples=150, derandomize=True, database=None)
centers = st.tuples(*[st.floats(-100, 100)] * 3).map(np.array)
sizes = st.tuples(*[st.floats(0.01, 20)] * 3).map(np.array)
yaws = st.floats(-2 * math.pi, 2 * math.pi)

BOX_FACES = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                      [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]])


def box_surface(center, size, yaw, n, rng):
    corners = box_corners(center, size, yaw)
    samples = mesh_surface_samples(corners, BOX_FACES, n, rng)
    return np.concatenate([samples, corners])


@pytest.mark.parametrize("yaw", [0.0, 0.3, -1.2, 1.5, math.pi / 4])
def test_upright_box_recovers_known_box(yaw):
    rng = np.random.default_rng(0)
    center, size = np.array([3.0, -2.0, 0.75]), np.array([2.0, 0.8, 1.5])
    pts = box_surface(center, size, yaw, 3000, rng)
    c, s, y = upright_box(pts)
    np.testing.assert_allclose(c, center, atol=1e-6)
    np.testing.assert_allclose(s, size, atol=1e-6)
    assert abs(math.remainder(y - yaw, math.pi)) < 1e-6
    assert -math.pi / 2 <= y < math.pi / 2


def test_upright_box_long_side_first_and_yaw_range():
    rng = np.random.default_rng(1)
    # Box given with its short side on local x: the fit swaps the sides and turns yaw by 90 deg.
    pts = box_surface([0, 0, 0], [0.5, 3.0, 1.0], 0.2, 2000, rng)
    c, s, y = upright_box(pts)
    np.testing.assert_allclose(s, [3.0, 0.5, 1.0], atol=1e-6)
    assert y == pytest.approx(0.2 + math.pi / 2 - math.pi, abs=1e-6)
    np.testing.assert_allclose(box_corners(c, s, y)[np.lexsort(box_corners(c, s, y).T)],
                               box_corners([0, 0, 0], [0.5, 3.0, 1.0], 0.2)[
                                   np.lexsort(box_corners([0, 0, 0], [0.5, 3.0, 1.0], 0.2).T)],
                               atol=1e-6)


def test_upright_box_other_up_axis():
    rng = np.random.default_rng(2)
    pts = box_surface([1, 2, 3], [2.0, 1.0, 0.5], 0.4, 2000, rng)
    # Relabel axes so that the vertical is axis 1: (x, y, z) -> (y, z, x) puts z at index 1.
    moved = pts[:, [1, 2, 0]]
    c, s, _ = upright_box(moved, up_axis=1)
    np.testing.assert_allclose(c, [2, 3, 1], atol=1e-6)
    np.testing.assert_allclose(s, [2.0, 1.0, 0.5], atol=1e-6)


def test_calipers_beats_pca_on_skewed_points():
    # Points dense along a diagonal of a square: PCA picks the diagonal, calipers the sides.
    rng = np.random.default_rng(3)
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
    t = rng.random(500)
    diag = np.stack([t, t], axis=1) + rng.normal(scale=0.01, size=(500, 2))
    pts = np.concatenate([np.clip(diag, 0, 1), square])
    c, s, y = min_area_rectangle(pts)
    np.testing.assert_allclose(s, [1, 1], atol=1e-9)
    np.testing.assert_allclose(c, [0.5, 0.5], atol=1e-9)


def test_degenerate_inputs():
    c, s, y = upright_box(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(c, [1, 2, 3])
    np.testing.assert_allclose(s, [0, 0, 0])
    c, s, y = upright_box(np.array([[0.0, 0.0, 0.0], [2.0, 2.0, 1.0]]))
    np.testing.assert_allclose(s, [math.sqrt(8), 0, 1], atol=1e-12)
    assert y == pytest.approx(math.pi / 4)
    with pytest.raises(ValueError):
        upright_box(np.zeros((0, 3)))


def test_corners_and_footprint_match_box3d():
    center, size, yaw = np.array([1.0, 2.0, 0.5]), np.array([2.0, 1.0, 1.0]), 0.7
    ref = Box3D(center, size, yaw)
    np.testing.assert_allclose(box_corners(center, size, yaw), ref.corners(), atol=1e-12)
    np.testing.assert_allclose(box_footprint(center, size, yaw), ref.footprint(), atol=1e-12)
    fp = box_footprint([0, 0, 0], [2, 1, 1], math.pi / 2)
    np.testing.assert_allclose(fp, [[0.5, -1], [0.5, 1], [-0.5, 1], [-0.5, -1]], atol=1e-12)


def test_points_in_box_and_aabb():
    pts = np.array([[0.9, 0.0, 0.0], [0.0, 0.9, 0.0], [0.0, 0.0, 0.49], [0.0, 0.0, 0.51]])
    inside = points_in_box(pts, [0, 0, 0], [2.0, 0.5, 1.0], 0.0)
    assert inside.tolist() == [True, False, True, False]
    inside = points_in_box(pts, [0, 0, 0], [2.0, 0.5, 1.0], math.pi / 2)
    assert inside.tolist() == [False, True, True, False]
    lo, hi = aabb(pts)
    np.testing.assert_allclose(lo, [0, 0, 0])
    np.testing.assert_allclose(hi, [0.9, 0.9, 0.51])


def test_iou_and_longest():
    a = ([0, 0, 0], [2, 2, 2], 0.0)
    assert box_iou_3d_upright(*a, *a) == pytest.approx(1.0)
    # Shifted by 1 m along x: intersection 1x2x2 = 4, union 8+8-4 = 12.
    assert box_iou_3d_upright(*a, [1, 0, 0], [2, 2, 2], 0.0) == pytest.approx(4 / 12)
    # Rotated 45 deg unit-ish boxes: footprint overlap of a square and its rotated copy.
    r = box_iou_3d_upright([0, 0, 0], [2, 2, 1], 0.0, [0, 0, 0], [2, 2, 1], math.pi / 4)
    octagon = 8 * (math.sqrt(2) - 1)  # area of the square/rotated-square intersection (side 2)
    assert r == pytest.approx(octagon / (8 - octagon))
    assert box_iou_3d_upright(*a, [0, 0, 5], [2, 2, 2], 0.0) == 0.0
    assert longest_dimension([0.2, 3.0, 1.0]) == 3.0


def test_min_area_rectangle_of_a_many_sided_hull():
    # 3000 points on a circle: the hull has thousands of edges (blocks of angles); any rectangle
    # around a circle is a square of side 2r.
    t = np.linspace(0, 2 * np.pi, 3000, endpoint=False)
    pts = np.stack([np.cos(t), np.sin(t)], axis=1) * 2.0 + [5.0, -1.0]
    c, s, _ = min_area_rectangle(pts)
    np.testing.assert_allclose(s, [4.0, 4.0], atol=1e-5)
    np.testing.assert_allclose(c, [5.0, -1.0], atol=1e-5)


def test_trimmed_box_ignores_a_noise_shell():
    rng = np.random.default_rng(3)
    n = 20000
    pts = rng.uniform(-0.5, 0.5, size=(n, 3)) * np.array([2.0, 1.0, 0.5])
    noisy = pts.copy()
    shell = rng.choice(n, size=n // 200, replace=False)  # 0.5% of points thrown far out
    noisy[shell] *= 3.0
    _, plain, _ = upright_box(noisy)
    _, trimmed, _ = upright_box(noisy, trim=0.01)
    assert plain[0] > 2.5
    assert np.allclose(trimmed, [2.0, 1.0, 0.5], rtol=0.05)
    _, size, _ = upright_box(pts, trim=0.0)
    assert np.allclose(size, [2.0, 1.0, 0.5], rtol=0.01)
    with pytest.raises(ValueError):
        upright_box(pts, trim=0.5)


# ------------------------------------------------------------------------------ corner properties

def _rot2(theta: float) -> np.ndarray:
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


@PROPERTY
@given(centers, sizes, yaws)
def test_footprint_of_a_turned_box_is_the_turned_footprint(center, size, yaw):
    upright = box_footprint(center, size, 0.0)
    expected = (upright - center[:2]) @ _rot2(yaw).T + center[:2]
    np.testing.assert_allclose(box_footprint(center, size, yaw), expected, rtol=0, atol=1e-10)
    corners = box_corners(center, size, yaw)
    turned = (box_corners(center, size, 0.0) - center)[:, :2] @ _rot2(yaw).T + center[:2]
    np.testing.assert_allclose(corners[:, :2], turned, rtol=0, atol=1e-10)


@PROPERTY
@given(centers, sizes, yaws)
def test_footprint_is_the_ccw_ground_face_of_the_corners(center, size, yaw):
    fp = box_footprint(center, size, yaw)
    assert signed_polygon_area(fp) == pytest.approx(size[0] * size[1], rel=1e-9)
    corners = box_corners(center, size, yaw)
    bottom = corners[corners[:, 2] < center[2]]
    np.testing.assert_array_equal(np.sort(bottom[:, :2], axis=0), np.sort(fp, axis=0))
    np.testing.assert_allclose(corners[:, 2].reshape(4, 2), [[center[2] - size[2] / 2, center[2] + size[2] / 2]] * 4)


@PROPERTY
@given(centers, sizes, yaws)
def test_graph_and_relations_use_the_same_corners(center, size, yaw):
    box = Box3D(center, size, yaw)
    assert box.corners().tobytes() == box_corners(center, size, yaw).tobytes()
    assert box.footprint().tobytes() == box_footprint(center, size, yaw).tobytes()
    assert rel.footprint(box).tobytes() == box.footprint().tobytes()
    assert rel.box_footprint_area(box) == polygon_area(box.footprint())
    assert rel.box_footprint_area(box) == pytest.approx(size[0] * size[1], rel=1e-9)
    assert rel.footprint_overlap(box, box) == pytest.approx(rel.box_footprint_area(box), rel=1e-9)


@PROPERTY
@given(centers, sizes, yaws, centers, sizes, yaws)
def test_iou_is_symmetric_and_in_unit_range(ca, sa, ya, cb, sb, yb):
    cb = ca + (cb - ca) * 0.05  # near a, so many pairs overlap
    iou = box_iou_3d_upright(ca, sa, ya, cb, sb, yb)
    assert 0.0 <= iou <= 1.0
    assert iou == pytest.approx(box_iou_3d_upright(cb, sb, yb, ca, sa, ya), abs=1e-9)
    assert box_iou_3d_upright(ca, sa, ya, ca, sa, ya) == pytest.approx(1.0, rel=1e-9)
