"""The ground plane of a gravity-aligned world: its axes, and the area a point cloud covers on it."""

from __future__ import annotations

import numpy as np

from spacevista.geometry.polygons import convex_hull_area

__all__ = [
    "horizontal_axes",
    "ground_hull_area",
]


def horizontal_axes(up_axis: int) -> tuple[int, int]:
    """The two other axes, ordered so that (a, b, up) is right-handed: 2 -> (0, 1), 0 -> (1, 2),
    1 -> (2, 0)."""
    if up_axis not in (0, 1, 2):
        raise ValueError(f"up_axis must be 0, 1 or 2, got {up_axis}")
    return (up_axis + 1) % 3, (up_axis + 2) % 3


def ground_hull_area(points: np.ndarray, up_axis: int = 2) -> float:
    """Area of the convex hull of the points (N, 3) projected on the ground plane (perpendicular to
    ``up_axis``), in squared input units; 0 when the projection is a point or a segment."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"points must have shape (N, 3), got {points.shape}")
    a, b = horizontal_axes(up_axis)
    return convex_hull_area(points[:, [a, b]])
