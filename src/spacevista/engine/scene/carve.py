"""Mask consistency across views: points a single frame's mask bled onto are carved away.

An estimated mask bleeds a few pixels onto what lies next to its object, and where that surface
meets the object without a depth gap (a wall behind a cabinet, the floor under a chair) no single
frame can tell the bleed from the object. Other frames can: a point of the object projects into
their object's mask wherever they see it unoccluded; a point of the wall does not. Each lifted
point is kept when the frames that see it agree it belongs to its object.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: a frame sees a point when its depth there is at least this fraction of the point's depth
VISIBLE = 0.95
#: share of the frames seeing a point that must put it in its object's mask
AGREE = 0.5
#: frames tried per object (spread over the frames it is seen in)
MAX_VIEWS = 12


@dataclass
class LabelThumb:
    """A frame's instance ids and depth sampled every ``step`` pixels, with its camera."""

    K: np.ndarray
    pose: np.ndarray
    labels: np.ndarray
    depth: np.ndarray
    step: int


def label_thumb(labels: np.ndarray, depth: np.ndarray, K: np.ndarray, pose: np.ndarray,
                width: int = 320) -> LabelThumb:
    """Sample a frame to about ``width`` columns for :func:`carve`."""
    step = max(1, int(round(labels.shape[1] / width)))
    d = np.asarray(depth[::step, ::step], dtype=np.float32)
    with np.errstate(invalid="ignore"):
        d = np.where(np.isfinite(d) & (d > 0), d, 0.0).astype(np.float32)
    return LabelThumb(K, pose, np.asarray(labels[::step, ::step]).copy(), d, step)


def carve(points: np.ndarray, oid: int, thumbs: list[LabelThumb], margin: float = 0.1) -> np.ndarray:
    """Boolean mask of ``points`` (n, 3) to keep for object ``oid``: those the frames seeing them
    put in ``oid``'s mask (a pixel's 3 x 3 neighbourhood counts, for boundary jitter), and those
    fewer than two frames see when they lie within the bounds of the confirmed ones (grown by
    ``margin`` of their size): a bleed onto a surface that other frames see only behind something
    cannot stretch the object."""
    n = len(points)
    seen = np.zeros(n, dtype=np.int32)
    agree = np.zeros(n, dtype=np.int32)
    for th in thumbs[:MAX_VIEWS] if len(thumbs) <= MAX_VIEWS else \
            [thumbs[int(i)] for i in np.linspace(0, len(thumbs) - 1, MAX_VIEWS)]:
        R, t = th.pose[:3, :3], th.pose[:3, 3]
        cam = (points - t) @ R
        z = cam[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            p = cam @ th.K.T
            c = np.floor(p[:, 0] / p[:, 2] / th.step)
            r = np.floor(p[:, 1] / p[:, 2] / th.step)
        h, w = th.labels.shape
        ok = (z > 0) & np.isfinite(r) & np.isfinite(c) & (r >= 1) & (r < h - 1) & (c >= 1) & (c < w - 1)
        ri, ci = r[ok].astype(np.int64), c[ok].astype(np.int64)
        d = th.depth[ri, ci]
        vis = (d > 0) & (d >= z[ok] * VISIBLE)
        hit = np.zeros(len(ri), dtype=bool)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                hit |= th.labels[ri + dr, ci + dc] == oid
        idx = np.flatnonzero(ok)[vis]
        seen[idx] += 1
        agree[idx] += hit[vis]
    confirmed = (seen >= 2) & (agree >= AGREE * seen)
    keep = confirmed.copy()
    if confirmed.sum() >= 10:
        lo, hi = np.quantile(points[confirmed], [0.01, 0.99], axis=0)
        pad = margin * (hi - lo)
        keep |= (seen < 2) & np.all((points >= lo - pad) & (points <= hi + pad), axis=1)
    else:
        keep |= seen < 2
    return keep
