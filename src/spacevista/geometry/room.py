"""Room extent from background surface points (floor, walls, ceiling): floor area and height."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def support_height(background_z: np.ndarray, below: float, bin_size: float) -> float | None:
    """Height of the largest horizontal surface at or below ``below``: the mode of the z histogram
    of background points, which for a floor, ground or table top is a sharp peak."""
    z = background_z[np.isfinite(background_z) & (background_z <= below + bin_size)]
    if len(z) < 50:
        return None
    lo, hi = float(z.min()), float(z.max())
    n = max(1, int(np.ceil((hi - lo) / bin_size)))
    counts, edges = np.histogram(z, bins=n, range=(lo, lo + n * bin_size))
    k = int(np.argmax(counts))
    in_bin = z[(z >= edges[k]) & (z <= edges[k + 1])]
    return float(np.median(in_bin))


def room_extent(points: np.ndarray, floor_z: float, cell: float = 0.05,
                ceiling_quantile: float = 0.995) -> dict[str, float]:
    """Floor area (m²) and ceiling height (m) of a room from its background points.

    The floor footprint is every grid cell that holds a floor or wall point, with enclosed holes
    (under furniture, unseen patches) filled; the height is a high quantile of point heights above
    the floor, robust to stray points.
    """
    if len(points) < 100:
        raise ValueError("too few background points to measure the room")
    rel_z = points[:, 2] - floor_z
    height = float(np.quantile(rel_z, ceiling_quantile))
    keep = rel_z < height - 0.1  # floor and walls, not the ceiling (it spans the whole room anyway)
    xy = points[keep, :2]
    mn = xy.min(0)
    ij = np.floor((xy - mn) / cell).astype(np.int64)
    grid = np.zeros(tuple(ij.max(0) + 3), dtype=bool)
    grid[ij[:, 0] + 1, ij[:, 1] + 1] = True
    grid = ndimage.binary_closing(grid, structure=np.ones((3, 3)), iterations=2)
    filled = ndimage.binary_fill_holes(grid)
    return {"floor_area": float(filled.sum() * cell * cell), "ceiling_height": height}
