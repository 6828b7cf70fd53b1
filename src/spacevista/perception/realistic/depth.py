"""Depth as a metric depth model or an RGB-D sensor delivers it, from exact depth, one frame at a time.

``realistic_depth(depth, rgb, config, rng, state)`` takes one frame's exact z-depth (and its RGB, for
the holes that dark and specular surfaces leave) and returns the perceived depth. ``state`` carries
the temporally correlated parts (the per-frame scale and the smooth warp) from one frame of a video
to the next; make one ``DepthErrorState`` per video. No Scene is needed, so a synthetic depth
specialist can render depth with the same model.

Order, as the errors arise: flying pixels at discontinuities of the true depth; the model's
per-frame scale, smooth warp and far-depth compression; per-pixel noise growing with depth squared;
holes (dark or saturated RGB, beyond the max range, random blobs); quantisation to the stored step.
Invalid input pixels (0, NaN, inf) stay as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from spacevista.perception.realistic.config import RealisticConfig, far_depth
from spacevista.scene import Scale

#: Rec. 601 luma weights, for the "too dark to measure" test
_LUMA = np.array([0.299, 0.587, 0.114])
#: per-pixel noise is capped at this relative sigma so that depth stays positive beyond the far end
_MAX_NOISE = 0.3


@dataclass
class DepthErrorState:
    """What the depth errors carry from frame to frame of one video (updated in place)."""

    scale: Scale | str
    log_scale: float | None = None
    warp_nodes: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.scale = Scale.parse(self.scale)

    @property
    def far(self) -> float:
        return far_depth(self.scale)


def ar1(previous: np.ndarray | float | None, sigma: float, rho: float, eps: np.ndarray | float) -> np.ndarray:
    """Next value of a stationary AR(1) process with marginal sigma ``sigma`` and lag-1 correlation ``rho``."""
    if previous is None:
        return np.asarray(sigma * eps, dtype=np.float64)
    return rho * np.asarray(previous) + math.sqrt(1.0 - rho * rho) * sigma * np.asarray(eps)


def bilinear_matrix(n_px: int, cells: int) -> np.ndarray:
    """(n_px, cells + 1) weights that interpolate node values linearly onto pixels; the first and last
    pixels sit on the first and last nodes."""
    pos = np.linspace(0.0, float(cells), n_px)
    lo = np.minimum(np.floor(pos).astype(np.int64), cells - 1)
    frac = pos - lo
    rows = np.arange(n_px)
    w = np.zeros((n_px, cells + 1))
    w[rows, lo] = 1.0 - frac
    w[rows, lo + 1] = frac
    return w


def flying_pixels(depth: np.ndarray, valid: np.ndarray, rate: float, jump: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Pixels at a depth discontinuity (3x3 neighbourhood spanning more than ``jump`` relative) take,
    with probability ``rate``, a depth drawn uniformly between the nearest and farthest neighbour."""
    near = ndimage.minimum_filter(np.where(valid, depth, np.inf), size=3, mode="nearest")
    far = ndimage.maximum_filter(np.where(valid, depth, 0.0), size=3, mode="nearest")
    edge = valid & (far > near * (1.0 + jump))
    near = np.where(valid, near, 0.0)  # a valid pixel is its own neighbour, so only invalid ones are inf
    fly = edge & (rng.random(depth.shape) < rate)
    t = rng.random(depth.shape)
    return np.where(fly, near + t * (far - near), depth)


def disc_area(radius: int) -> int:
    """Pixels in a digital disc of ``radius`` (offsets with dx^2 + dy^2 <= radius^2)."""
    r = np.arange(-radius, radius + 1)
    return int(((r[:, None] ** 2 + r[None, :] ** 2) <= radius * radius).sum())


def hole_blobs(shape: tuple[int, int], rate: float, radius: int, rng: np.random.Generator) -> np.ndarray:
    """Random small discs (radius 1..``radius`` px) covering about ``rate`` of the image."""
    h, w = shape
    holes = np.zeros(shape, dtype=bool)
    mean_area = float(np.mean([disc_area(r) for r in range(1, radius + 1)]))
    n = int(rng.poisson(rate * h * w / mean_area))
    ys = rng.integers(0, h, n)
    xs = rng.integers(0, w, n)
    radii = rng.integers(1, radius + 1, n)
    for y, x, r in zip(ys, xs, radii):
        y0, y1, x0, x1 = max(0, y - r), min(h, y + r + 1), max(0, x - r), min(w, x + r + 1)
        yy, xx = np.ogrid[y0:y1, x0:x1]
        holes[y0:y1, x0:x1] |= (yy - y) ** 2 + (xx - x) ** 2 <= r * r
    return holes


def _rgb_holes(rgb: np.ndarray, config: RealisticConfig) -> np.ndarray:
    """Dark pixels (IR-absorbing, too little signal) and saturated ones (specular highlights)."""
    rgb = np.asarray(rgb, dtype=np.float64)[..., :3]
    holes = np.zeros(rgb.shape[:2], dtype=bool)
    if config.dark_threshold is not None:
        holes |= rgb @ _LUMA < config.dark_threshold
    if config.saturated_threshold is not None:
        holes |= rgb.max(axis=-1) >= config.saturated_threshold
    return holes


def realistic_depth(depth: np.ndarray, rgb: np.ndarray | None, config: RealisticConfig,
                    rng: np.random.Generator, state: DepthErrorState) -> np.ndarray:
    """One frame's perceived depth (HxW float32, metres, 0 where the sensor gives none).

    ``rgb`` (HxWx3 uint8) may be None, which skips the dark and saturated holes. ``state`` is updated
    in place; pass the same one for every frame of a video, in order. Raises ValueError when the RGB
    does not match the depth map's size.
    """
    depth = np.asarray(depth, dtype=np.float32)
    if depth.ndim != 2:
        raise ValueError(f"depth must be HxW, got shape {depth.shape}")
    if rgb is not None and np.shape(rgb)[:2] != depth.shape:
        raise ValueError(f"rgb {np.shape(rgb)} does not match depth {depth.shape}")
    # one stream per source: turning one source off leaves the others' draws unchanged
    fly_rng, scale_rng, warp_rng, noise_rng, hole_rng = rng.spawn(5)
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(depth) & (depth > 0)
    true = np.where(valid, depth.astype(np.float64), 0.0)
    far = state.far
    d = true
    if config.flying_rate > 0:
        d = flying_pixels(d, valid, config.flying_rate, config.flying_jump, fly_rng)

    state.log_scale = float(ar1(state.log_scale, config.scale_sigma, config.scale_rho, scale_rng.standard_normal()))
    nodes = warp_rng.standard_normal((config.warp_cells + 1, config.warp_cells + 1))
    state.warp_nodes = ar1(state.warp_nodes, config.warp_amplitude, config.scale_rho, nodes)
    h, w = depth.shape
    log_warp = bilinear_matrix(h, config.warp_cells) @ state.warp_nodes @ bilinear_matrix(w, config.warp_cells).T
    d = d * math.exp(state.log_scale) * np.exp(log_warp)
    # a constant offset in inverse depth: the relative under-estimate grows linearly with depth
    d = d / (1.0 + config.far_bias * d / far)
    if config.noise_far > 0:
        sigma = np.minimum(config.noise_far * true / far, _MAX_NOISE)
        d = d * (1.0 + sigma * np.clip(noise_rng.standard_normal(d.shape), -3.0, 3.0))

    holes = np.zeros(depth.shape, dtype=bool)
    if rgb is not None:
        holes |= _rgb_holes(rgb, config)
    if config.max_range is not None:
        holes |= true > config.max_range * far
    if config.hole_rate > 0:
        holes |= hole_blobs(depth.shape, config.hole_rate, config.hole_radius, hole_rng)
    d[holes] = 0.0

    step = config.step_for(state.scale)
    if step > 0:
        d = np.round(d / step) * step
    return np.where(valid, d, depth).astype(np.float32)
