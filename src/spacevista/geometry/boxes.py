"""Upright oriented boxes: fitting to point clouds, corners, containment and overlap.

Box convention (matches ``spacevista.graph.Box3D``): ``center`` (3,) in world metres, ``size``
(3,) the extents along the box's local x, y and vertical axes, and ``yaw`` the rotation about the
vertical axis, counter-clockwise seen from above, that takes world x onto the box's local x. A box
looks the same under a half turn, so fitted boxes report ``yaw`` in ``[-pi/2, pi/2)``, and
``size[0] >= size[1]``: local x is the long horizontal side.
"""

from __future__ import annotations

import math

import numpy as np

from spacevista.geometry.ground import horizontal_axes
from spacevista.geometry.polygons import clip_convex, convex_hull_2d, polygon_area

__all__ = [
    "upright_box",
    "min_area_rectangle",
    "box_corners",
    "box_footprint",
    "points_in_box",
    "aabb",
    "box_iou_3d_upright",
    "longest_dimension",
]


def _rot2(yaw: float) -> np.ndarray:
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, -s], [s, c]])


def _extents(points2d: np.ndarray, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Min and max of the points along local x and y for each candidate angle (A,).

    Angles are handled in blocks so the (block, N) matrices stay near a million entries.
    """
    out = np.empty((4, angles.size))
    px, py = points2d[:, 0][None, :], points2d[:, 1][None, :]
    block = max(1, 1_000_000 // max(1, points2d.shape[0]))
    for a in range(0, angles.size, block):
        ang = angles[a:a + block]
        c, s = np.cos(ang)[:, None], np.sin(ang)[:, None]
        lx = px * c + py * s
        ly = -px * s + py * c
        out[0, a:a + block] = lx.min(axis=1)
        out[1, a:a + block] = lx.max(axis=1)
        out[2, a:a + block] = ly.min(axis=1)
        out[3, a:a + block] = ly.max(axis=1)
    return out[0], out[1], out[2], out[3]


def _normalise_yaw(yaw: float) -> float:
    """Map an angle to [-pi/2, pi/2): a rectangle is unchanged by a half turn."""
    y = (yaw + math.pi / 2) % math.pi - math.pi / 2
    return float(y)


def min_area_rectangle(points2d: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Smallest-area enclosing rectangle of 2-D points: ``(center (2,), size (2,), yaw)``.

    The principal axis of the points (PCA) gives a first rectangle; every edge direction of the
    convex hull is then tried (rotating calipers: the minimum-area rectangle has a side on a hull
    edge) and the tighter result kept. ``size[0] >= size[1]``, ``yaw`` in [-pi/2, pi/2) is the
    direction of the long side.
    """
    pts = np.asarray(points2d, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] == 0:
        raise ValueError(f"need a non-empty (N, 2) array of points, got shape {pts.shape}")
    if not np.all(np.isfinite(pts)):
        raise ValueError("points contain non-finite values")
    origin = pts.mean(axis=0)
    local = pts - origin
    # PCA of the footprint.
    if local.shape[0] >= 2 and np.any(local != 0):
        w, v = np.linalg.eigh(local.T @ local)
        major = v[:, int(np.argmax(w))]
        pca_yaw = math.atan2(major[1], major[0])
    else:
        pca_yaw = 0.0
    angles = [pca_yaw]
    hull = convex_hull_2d(local)
    if hull.shape[0] >= 3:
        edges = np.roll(hull, -1, axis=0) - hull
        angles.extend(np.arctan2(edges[:, 1], edges[:, 0]).tolist())
    angles_arr = np.asarray(angles)
    ref = hull if hull.shape[0] >= 1 else local
    xmin, xmax, ymin, ymax = _extents(ref, angles_arr)
    areas = (xmax - xmin) * (ymax - ymin)
    best = 0
    # Keep PCA unless a caliper rectangle is genuinely smaller (relative margin guards rounding).
    cand = int(np.argmin(areas))
    if areas[cand] < areas[0] * (1.0 - 1e-12):
        best = cand
    yaw = float(angles_arr[best])
    sx, sy = float(xmax[best] - xmin[best]), float(ymax[best] - ymin[best])
    cxl, cyl = (xmax[best] + xmin[best]) / 2, (ymax[best] + ymin[best]) / 2
    center = origin + _rot2(yaw) @ np.array([cxl, cyl])
    if sx < sy:
        sx, sy = sy, sx
        yaw += math.pi / 2
    return center, np.array([sx, sy]), _normalise_yaw(yaw)


def upright_box(points: np.ndarray, up_axis: int = 2, trim: float = 0.0) -> tuple[np.ndarray, np.ndarray, float]:
    """Fit an upright oriented box to a point cloud.

    Height is the extent along ``up_axis``; the horizontal rectangle is ``min_area_rectangle`` of
    the points projected on the ground (PCA first, refined by rotating calipers on the convex hull).
    With ``trim`` > 0 the extents along the box axes run from the ``trim`` to the ``1 - trim``
    quantile instead of min to max, so a thin shell of noisy points (per-pixel depth noise) does
    not inflate the box; the orientation still comes from the full cloud.

    Returns ``(center (3,), size (3,), yaw)`` with ``size = (long side, short side, height)`` and
    ``yaw`` in [-pi/2, pi/2) about ``up_axis``, measured from the first horizontal axis towards the
    second (for ``up_axis=2``: from world x towards world y).
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3 or points.shape[0] == 0:
        raise ValueError(f"need a non-empty (N, 3) array of points, got shape {points.shape}")
    if not 0.0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5), got {trim}")
    a, b = horizontal_axes(up_axis)
    c2, s2, yaw = min_area_rectangle(points[:, [a, b]])
    h = points[:, up_axis]
    lo, hi = float(h.min()), float(h.max())
    if trim > 0:
        R = _rot2(float(yaw))
        local = (points[:, [a, b]] - c2) @ R  # coordinates along the box's own horizontal axes
        qlo = np.quantile(local, trim, axis=0)
        qhi = np.quantile(local, 1 - trim, axis=0)
        c2 = c2 + R @ ((qlo + qhi) / 2)
        s2 = qhi - qlo
        lo, hi = float(np.quantile(h, trim)), float(np.quantile(h, 1 - trim))
        if s2[0] < s2[1]:  # keep the long side first
            s2 = s2[::-1].copy()
            yaw = (float(yaw) + math.pi) % math.pi - math.pi / 2
    center = np.empty(3)
    center[a], center[b], center[up_axis] = c2[0], c2[1], (lo + hi) / 2
    return center, np.array([s2[0], s2[1], hi - lo]), yaw


def box_corners(center: np.ndarray, size: np.ndarray, yaw: float) -> np.ndarray:
    """The 8 corners (8, 3) of an upright box (vertical = world z), in the order of
    ``Box3D.corners``: local x sign outermost, then y, then z (each -, +)."""
    center = np.asarray(center, dtype=np.float64).reshape(3)
    h = np.asarray(size, dtype=np.float64).reshape(3) / 2
    signs = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64)
    local = signs * h
    R = np.eye(3)
    R[:2, :2] = _rot2(float(yaw))
    return local @ R.T + center


def box_footprint(center: np.ndarray, size: np.ndarray, yaw: float) -> np.ndarray:
    """The 4 ground corners (4, 2), counter-clockwise, as ``Box3D.footprint``."""
    center = np.asarray(center, dtype=np.float64).reshape(-1)
    h = np.asarray(size, dtype=np.float64).reshape(-1)[:2] / 2
    local = np.array([[-h[0], -h[1]], [h[0], -h[1]], [h[0], h[1]], [-h[0], h[1]]])
    return local @ _rot2(float(yaw)).T + center[:2]


def points_in_box(points: np.ndarray, center: np.ndarray, size: np.ndarray, yaw: float,
                  tol: float = 0.0) -> np.ndarray:
    """Boolean (N,) mask of points inside the upright box (faces included, grown by ``tol``)."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"points must have shape (N, 3), got {points.shape}")
    center = np.asarray(center, dtype=np.float64).reshape(3)
    half = np.asarray(size, dtype=np.float64).reshape(3) / 2 + tol
    d = points - center
    c, s = math.cos(yaw), math.sin(yaw)
    lx = d[:, 0] * c + d[:, 1] * s
    ly = -d[:, 0] * s + d[:, 1] * c
    return (np.abs(lx) <= half[0]) & (np.abs(ly) <= half[1]) & (np.abs(d[:, 2]) <= half[2])


def aabb(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Axis-aligned bounds ``(min (D,), max (D,))`` of a non-empty (N, D) array."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[0] == 0:
        raise ValueError(f"need a non-empty (N, D) array, got shape {points.shape}")
    return points.min(axis=0), points.max(axis=0)


def box_iou_3d_upright(center_a: np.ndarray, size_a: np.ndarray, yaw_a: float,
                       center_b: np.ndarray, size_b: np.ndarray, yaw_b: float) -> float:
    """Volume intersection over union of two upright boxes (vertical = world z), in [0, 1]."""
    ca, sa = np.asarray(center_a, float).reshape(3), np.asarray(size_a, float).reshape(3)
    cb, sb = np.asarray(center_b, float).reshape(3), np.asarray(size_b, float).reshape(3)
    dz = min(ca[2] + sa[2] / 2, cb[2] + sb[2] / 2) - max(ca[2] - sa[2] / 2, cb[2] - sb[2] / 2)
    vol_a, vol_b = float(np.prod(sa)), float(np.prod(sb))
    inter = 0.0
    if dz > 0:
        poly = clip_convex(box_footprint(ca, sa, yaw_a), box_footprint(cb, sb, yaw_b))
        if poly.shape[0] >= 3:
            inter = polygon_area(poly) * dz
    union = vol_a + vol_b - inter
    if union <= 0:
        return 0.0
    return float(min(max(inter / union, 0.0), 1.0))


def longest_dimension(size: np.ndarray) -> float:
    """The longest side of a box (the paper's "object size")."""
    return float(np.max(np.asarray(size, dtype=np.float64)))
