"""Checked 3-D vectors."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["unit_vector"]


def unit_vector(v: np.ndarray, what: str) -> np.ndarray:
    """``v`` (3,) scaled to length 1; raises ValueError naming ``what`` when ``v`` is zero (under
    1e-12 long) or not finite."""
    v = np.asarray(v, dtype=np.float64).reshape(3)
    n = float(np.linalg.norm(v))
    if not math.isfinite(n) or n < 1e-12:
        raise ValueError(f"{what} must be a finite non-zero vector, got {v.tolist()}")
    return v / n
