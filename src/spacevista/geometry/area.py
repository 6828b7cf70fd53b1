"""Planar areas: polygons, convex hulls and ground footprints."""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError

__all__ = [
    "signed_polygon_area",
    "polygon_area",
    "convex_hull_2d",
    "convex_hull_area",
    "footprint_area",
    "polygon_contains",
    "horizontal_axes",
]


def _as_2d(points: np.ndarray, what: str = "points") -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"{what} must have shape (N, 2), got {points.shape}")
    return points


def signed_polygon_area(poly: np.ndarray) -> float:
    """Shoelace area of a simple polygon (N, 2): positive when counter-clockwise."""
    poly = _as_2d(poly, "polygon")
    if poly.shape[0] < 3:
        return 0.0
    x, y = poly[:, 0], poly[:, 1]
    # Centre first: the shoelace sum of large coordinates loses digits otherwise.
    x = x - x.mean()
    y = y - y.mean()
    return float(0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)))


def polygon_area(poly: np.ndarray) -> float:
    """Area of a simple polygon (N, 2) given by its vertices in order (either direction)."""
    return abs(signed_polygon_area(poly))


def convex_hull_2d(points2d: np.ndarray) -> np.ndarray:
    """Vertices (M, 2) of the convex hull, counter-clockwise; fewer than 3 rows when degenerate
    (all points equal -> 1 row, collinear -> the 2 extreme points)."""
    pts = _as_2d(points2d)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if pts.shape[0] == 0:
        return pts
    if pts.shape[0] >= 3:
        try:
            hull = ConvexHull(pts)
            return pts[hull.vertices]
        except QhullError:
            pass  # flat input: handled below as a segment or a point
    centre = pts.mean(axis=0)
    _, _, vt = np.linalg.svd(pts - centre, full_matrices=False)
    proj = (pts - centre) @ vt[0]
    lo, hi = int(np.argmin(proj)), int(np.argmax(proj))
    if np.allclose(pts[lo], pts[hi]):
        return pts[lo:lo + 1]
    return pts[[lo, hi]]


def convex_hull_area(points2d: np.ndarray) -> float:
    """Area of the convex hull of 2-D points; 0 for fewer than 3 points or collinear points."""
    hull = convex_hull_2d(points2d)
    return polygon_area(hull) if hull.shape[0] >= 3 else 0.0


def horizontal_axes(up_axis: int) -> tuple[int, int]:
    """The two other axes, ordered so that (a, b, up) is right-handed: 2 -> (0, 1), 0 -> (1, 2),
    1 -> (2, 0)."""
    if up_axis not in (0, 1, 2):
        raise ValueError(f"up_axis must be 0, 1 or 2, got {up_axis}")
    return (up_axis + 1) % 3, (up_axis + 2) % 3


def footprint_area(points: np.ndarray, up_axis: int = 2) -> float:
    """Area of the convex hull of the points projected on the ground plane (perpendicular to
    ``up_axis``), in squared input units."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"points must have shape (N, 3), got {points.shape}")
    a, b = horizontal_axes(up_axis)
    return convex_hull_area(points[:, [a, b]])


def polygon_contains(poly: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Even-odd (ray casting) test of points (M, 2) against a simple polygon (N, 2).

    Returns a boolean (M,). Points exactly on an edge may fall either way (half-open rule: edges
    count as inside on their lower-left side), as usual for this test.
    """
    poly = _as_2d(poly, "polygon")
    pts = _as_2d(pts)
    if poly.shape[0] < 3:
        return np.zeros(pts.shape[0], dtype=bool)
    x0, y0 = poly[:, 0][None, :], poly[:, 1][None, :]
    x1, y1 = np.roll(poly[:, 0], -1)[None, :], np.roll(poly[:, 1], -1)[None, :]
    out = np.empty(pts.shape[0], dtype=bool)
    # Points are tested in blocks so the (block, edges) matrices stay around a million entries.
    block = max(1, 1_000_000 // poly.shape[0])
    for a in range(0, pts.shape[0], block):
        px, py = pts[a:a + block, 0][:, None], pts[a:a + block, 1][:, None]
        straddles = (y0 > py) != (y1 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
        crossings = straddles & (px < x_cross)
        out[a:a + block] = (np.count_nonzero(crossings, axis=1) % 2) == 1
    return out
