"""Polygon area, convex clipping, convex hulls and point-in-polygon: examples and properties."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacevista.geometry.polygons import (clip_convex, convex_hull_2d, convex_hull_area, polygon_area,
                                          polygon_contains, signed_polygon_area)

# Deterministic runs: a property test that fails once fails every time, never by chance.
PROPERTY = settings(deadline=None, max_examples=150, derandomize=True, database=None)

coord = st.floats(-1000.0, 1000.0, allow_nan=False, allow_infinity=False)
angle = st.floats(-math.pi, math.pi, allow_nan=False, allow_infinity=False)


def _rot(theta: float) -> np.ndarray:
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


@st.composite
def ellipse_polygons(draw) -> tuple[np.ndarray, float]:
    """A convex counter-clockwise polygon inscribed in a rotated, shifted ellipse, and its exact area.

    Vertices at increasing angles phi_i on the ellipse (a cos phi, b sin phi): the fan of triangles
    from the centre gives the area 0.5 * a * b * sum(sin(phi_{i+1} - phi_i)). Gaps between the
    angles are at least 2 pi / 100, so no three vertices are nearly collinear.
    """
    n = draw(st.integers(3, 10))
    weights = np.array(draw(st.lists(st.floats(1.0, 10.0), min_size=n, max_size=n)))
    gaps = 2 * math.pi * weights / weights.sum()
    phi = draw(angle) + np.concatenate([[0.0], np.cumsum(gaps[:-1])])
    a, b = draw(st.floats(0.1, 10.0)), draw(st.floats(0.1, 10.0))
    local = np.stack([a * np.cos(phi), b * np.sin(phi)], axis=1)
    poly = local @ _rot(draw(angle)).T + np.array([draw(coord), draw(coord)])
    return poly, 0.5 * a * b * float(np.sum(np.sin(gaps)))


def _inside_or_on(poly: np.ndarray, pts: np.ndarray, tol: float) -> bool:
    """Every point on the left of (or within ``tol`` of) every edge of the CCW convex ``poly``."""
    for p, q in zip(poly, np.roll(poly, -1, axis=0)):
        e = q - p
        cross = e[0] * (pts[:, 1] - p[1]) - e[1] * (pts[:, 0] - p[0])
        if np.any(cross < -tol * np.linalg.norm(e)):
            return False
    return True


# ------------------------------------------------------------------------------ examples

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


def test_polygon_area_of_degenerate_input():
    assert polygon_area(np.zeros((0, 2))) == 0.0
    assert polygon_area(np.array([[0.0, 0.0], [1.0, 1.0]])) == 0.0
    with pytest.raises(ValueError):
        polygon_area(np.zeros((4, 3)))


def test_clip_convex_examples():
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], float)
    shifted = square + [1.0, 1.0]
    overlap = clip_convex(square, shifted)
    assert polygon_area(overlap) == pytest.approx(1.0)
    assert {tuple(v) for v in np.round(overlap, 12)} == {(1, 1), (2, 1), (2, 2), (1, 2)}
    assert clip_convex(square, square + [5.0, 0.0]).shape == (0, 2)
    # The square and its copy turned 45 degrees about the centre share a regular octagon.
    turned = (square - 1) @ _rot(math.pi / 4).T + 1
    assert polygon_area(clip_convex(square, turned)) == pytest.approx(8 * (math.sqrt(2) - 1))


def test_polygon_contains():
    L = np.array([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]], float)
    pts = np.array([[0.5, 0.5], [1.5, 0.5], [0.5, 1.5], [1.5, 1.5], [3, 3], [-0.1, 0.5]])
    assert polygon_contains(L, pts).tolist() == [True, True, True, False, False, False]


def test_polygon_contains_many_points_matches_analytic_square():
    pts = np.random.default_rng(7).uniform(-1, 3, size=(300_000, 2))
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], float)
    expected = (pts[:, 0] > 0) & (pts[:, 0] < 2) & (pts[:, 1] > 0) & (pts[:, 1] < 2)
    np.testing.assert_array_equal(polygon_contains(square, pts), expected)


# ------------------------------------------------------------------------------ area properties

@PROPERTY
@given(ellipse_polygons())
def test_area_of_an_inscribed_polygon_is_the_fan_of_triangles(case):
    poly, area = case
    assert polygon_area(poly) == pytest.approx(area, rel=1e-9)
    assert signed_polygon_area(poly) > 0
    assert signed_polygon_area(poly[::-1]) == pytest.approx(-polygon_area(poly), rel=1e-12)


@PROPERTY
@given(ellipse_polygons(), coord, coord, angle)
def test_area_is_invariant_under_translation_and_rotation(case, dx, dy, theta):
    poly, _ = case
    area = polygon_area(poly)
    assert polygon_area(poly + [dx, dy]) == pytest.approx(area, rel=1e-9)
    # rotate about the polygon's own centre, so the rounding of far-off coordinates stays small
    c = poly.mean(axis=0)
    assert polygon_area((poly - c) @ _rot(theta).T + c) == pytest.approx(area, rel=1e-9)


@PROPERTY
@given(ellipse_polygons(), st.integers(0, 9))
def test_area_does_not_depend_on_the_first_vertex(case, k):
    poly, _ = case
    assert polygon_area(np.roll(poly, k, axis=0)) == pytest.approx(polygon_area(poly), rel=1e-12)


# ------------------------------------------------------------------------------ clipping properties

@PROPERTY
@given(ellipse_polygons())
def test_clipping_a_polygon_by_itself_gives_it_back(case):
    poly, _ = case
    np.testing.assert_array_equal(clip_convex(poly, poly), poly)


@PROPERTY
@given(ellipse_polygons(), ellipse_polygons())
def test_clipped_area_is_at_most_either_input_and_symmetric(case_a, case_b):
    (a, area_a), (b, area_b) = case_a, case_b
    # bring b near a so that they often overlap
    b = b - b.mean(axis=0) + a.mean(axis=0) + (b[0] - b.mean(axis=0)) * 0.5
    area_b = polygon_area(b)
    ab, ba = clip_convex(a, b), clip_convex(b, a)
    slack = 1e-9 * max(area_a, area_b)
    assert polygon_area(ab) <= min(area_a, area_b) + slack
    assert polygon_area(ab) == pytest.approx(polygon_area(ba), abs=slack)
    scale = float(np.abs(np.concatenate([a, b])).max())
    assert _inside_or_on(a, ab, 1e-9 * scale) and _inside_or_on(b, ab, 1e-9 * scale)


@PROPERTY
@given(ellipse_polygons(), st.floats(1.0, 3.0))
def test_clipping_by_a_larger_copy_keeps_the_polygon(case, grow):
    poly, area = case
    c = poly.mean(axis=0)
    big = (poly - c) * grow + c
    assert polygon_area(clip_convex(poly, big)) == pytest.approx(area, rel=1e-9)
    assert polygon_area(clip_convex(big, poly)) == pytest.approx(area, rel=1e-9)


@PROPERTY
@given(ellipse_polygons(), ellipse_polygons(), angle)
def test_clipping_apart_polygons_is_empty(case_a, case_b, direction):
    (a, _), (b, _) = case_a, case_b
    # put b's centre beyond a's and b's combined reach, in any direction
    reach = np.abs(a - a.mean(axis=0)).max() + np.abs(b - b.mean(axis=0)).max()
    offset = 3 * reach * np.array([math.cos(direction), math.sin(direction)])
    b = b - b.mean(axis=0) + a.mean(axis=0) + offset
    assert clip_convex(a, b).shape == (0, 2)


# ------------------------------------------------------------------------------ hull properties

points2d = st.integers(1, 40).flatmap(
    lambda n: st.lists(st.tuples(coord, coord), min_size=n, max_size=n)).map(lambda p: np.array(p, float))


@PROPERTY
@given(points2d)
def test_hull_holds_every_point_and_is_made_of_them(pts):
    hull = convex_hull_2d(pts)
    assert 1 <= hull.shape[0] <= pts.shape[0]
    assert {tuple(v) for v in hull} <= {tuple(p) for p in pts}
    if hull.shape[0] >= 3:
        assert signed_polygon_area(hull) > 0
        assert _inside_or_on(hull, pts, 1e-9 * max(1.0, float(np.abs(pts).max())))
        assert convex_hull_area(pts) == polygon_area(hull)
    else:
        assert convex_hull_area(pts) == 0.0


@PROPERTY
@given(ellipse_polygons(), st.integers(0, 30))
def test_hull_of_a_convex_polygon_and_inner_points_is_the_polygon(case, n_inner):
    poly, area = case
    c = poly.mean(axis=0)
    rng = np.random.default_rng(n_inner)
    # convex combinations of the vertices lie inside the polygon
    w = rng.dirichlet(np.ones(len(poly)), size=n_inner)
    inner = w @ poly if n_inner else np.zeros((0, 2))
    pts = np.concatenate([inner, poly[::-1], [c]])
    hull = convex_hull_2d(pts)
    assert {tuple(v) for v in hull} == {tuple(v) for v in poly}
    assert convex_hull_area(pts) == pytest.approx(area, rel=1e-9)
