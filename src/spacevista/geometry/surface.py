"""Surface points with their per-pixel depth noise averaged out.

A lifted cloud made from estimated depth is a shell around the surface, as thick as the depth
noise, and the closest distance between two such clouds is set by their extreme points: a few
standard deviations of noise nearer on each side, so that gaps between objects come out short
whatever their size (``benchmarks/evidence_calibration.py`` prints by how much). Replacing each
point by the mean of its nearest neighbours averages the noise across the surface (by up to the
square root of their number; less where the noise exceeds the points' spacing, since the nearest
neighbours are then partly those the noise put nearest) while the surface stays where it is.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

#: neighbours averaged per point
SMOOTH_K = 16


def smooth_surface(points: np.ndarray, k: int = SMOOTH_K) -> np.ndarray:
    """Each point of ``points`` (n, 3) replaced by the mean of its ``k`` nearest neighbours (itself
    among them); a cloud of at most ``k`` points is returned as it is. Deterministic."""
    points = np.asarray(points, dtype=np.float64)
    if len(points) <= k:
        return points
    _, idx = cKDTree(points).query(points, k=k)
    return points[idx].mean(axis=1)


#: neighbours averaged into the surface that frames are aligned to: enough to span every frame's
#: copy of a patch, so that the surface is their mean and not the nearest copy
ALIGN_K = 128
#: rounds of measuring the frames' factors and rebuilding the surface
ALIGN_ROUNDS = 3
#: points whose ray meets the surface more obliquely than this cosine do not measure their frame
MIN_INCIDENCE = 0.3


def surface_with_normals(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(each point replaced by the mean of its ``k`` nearest neighbours, the unit normal of those
    neighbours: the direction in which they spread least)."""
    _, idx = cKDTree(points).query(points, k=k)
    nb = points[idx]
    mean = nb.mean(axis=1)
    d = nb - mean[:, None, :]
    _, vecs = np.linalg.eigh(np.einsum("nki,nkj->nij", d, d))
    return mean, vecs[:, :, 0]


def align_frames(frames: dict[int, tuple[np.ndarray, np.ndarray]], reference: np.ndarray,
                 k: int = ALIGN_K, rounds: int = ALIGN_ROUNDS) -> np.ndarray:
    """One object's points rebuilt from its frames, each frame rescaled about its camera so that
    its points meet the surface along their rays.

    ``frames`` maps a frame to ``(points (n, 3), camera centre (3,))``; ``reference`` is the object's
    fused cloud. A depth model's error that alignment over whole frames leaves (its smooth warp) is
    nearly constant over the few pixels one object covers, so each frame puts the object's surface
    nearer or farther by one factor, and the fused cloud is a smear of those copies: its box grows,
    and the gaps to neighbours shrink, by the spread of the factors. Each round measures every
    frame's factor as the median, over its points, of the distance along the ray to the plane of
    the nearest surface point (the fused points averaged over ``k`` neighbours, with their normal:
    point to plane, so that the averaging's pull inwards at the surface's rims moves no frame),
    divided by the point's distance, and rebuilds the surface from the rescaled frames. A cloud of
    at most ``k`` points is too small to span the copies and is returned as it is; a frame with no
    point facing the surface keeps its scale. Returns the rescaled points of all frames together."""
    reference = np.asarray(reference, dtype=np.float64)
    out = np.concatenate([np.asarray(p, dtype=np.float64) for p, _ in frames.values()]) if frames else reference
    if len(reference) <= k or len(out) <= k:
        return reference
    surface, normals = surface_with_normals(reference, k)
    for round_ in range(rounds):
        if round_:
            surface, normals = surface_with_normals(out, k)
        tree = cKDTree(surface)
        moved = []
        for pts, centre in frames.values():
            ray = np.asarray(pts, dtype=np.float64) - centre
            dist = np.linalg.norm(ray, axis=1)
            unit = ray / np.maximum(dist, 1e-12)[:, None]
            j = tree.query(pts, k=1)[1]
            cos = np.einsum("ij,ij->i", unit, normals[j])
            ok = np.abs(cos) >= MIN_INCIDENCE
            factor = 1.0
            if ok.any():
                gap = np.einsum("ij,ij->i", surface[j] - pts, normals[j])
                factor += float(np.median(gap[ok] / cos[ok] / np.maximum(dist[ok], 1e-12)))
            moved.append(centre + ray * factor)
        out = np.concatenate(moved)
    return out
