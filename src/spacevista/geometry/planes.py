"""Planes and the up direction: RANSAC plane fitting, floor detection and gravity alignment.

Planes are ``n . x + d = 0`` with ``|n| = 1``; the signed distance of a point is ``n . x + d``.
"""

from __future__ import annotations

import math

import numpy as np

from spacevista.geometry.vectors import unit_vector

__all__ = [
    "fit_plane_lstsq",
    "fit_plane_ransac",
    "up_from_cameras",
    "floor_up",
    "rotation_aligning",
    "gravity_align",
]

# Hypotheses are scored in blocks so that the (block, N) distance matrix stays near 4M entries.
_SCORE_BLOCK_ENTRIES = 4_000_000


def _cloud(points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"points must have shape (N, 3), got {points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError("points contain non-finite values")
    return points


def _canonical_sign(normal: np.ndarray, d: float) -> tuple[np.ndarray, float]:
    """Flip (n, d) so the largest-magnitude component of n is positive (a fixed representative)."""
    if normal[int(np.argmax(np.abs(normal)))] < 0:
        return -normal, -d
    return normal, d


def fit_plane_lstsq(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Total-least-squares plane through >= 3 points: ``(normal (3,), d)``.

    The normal is the direction of least variance (smallest singular vector of the centred
    points), sign chosen so its largest component is positive.
    """
    points = _cloud(points)
    if points.shape[0] < 3:
        raise ValueError(f"a plane needs at least 3 points, got {points.shape[0]}")
    centre = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - centre, full_matrices=False)
    normal = vt[-1] / np.linalg.norm(vt[-1])
    return _canonical_sign(normal, float(-normal @ centre))


def fit_plane_ransac(points: np.ndarray, rng: np.random.Generator, threshold: float,
                     iterations: int = 200, axis: np.ndarray | None = None,
                     max_angle_deg: float | None = None,
                     score_sample: int = 200_000) -> tuple[np.ndarray, float, np.ndarray]:
    """Robust plane fit: RANSAC on random point triples, refined by least squares on inliers.

    Args:
        points: (N, 3), N >= 3.
        rng: the only source of randomness (same rng state -> same result).
        threshold: inlier distance to the plane, in the points' units.
        iterations: number of triples tried.
        axis, max_angle_deg: optional constraint; only planes whose normal is within
            ``max_angle_deg`` of ``+-axis`` are considered (e.g. roughly horizontal planes).
        score_sample: clouds larger than this score the hypotheses on a random subset of this
            many points (drawn from ``rng``); the final inliers and refit use every point.

    Returns:
        ``(normal (3,), d, inlier_mask (N,))`` for the hypothesis with the most inliers (ties:
        the earliest), refitted by least squares to its inliers and re-thresholded (twice). The
        normal's sign is canonical: its largest-magnitude component is positive.

    Raises:
        ValueError: too few points, or no valid hypothesis (degenerate triples, or none within the
        angle constraint).
    """
    points = _cloud(points)
    n = points.shape[0]
    if n < 3:
        raise ValueError(f"RANSAC needs at least 3 points, got {n}")
    if not threshold > 0:
        raise ValueError(f"threshold must be positive, got {threshold}")
    iterations = int(iterations)
    if iterations < 1:
        raise ValueError(f"iterations must be >= 1, got {iterations}")
    cos_limit = None
    if max_angle_deg is not None:
        if axis is None:
            raise ValueError("max_angle_deg needs an axis")
        axis = unit_vector(axis, "axis")
        cos_limit = math.cos(math.radians(float(max_angle_deg)))

    # Work relative to the centroid: keeps d small and the arithmetic accurate far from the origin.
    centre = points.mean(axis=0)
    local = points - centre
    triples = rng.integers(0, n, size=(iterations, 3))
    p0, p1, p2 = local[triples[:, 0]], local[triples[:, 1]], local[triples[:, 2]]
    normals = np.cross(p1 - p0, p2 - p0)
    norms = np.linalg.norm(normals, axis=1)
    scale = max(float(np.abs(local).max()), 1e-300)
    ok = norms > 1e-12 * scale * scale
    normals[ok] /= norms[ok, None]
    if cos_limit is not None:
        ok &= np.abs(normals @ axis) >= cos_limit
    cand = np.flatnonzero(ok)
    if cand.size == 0:
        raise ValueError("RANSAC found no valid plane hypothesis (degenerate points or angle limit)")
    normals = normals[cand]
    ds = -np.einsum("ij,ij->i", normals, p0[cand])

    scored = local
    if n > score_sample:
        scored = local[np.sort(rng.choice(n, size=int(score_sample), replace=False))]
    best_count, best = -1, 0
    block = max(1, _SCORE_BLOCK_ENTRIES // scored.shape[0])
    for s in range(0, cand.size, block):
        dist = np.abs(scored @ normals[s:s + block].T + ds[s:s + block])
        counts = np.count_nonzero(dist <= threshold, axis=0)
        i = int(np.argmax(counts))
        if counts[i] > best_count:
            best_count, best = int(counts[i]), s + i

    normal, d = normals[best], float(ds[best])
    inliers = np.abs(local @ normal + d) <= threshold
    for _ in range(2):
        if np.count_nonzero(inliers) < 3:
            break
        refit_n, refit_d = fit_plane_lstsq(local[inliers])
        if cos_limit is not None and abs(float(refit_n @ axis)) < cos_limit:
            break  # the refit left the allowed cone: keep the sampled plane
        refit_inliers = np.abs(local @ refit_n + refit_d) <= threshold
        if np.count_nonzero(refit_inliers) < np.count_nonzero(inliers):
            break
        normal, d, inliers = refit_n, refit_d, refit_inliers
    normal, d = _canonical_sign(normal, d - float(normal @ centre))
    return normal, d, inliers


def up_from_cameras(poses: np.ndarray) -> np.ndarray:
    """Up direction (unit (3,)) as the mean of the cameras' -y axes (image up), assuming the
    cameras were held roughly upright (OpenCV axes, camera-to-world poses (N, 4, 4))."""
    poses = np.asarray(poses, dtype=np.float64)
    if poses.ndim == 2:
        poses = poses[None]
    if poses.ndim != 3 or poses.shape[1:] != (4, 4) or poses.shape[0] == 0:
        raise ValueError(f"poses must have shape (N, 4, 4), got {poses.shape}")
    up = -poses[:, :3, 1].mean(axis=0)
    norm = float(np.linalg.norm(up))
    if not math.isfinite(norm) or norm < 1e-9:
        raise ValueError("camera -y axes cancel out: cannot infer an up direction")
    return up / norm


def floor_up(points: np.ndarray, rng: np.random.Generator, threshold: float,
             prior_up: np.ndarray, iterations: int = 200,
             max_angle_deg: float = 30.0, cameras: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Find the floor (or ground / table top) plane and the up direction from it.

    The largest RANSAC plane whose normal is within ``max_angle_deg`` (30) of ``+-prior_up`` is
    taken as the floor. Its normal is oriented so that most ``cameras`` (centres, (N, 3)) lie above
    it, when they are given and not on the plane: a capture is filmed from above its floor, ground
    or table top. Otherwise (and on a tie) so that most points lie above the plane, ties towards
    ``prior_up``; with depth that errs by metres (a drone's), points on both sides of a noisy ground
    make that count a coin toss, which the cameras do not. Returns ``(up (3,), floor_height)``
    where ``floor_height`` is the plane's offset along ``up``: every floor point x has
    ``up . x ~= floor_height``.
    """
    points = _cloud(points)
    prior = unit_vector(prior_up, "prior_up")
    normal, d, inliers = fit_plane_ransac(points, rng, threshold, iterations, axis=prior,
                                          max_angle_deg=max_angle_deg)
    flip = None
    if cameras is not None and len(cameras):
        side = np.asarray(cameras, dtype=np.float64).reshape(-1, 3) @ normal + d
        above, below = int(np.count_nonzero(side > threshold)), int(np.count_nonzero(side < -threshold))
        if above != below:
            flip = below > above
    if flip is None:
        signed = points[~inliers] @ normal + d
        above, below = int(np.count_nonzero(signed > 0)), int(np.count_nonzero(signed < 0))
        flip = below > above or (below == above and float(normal @ prior) < 0)
    if flip:
        normal, d = -normal, -d
    return normal, float(-d)


def rotation_aligning(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation (3x3) taking direction ``a`` onto direction ``b``.

    Rodrigues' formula about ``a x b``; when ``a`` and ``b`` are opposite the rotation is a half
    turn about an axis perpendicular to ``a`` (chosen as in ``look_at``'s fallback: world y, else x).
    """
    a = unit_vector(a, "a")
    b = unit_vector(b, "b")
    v = np.cross(a, b)
    c = float(a @ b)
    if 1.0 + c < 1e-10:
        ref = np.array([0.0, 1.0, 0.0]) if abs(a[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
        p = ref - (ref @ a) * a
        p /= np.linalg.norm(p)
        return 2.0 * np.outer(p, p) - np.eye(3)
    vx = np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])
    R = np.eye(3) + vx + (vx @ vx) / (1.0 + c)
    # Re-orthonormalise (polar decomposition via SVD) to remove rounding.
    u, _, wt = np.linalg.svd(R)
    return u @ wt


def gravity_align(poses: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotate the world about its origin so that ``up`` becomes +z.

    Args:
        poses: camera-to-world (4, 4) or (N, 4, 4).
        up: the current world's up direction.

    Returns:
        ``(poses', R)``: the poses in the new world (same shape) and the 3x3 rotation ``R`` with
        ``x_new = R @ x_old``; apply it to points with ``points @ R.T``.
    """
    poses = np.asarray(poses, dtype=np.float64)
    if poses.shape[-2:] != (4, 4) or poses.ndim not in (2, 3):
        raise ValueError(f"poses must be (4, 4) or (N, 4, 4), got {poses.shape}")
    R = rotation_aligning(up, np.array([0.0, 0.0, 1.0]))
    T = np.eye(4)
    T[:3, :3] = R
    return T @ poses, R
