"""Poses as pose text files carry them: every entry rounded to a few decimals.

A rotation written with 4 decimals (as in many trajectory and ``transforms.json`` files) is
orthonormal only to about 1e-4. ``round_pose`` reproduces that in memory.
"""

from __future__ import annotations

import numpy as np


def round_pose(pose: np.ndarray, decimals: int = 4) -> np.ndarray:
    """A copy of the 4x4 ``pose`` with its rotation and translation rounded to ``decimals`` decimals.

    The bottom row is left exact. Raises ValueError for anything but a 4x4 matrix.
    """
    T = np.array(pose, dtype=np.float64)
    if T.shape != (4, 4):
        raise ValueError(f"pose must be 4x4, got shape {T.shape}")
    T[:3, :4] = np.round(T[:3, :4], int(decimals))
    return T
