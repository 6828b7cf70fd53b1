"""Plane polygons: shoelace area, convex clipping, convex hulls and point-in-polygon tests.

Polygons are (N, 2) float arrays of vertices in order; the closing edge from the last vertex back to
the first is implied.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError

__all__ = [
    "signed_polygon_area",
    "polygon_area",
    "clip_convex",
    "convex_hull_2d",
    "convex_hull_area",
    "polygon_contains",
]


def _as_2d(points: np.ndarray, what: str = "points") -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"{what} must have shape (N, 2), got {points.shape}")
    return points


def signed_polygon_area(poly: np.ndarray) -> float:
    """Shoelace area of a simple polygon (N, 2): positive when counter-clockwise, 0 under 3 vertices."""
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


def clip_convex(subject: np.ndarray, clip: np.ndarray) -> np.ndarray:
    """The part (M, 2) of convex polygon ``subject`` inside convex counter-clockwise polygon ``clip``
    (Sutherland-Hodgman); (0, 2) when they share no area. Vertices on an edge of ``clip`` count as
    inside, so clipping a counter-clockwise convex polygon by itself returns it unchanged."""
    out = [np.asarray(p, dtype=np.float64) for p in subject]
    clip = _as_2d(clip, "clip polygon")
    n = len(clip)
    for i in range(n):
        if not out:
            break
        p, q = clip[i], clip[(i + 1) % n]
        src, out = out, []
        for k in range(len(src)):
            cur, nxt = src[k], src[(k + 1) % len(src)]
            if _left_of(p, q, nxt):
                if not _left_of(p, q, cur):
                    out.append(_intersect(p, q, cur, nxt))
                out.append(nxt)
            elif _left_of(p, q, cur):
                out.append(_intersect(p, q, cur, nxt))
    return np.array(out) if out else np.zeros((0, 2))


def _left_of(p: np.ndarray, q: np.ndarray, v: np.ndarray) -> bool:
    """Is ``v`` on the inner (left) side of the directed edge p->q, or on it?"""
    e = q - p
    return bool(e[0] * (v[1] - p[1]) - e[1] * (v[0] - p[0]) >= -1e-15)


def _intersect(p: np.ndarray, q: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Intersection of segment u-v with the infinite line through p and q."""
    e, d = q - p, v - u
    den = e[0] * d[1] - e[1] * d[0]
    if den == 0:
        return u.copy()
    t = (e[0] * (u[1] - p[1]) - e[1] * (u[0] - p[0])) / -den
    return u + t * d


def convex_hull_2d(points2d: np.ndarray) -> np.ndarray:
    """Vertices (M, 2) of the convex hull, counter-clockwise; fewer than 3 rows when degenerate
    (all points equal -> 1 row, collinear -> the 2 extreme points). Non-finite rows are ignored."""
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
