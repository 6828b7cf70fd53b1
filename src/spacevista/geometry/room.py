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


#: grid cells a room footprint may take (4M cells of 5 cm: a 100 m x 100 m floor, 4 MB)
MAX_ROOM_CELLS = 4_000_000


def room_extent(points: np.ndarray, floor_z: float, cell: float = 0.05,
                ceiling_quantile: float = 0.995, max_cells: int = MAX_ROOM_CELLS) -> dict[str, float]:
    """Floor area (m²) and ceiling height (m) of a room from its background points.

    The floor footprint is every grid cell that holds a floor or wall point, with enclosed holes
    (under furniture, unseen patches) filled; the height is a high quantile of point heights above
    the floor, robust to stray points. The grid may hold at most ``max_cells`` cells: a wider room raises
    ``ValueError`` naming its size, never an allocation the machine cannot hold.
    """
    if len(points) < 100:
        raise ValueError("too few background points to measure the room")
    rel_z = points[:, 2] - floor_z
    height = float(np.quantile(rel_z, ceiling_quantile))
    keep = rel_z < height - 0.1  # floor and walls, not the ceiling (it spans the whole room anyway)
    xy = points[keep, :2]
    if len(xy) < 3:
        raise ValueError("too few floor and wall points to measure the room")
    mn = xy.min(0)
    ij = np.floor((xy - mn) / cell).astype(np.int64)
    shape = ij.max(0) + 3
    if float(shape[0]) * float(shape[1]) > max_cells:
        span = (xy.max(0) - mn)
        raise ValueError(f"room footprint of {span[0]:.0f} m x {span[1]:.0f} m needs "
                         f"{int(shape[0])} x {int(shape[1])} cells of {cell:g} m, more than {max_cells}")
    grid = np.zeros(tuple(shape), dtype=bool)
    grid[ij[:, 0] + 1, ij[:, 1] + 1] = True
    grid = ndimage.binary_closing(grid, structure=np.ones((3, 3)), iterations=2)
    filled = ndimage.binary_fill_holes(grid)
    return {"floor_area": float(filled.sum() * cell * cell), "ceiling_height": height}
