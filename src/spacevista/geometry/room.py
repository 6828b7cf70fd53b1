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
#: walls are told from the floor and the ceiling by points at several heights in one column of the
#: grid: heights between ``WALL_BAND`` (m) above the floor and as far below the ceiling, in steps
#: of ``WALL_STEP`` (m), at least ``WALL_STEPS`` of them; depth errors spread a floor's or a
#: ceiling's points a few centimetres up and down, never over such a span
WALL_BAND, WALL_STEP, WALL_STEPS = 0.5, 0.1, 3
#: how far (m) from the floor's outline a wall point may lie and still close it there: depth errors
#: scatter a wall's points over a few centimetres, and the outline runs along the nearest of them
WALL_REACH = 0.2


def _fill_convex(grid: np.ndarray, polygon: np.ndarray, origin: np.ndarray, cell: float) -> None:
    """Set the cells of ``grid`` whose centres lie inside the convex ``polygon`` (k, 2), counter-
    clockwise or clockwise; cell (i, j) is centred at ``origin + (i - 0.5, j - 0.5) * cell``."""
    lo = np.floor((polygon.min(0) - origin) / cell).astype(int) + 1
    hi = np.ceil((polygon.max(0) - origin) / cell).astype(int) + 1
    lo, hi = np.maximum(lo, 0), np.minimum(hi, np.array(grid.shape) - 1)
    if np.any(hi < lo):
        return
    ii, jj = np.meshgrid(np.arange(lo[0], hi[0] + 1), np.arange(lo[1], hi[1] + 1), indexing="ij")
    c = np.stack([ii, jj], -1) * cell + origin - cell / 2
    edges = np.roll(polygon, -1, axis=0) - polygon
    cross = edges[:, 0] * (c[..., None, 1] - polygon[:, 1]) - edges[:, 1] * (c[..., None, 0] - polygon[:, 0])
    inside = np.all(cross >= 0, axis=-1) | np.all(cross <= 0, axis=-1)
    grid[ii[inside], jj[inside]] = True


def room_extent(points: np.ndarray, floor_z: float, cell: float = 0.05,
                ceiling_quantile: float = 0.995, max_cells: int = MAX_ROOM_CELLS,
                footprints: list[np.ndarray] | None = None) -> dict[str, float]:
    """Floor area (m²), ceiling height (m) and wall coverage of a room from its background points.

    The floor footprint is every grid cell that holds a floor or wall point or lies under one of
    ``footprints`` (the footprints (k, 2) of the objects standing on the floor: a wardrobe against
    a wall hides the floor under it and the wall behind it, yet both belong to the room), with
    enclosed holes (under furniture, unseen patches) filled; the height is a high quantile of point
    heights above the floor, robust to stray points. ``wall_coverage`` is the share of the
    footprint's outline that has a wall (a grid column with points at ``WALL_STEPS`` heights or
    more, see ``WALL_BAND``) within ``WALL_REACH``: where the floor seen simply ends, the room goes
    on beyond what the capture showed and its area is not measured. The grid may hold at most ``max_cells`` cells: a wider room raises
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
    polygons = [np.asarray(f, dtype=np.float64)[:, :2] for f in footprints or [] if len(f) >= 3]
    corners = np.concatenate([xy] + polygons) if polygons else xy
    mn = corners.min(0)
    shape = np.floor((corners.max(0) - mn) / cell).astype(np.int64) + 3
    if float(shape[0]) * float(shape[1]) > max_cells:
        span = (corners.max(0) - mn)
        raise ValueError(f"room footprint of {span[0]:.0f} m x {span[1]:.0f} m needs "
                         f"{int(shape[0])} x {int(shape[1])} cells of {cell:g} m, more than {max_cells}")
    ij = np.floor((xy - mn) / cell).astype(np.int64) + 1
    grid = np.zeros(tuple(shape), dtype=bool)
    grid[ij[:, 0], ij[:, 1]] = True
    for polygon in polygons:
        _fill_convex(grid, polygon, mn, cell)
    grid = ndimage.binary_closing(grid, structure=np.ones((3, 3)), iterations=2)
    filled = ndimage.binary_fill_holes(grid)
    outline = filled & ~ndimage.binary_erosion(filled)
    z = rel_z[keep]
    band = (z >= WALL_BAND) & (z < height - WALL_BAND)
    steps = np.zeros(tuple(shape))
    if band.any():
        cells = np.unique(np.stack([ij[band, 0], ij[band, 1],
                                    ((z[band] - WALL_BAND) / WALL_STEP).astype(np.int64)], 1), axis=0)
        np.add.at(steps, (cells[:, 0], cells[:, 1]), 1.0)
    reach = max(1, int(round(WALL_REACH / cell)))
    walled = ndimage.maximum_filter(steps, size=2 * reach + 1, mode="constant") >= WALL_STEPS
    coverage = float(walled[outline].mean()) if outline.any() else 0.0
    return {"floor_area": float(filled.sum() * cell * cell), "ceiling_height": height,
            "wall_coverage": coverage}
