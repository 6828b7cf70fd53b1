"""Sampled depth of a box-shaped room, seen by a 320x240 pinhole camera: the depth samples the
consistency and joint-alignment tests align."""

from __future__ import annotations

import numpy as np

K = np.array([[200.0, 0, 160], [0, 200.0, 120], [0, 0, 1]])


def depth_of_box_room(pose: np.ndarray, step: int = 8, lo=(-4.0, -3.0, 0.0), hi=(4.0, 3.0, 3.0)) -> np.ndarray:
    """Sampled z-depth, every ``step`` px of a 320x240 image, of the inside of the axis-aligned room
    ``lo``..``hi`` (default [-4, 4] x [-3, 3] x [0, 3]) seen from ``pose``."""
    h, w = 240 // step, 320 // step
    r, c = np.mgrid[0:h, 0:w]
    u, v = c * step + step // 2 + 0.5, r * step + step // 2 + 0.5
    rays = np.stack([(u - 160) / 200.0, (v - 120) / 200.0, np.ones_like(u, dtype=float)], -1).reshape(-1, 3)
    d = rays @ pose[:3, :3].T
    o = pose[:3, 3]
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(d > 0, (hi - o) / d, (lo - o) / d)
    t = np.nanmin(np.where(t > 0, t, np.inf), axis=1)  # first wall hit along each ray (z = 1 units)
    return t.reshape(h, w)
