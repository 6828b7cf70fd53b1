"""Distances between point clouds, camera depth of objects, and mesh surface sampling."""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

__all__ = [
    "closest_pair",
    "closest_distance",
    "closest_upper_bound",
    "centroid_distance",
    "camera_depth",
    "mesh_surface_samples",
]


def _cloud(points: np.ndarray, what: str) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3 or points.shape[0] == 0:
        raise ValueError(f"{what} must be a non-empty (N, 3) array, got shape {points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError(f"{what} contains non-finite values")
    return points


def closest_pair(points_a: np.ndarray, points_b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Closest pair between two point clouds: ``(distance, point of a, point of b)``.

    A KD-tree is built on the larger cloud and queried with the smaller one. Ties go to the first
    point of the query cloud, so the result is deterministic. Touching or interpenetrating clouds
    give a (near) zero distance; deciding what counts as contact is left to the caller.
    """
    a = _cloud(points_a, "points_a")
    b = _cloud(points_b, "points_b")
    swap = a.shape[0] > b.shape[0]
    query, tree_pts = (b, a) if swap else (a, b)
    dist, idx = cKDTree(tree_pts).query(query, k=1)
    i = int(np.argmin(dist))
    q, t = query[i], tree_pts[int(idx[i])]
    pa, pb = (t, q) if swap else (q, t)
    return float(dist[i]), pa.copy(), pb.copy()


def closest_distance(points_a: np.ndarray, points_b: np.ndarray, tree_b: cKDTree | None = None) -> float:
    """Smallest Euclidean distance between any point of ``a`` and any point of ``b`` (metres).

    Exact, but prunes: no point of ``a`` is nearer ``b`` than it is to ``b``'s bounding box. The
    points of ``a`` nearest that box give an upper bound ``u`` (a distance actually reached); only
    points of ``a`` within ``u`` of the box (padded far beyond rounding) can beat it, and only
    those are queried (with ``distance_upper_bound``). The result is the smallest
    nearest-neighbour distance over all of ``a``: the point reaching it is never pruned. Pass
    ``tree_b`` (a KD-tree of ``points_b``) to reuse it across calls. Raises ValueError on empty or
    non-finite input.
    """
    a = _cloud(points_a, "points_a")
    b = _cloud(points_b, "points_b")
    if tree_b is None:
        if len(a) > len(b):
            a, b = b, a
        tree_b = cKDTree(b)
    # squared distance of each point of a to b's bounding box (the tree's own data bounds)
    out = np.maximum(tree_b.mins - a, 0.0)
    np.maximum(out, a - tree_b.maxes, out=out)
    box_d2 = np.einsum("ij,ij->i", out, out)
    k = min(len(a), 16)
    upper = float(tree_b.query(a[np.argpartition(box_d2, k - 1)[:k]], k=1)[0].min())
    bound = upper * (1 + 1e-9) + 1e-12
    near = a[box_d2 <= bound * bound]
    if len(near):
        d = tree_b.query(near, k=1, distance_upper_bound=bound)[0]
        upper = min(upper, float(d.min()))
    return upper


def closest_upper_bound(points_a: np.ndarray, tree_b: cKDTree) -> float:
    """A distance actually reached between a strided subset of ``a`` and the points of the KD-tree
    ``tree_b``: never less than :func:`closest_distance` of the two clouds, and cheap."""
    a = _cloud(points_a, "points_a")
    return float(tree_b.query(a[::max(1, len(a) // 64)], k=1)[0].min())


def centroid_distance(points_a: np.ndarray, points_b: np.ndarray) -> float:
    """Distance between the mean points of two clouds (or between two points (3,))."""
    a = np.asarray(points_a, dtype=np.float64)
    b = np.asarray(points_b, dtype=np.float64)
    ca = a.reshape(-1, 3).mean(axis=0) if a.size else None
    cb = b.reshape(-1, 3).mean(axis=0) if b.size else None
    if ca is None or cb is None:
        raise ValueError("centroid_distance needs two non-empty clouds")
    return float(np.linalg.norm(ca - cb))


def camera_depth(points: np.ndarray, pose: np.ndarray) -> float:
    """Depth of an object in a camera: the smallest z (along the optical axis) of its points
    that lie in front of the camera (z > 0). Returns ``inf`` when no point is in front.

    ``pose`` is camera-to-world 4x4 with OpenCV axes (z forward).
    """
    pts = _cloud(points, "points")
    pose = np.asarray(pose, dtype=np.float64)
    if pose.shape != (4, 4):
        raise ValueError(f"pose must be 4x4, got shape {pose.shape}")
    # z of R^T (p - t) is the dot product with the camera's z axis, R[:, 2].
    z = (pts - pose[:3, 3]) @ pose[:3, 2]
    front = z[z > 0]
    return float(front.min()) if front.size else math.inf


def mesh_surface_samples(vertices: np.ndarray, faces: np.ndarray, n: int,
                         rng: np.random.Generator) -> np.ndarray:
    """``n`` points (n, 3) uniformly distributed over a triangle mesh's surface.

    Triangles are chosen with probability proportional to their area, then a point is drawn
    uniformly inside the triangle (square-root barycentric warp). Degenerate (zero-area)
    triangles are never chosen.
    """
    V = np.asarray(vertices, dtype=np.float64)
    F = np.asarray(faces)
    if V.ndim != 2 or V.shape[1] != 3:
        raise ValueError(f"vertices must have shape (V, 3), got {V.shape}")
    if F.ndim != 2 or F.shape[1] != 3 or not np.issubdtype(F.dtype, np.integer):
        raise ValueError(f"faces must be an integer (F, 3) array, got {F.shape} {F.dtype}")
    if F.size and (F.min() < 0 or F.max() >= V.shape[0]):
        raise ValueError("faces index vertices out of range")
    n = int(n)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    a, b, c = V[F[:, 0]], V[F[:, 1]], V[F[:, 2]]
    areas = 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)
    total = float(areas.sum())
    if n == 0:
        return np.zeros((0, 3))
    if not total > 0:
        raise ValueError("mesh has no surface area to sample")
    cdf = np.cumsum(areas)
    # Draw uniform in (0, total] and locate its triangle; zero-area triangles have empty intervals.
    tri = np.searchsorted(cdf, rng.random(n) * total, side="right")
    tri = np.minimum(tri, F.shape[0] - 1)
    r1 = np.sqrt(rng.random(n))
    r2 = rng.random(n)
    wa = 1.0 - r1
    wb = r1 * (1.0 - r2)
    wc = r1 * r2
    return wa[:, None] * a[tri] + wb[:, None] * b[tri] + wc[:, None] * c[tri]
