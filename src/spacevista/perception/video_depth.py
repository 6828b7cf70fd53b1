"""Video-consistent metric depth: per-frame robust scale-and-shift alignment, smoothed over time.

A per-frame metric depth model (Depth Pro, Depth Anything metric, ...) gives metric values that
flicker from frame to frame; a video depth model gives temporally consistent but relative depth.
Following the construction pipeline (paper, Eq. 5) each frame's consistent relative map ``R_t`` is
mapped to metric by the scale and shift that best explain the metric map ``M_t``::

    (s_t, b_t) = argmin_{s, b} sum_{p valid} rho(s * R_t(p) + b - M_t(p))

with a robust loss ``rho`` (RANSAC on pixel pairs, then iteratively reweighted least squares with
Tukey's biweight, or Huber's loss for mildly contaminated data), after which the per-frame
``(s_t, b_t)`` are smoothed over time so that the metric video keeps the relative model's consistency.

The extreme-scale prior (tiny and drone scenes, where metric models trained on rooms and streets
are least reliable) rescales a depth map whose median falls outside the scale class's typical
depth range back into it; see ``TYPICAL_DEPTH_M`` and ``apply_scale_prior``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spacevista.scene import Scale

#: typical camera-to-content depth range (metres) per scale class, for the extreme-scale prior and
#: for normalising depth; the synthetic scenes and the source datasets fall inside these ranges.
TYPICAL_DEPTH_M: dict[Scale, tuple[float, float]] = {
    Scale.TINY: (0.03, 0.5),
    Scale.TABLETOP: (0.2, 2.5),
    Scale.INDOOR: (0.5, 12.0),
    Scale.OUTDOOR: (2.0, 300.0),
    Scale.DRONE: (15.0, 1500.0),
}


def _valid(rel: np.ndarray, metric: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    ok = np.isfinite(rel) & np.isfinite(metric) & (metric > 0)
    if mask is not None:
        ok &= np.asarray(mask, dtype=bool)
    return ok


def _lstsq(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float]:
    """Weighted least squares of ``y ~ s * x + b`` by the closed form (2x2 normal equations)."""
    w = np.ones_like(x) if w is None else w
    sw = w.sum()
    if sw <= 0:
        raise ValueError("no pixel has positive weight")
    mx, my = (w * x).sum() / sw, (w * y).sum() / sw
    vx = (w * (x - mx) ** 2).sum()
    if vx <= 0:
        raise ValueError("relative depth is constant over the valid pixels; scale is undetermined")
    s = (w * (x - mx) * (y - my)).sum() / vx
    return float(s), float(my - s * mx)


def _mad_sigma(r: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(r - np.median(r))))


def fit_scale_shift(rel: np.ndarray, metric: np.ndarray, mask: np.ndarray | None = None,
                    method: str = "ransac", rng: np.random.Generator | None = None,
                    iterations: int = 20, ransac_trials: int = 64, max_pixels: int = 200_000) -> tuple[float, float]:
    """Robust ``(s, b)`` with ``metric ~ s * rel + b`` over valid pixels.

    ``method``: ``"lsq"`` plain least squares; ``"huber"`` IRLS with Huber weights (k = 1.345 sigma,
    sigma from the MAD of residuals); ``"ransac"`` (default) RANSAC over pixel pairs for a start free
    of outliers, then IRLS with Tukey's biweight (c = 4.685 sigma), which gives gross outliers zero
    weight. Valid pixels: finite in both maps, metric depth > 0, inside ``mask``. Exact data give
    the exact values. ``rng`` seeds the RANSAC samples and the pixel subsample (default seed 0).
    """
    rel = np.asarray(rel, dtype=np.float64)
    metric = np.asarray(metric, dtype=np.float64)
    if rel.shape != metric.shape:
        raise ValueError(f"relative depth {rel.shape} and metric depth {metric.shape} differ in shape")
    ok = _valid(rel, metric, mask)
    x, y = rel[ok], metric[ok]
    if x.size < 2:
        raise ValueError(f"only {x.size} valid pixels; need at least 2 to fit a scale and shift")
    rng = rng if rng is not None else np.random.default_rng(0)
    if x.size > max_pixels:
        pick = rng.choice(x.size, size=max_pixels, replace=False)
        x, y = x[pick], y[pick]
    if method == "lsq":
        return _lstsq(x, y)
    if method == "huber":
        s, b = _lstsq(x, y)
        for _ in range(iterations):
            r = y - (s * x + b)
            sigma = _mad_sigma(r)
            if sigma <= 1e-12 * max(1.0, float(np.abs(y).mean())):
                break
            k = 1.345 * sigma
            w = np.minimum(1.0, k / np.maximum(np.abs(r), 1e-300))
            s_new, b_new = _lstsq(x, y, w)
            if abs(s_new - s) <= 1e-12 * abs(s) and abs(b_new - b) <= 1e-12 * max(1.0, abs(b)):
                s, b = s_new, b_new
                break
            s, b = s_new, b_new
        return s, b
    if method != "ransac":
        raise ValueError(f"unknown method {method!r}; expected 'lsq', 'huber' or 'ransac'")
    best: tuple[float, float] | None = None
    best_cost = np.inf
    i = rng.integers(0, x.size, size=(ransac_trials, 2))
    for a, c in i:
        if x[a] == x[c]:
            continue
        s = (y[a] - y[c]) / (x[a] - x[c])
        b = y[a] - s * x[a]
        cost = float(np.median(np.abs(y - (s * x + b))))  # least median of absolute residuals
        if cost < best_cost:
            best_cost, best = cost, (float(s), float(b))
    s, b = best if best is not None else _lstsq(x, y)
    for _ in range(iterations):
        r = y - (s * x + b)
        sigma = _mad_sigma(r)
        if sigma <= 1e-12 * max(1.0, float(np.abs(y).mean())):
            # the inliers fit exactly: least squares over them is the answer
            inl = np.abs(r) <= 1e-9 * max(1.0, float(np.abs(y).mean()))
            return _lstsq(x[inl], y[inl]) if inl.sum() >= 2 else (s, b)
        c = 4.685 * sigma
        u = r / c
        w = np.where(np.abs(u) < 1.0, (1.0 - u**2) ** 2, 0.0)
        s_new, b_new = _lstsq(x, y, w)
        done = abs(s_new - s) <= 1e-10 * abs(s) and abs(b_new - b) <= 1e-10 * max(1.0, abs(b))
        s, b = s_new, b_new
        if done:
            break
    return s, b


def smooth_series(values: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing over time (frames) with edge renormalisation; ``sigma = 0`` returns a copy."""
    v = np.asarray(values, dtype=np.float64)
    if sigma <= 0 or v.size <= 1:
        return v.copy()
    t = np.arange(v.size)
    w = np.exp(-0.5 * ((t[:, None] - t[None, :]) / sigma) ** 2)
    return (w @ v) / w.sum(axis=1)


@dataclass
class AlignedVideoDepth:
    """Result of ``align_video_depth``: metric maps and the per-frame fits before and after smoothing."""

    depth: list[np.ndarray]
    scales: np.ndarray
    shifts: np.ndarray
    raw_scales: np.ndarray
    raw_shifts: np.ndarray


def align_video_depth(metric: list[np.ndarray], relative: list[np.ndarray],
                      masks: list[np.ndarray | None] | None = None, smooth_sigma: float = 2.0,
                      method: str = "ransac", rng: np.random.Generator | None = None,
                      inverse: bool = False) -> AlignedVideoDepth:
    """Video-consistent metric depth (Eq. 5): fit ``(s_t, b_t)`` per frame, smooth them over time
    (scales in log space), return ``s_t * R_t + b_t`` for every frame (float32).

    ``inverse=True`` when the relative maps are disparity-like (Depth Anything's relative head): the
    fit is then made against metric inverse depth and the result inverted (non-positive -> 0, invalid).
    """
    if len(metric) != len(relative):
        raise ValueError(f"{len(metric)} metric maps but {len(relative)} relative maps")
    if not metric:
        raise ValueError("no frames to align")
    rng = rng if rng is not None else np.random.default_rng(0)
    masks = masks if masks is not None else [None] * len(metric)
    if inverse:
        metric = [_inverse(m) for m in metric]
    fits = np.array([fit_scale_shift(r, m, k, method=method, rng=rng) for m, r, k in zip(metric, relative, masks)])
    raw_s, raw_b = fits[:, 0], fits[:, 1]
    if np.any(raw_s <= 0):
        bad = [int(i) for i in np.flatnonzero(raw_s <= 0)]
        raise ValueError(f"frames {bad}: non-positive scale; is the relative map disparity rather than depth?")
    s = np.exp(smooth_series(np.log(raw_s), smooth_sigma))
    b = smooth_series(raw_b, smooth_sigma)
    depth = [(si * np.asarray(r, dtype=np.float64) + bi) for si, bi, r in zip(s, b, relative)]
    if inverse:
        depth = [_inverse(d) for d in depth]
    depth = [d.astype(np.float32) for d in depth]
    return AlignedVideoDepth(depth, s, b, raw_s, raw_b)


def _inverse(d: np.ndarray) -> np.ndarray:
    d = np.asarray(d, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isfinite(d) & (d > 0), 1.0 / d, 0.0)


def normalise_depth(depth: np.ndarray, scale: Scale | str) -> np.ndarray:
    """Depth divided by the far end of the scale class's typical range (so ~[0, 1] at every scale)."""
    return np.asarray(depth, dtype=np.float32) / np.float32(TYPICAL_DEPTH_M[Scale.parse(scale)][1])


def apply_scale_prior(depth: np.ndarray, scale: Scale | str) -> tuple[np.ndarray, float]:
    """Extreme-scale prior: if the median valid depth lies outside the scale class's typical range,
    rescale the map so that its median sits at the nearest end of the range.

    Returns the (possibly) rescaled map and the factor applied (1.0 when the map was in range).
    Metric models trained on rooms and streets return tabletop-like depths for millimetre scenes and
    saturate for drone views; this keeps their output in the right order of magnitude, after which
    known geometry (camera heights, object sizes) can refine it.
    """
    d = np.asarray(depth, dtype=np.float32)
    valid = np.isfinite(d) & (d > 0)
    if not valid.any():
        return d.copy(), 1.0
    lo, hi = TYPICAL_DEPTH_M[Scale.parse(scale)]
    med = float(np.median(d[valid]))
    factor = float(np.clip(med, lo, hi) / med)
    return (d * np.float32(factor)) if factor != 1.0 else d.copy(), factor
