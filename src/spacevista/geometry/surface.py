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
