"""Per-frame depth scale from multi-view consistency, for depth that flickers in scale over a video.

A metric depth model errs by a scale that changes from frame to frame. With the cameras known, each
frame's scale can be read off the frames before it: lifted with the right scale, its pixels land
where the earlier frames saw the same surfaces. :func:`relative_scale` finds that scale on sparse
depth samples by a robust (median) search in log scale; :func:`align_scales` chains
it over a video and removes the common factor under the assumption that the per-frame errors average
out over the video (their mean is the one scale a video cannot reveal when its cameras barely move).
Chaining drifts over long videos; :mod:`~spacevista.geometry.scale.joint_alignment` solves all frames
at once, per image region, for the smooth warp a depth model adds on top of its scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: log-scale search of :func:`relative_scale`: +-30% in 2% steps, then +-2% around the best in 0.25% steps
_LOG_RANGE = 0.3
_COARSE_STEP = 0.02
_FINE_STEP = 0.0025
#: depth samples used per frame (evenly thinned beyond this)
_MAX_SAMPLES = 800
#: samples that disagree by more than this (log depth) after alignment are occlusions or other content
_INLIER_LOG = 0.05


@dataclass
class DepthSamples:
    """A frame's depth sampled on a sparse grid: ``depth`` (h, w) with 0 where invalid, taken at pixel
    centres ``(c * step + step // 2 + 0.5, r * step + step // 2 + 0.5)``; its camera ``K`` and
    camera-to-world ``pose``."""

    depth: np.ndarray
    K: np.ndarray
    pose: np.ndarray
    step: int

    def rays(self, region: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(camera-frame rays with z = 1 (n, 3), depth (n,)) of the valid samples (in ``region``)."""
        r, c = np.nonzero((self.depth > 0) & (True if region is None else region))
        u = c * self.step + self.step // 2 + 0.5
        v = r * self.step + self.step // 2 + 0.5
        Kinv = np.linalg.inv(self.K)
        rays = np.stack([u, v, np.ones_like(u, dtype=np.float64)], axis=1) @ Kinv.T
        return rays, self.depth[r, c].astype(np.float64)

    def lookup(self, world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z of ``world`` points in this camera, this frame's depth there, bilinear between the four
        samples around it: 0 outside the sampled area or where any of them is invalid)."""
        R, t = self.pose[:3, :3], self.pose[:3, 3]
        cam = (world - t) @ R
        z = cam[:, 2]
        seen = np.zeros(len(world))
        with np.errstate(divide="ignore", invalid="ignore"):
            p = cam @ self.K.T
            # sample (r, c) sits at pixel (c * step + step // 2 + 0.5, r * step + step // 2 + 0.5)
            fc = (p[:, 0] / p[:, 2] - self.step // 2 - 0.5) / self.step
            fr = (p[:, 1] / p[:, 2] - self.step // 2 - 0.5) / self.step
        h, w = self.depth.shape
        ok = (z > 0) & np.isfinite(fr) & np.isfinite(fc) & (fr >= 0) & (fr <= h - 1) & (fc >= 0) & (fc <= w - 1)
        r0 = np.minimum(np.floor(fr[ok]).astype(np.int64), h - 2 if h > 1 else 0)
        c0 = np.minimum(np.floor(fc[ok]).astype(np.int64), w - 2 if w > 1 else 0)
        r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
        ar, ac = fr[ok] - r0, fc[ok] - c0
        d = self.depth
        corners = np.stack([d[r0, c0], d[r0, c1], d[r1, c0], d[r1, c1]])
        val = ((1 - ar) * (1 - ac) * corners[0] + (1 - ar) * ac * corners[1]
               + ar * (1 - ac) * corners[2] + ar * ac * corners[3])
        seen[ok] = np.where((corners > 0).all(axis=0), val, 0.0)
        return z, seen


def _cost(base: np.ndarray, R: np.ndarray, t: np.ndarray, references: list[DepthSamples],
          log_scale: float) -> tuple[float, int]:
    """Mean clipped log-depth disagreement of the samples scaled by ``exp(log_scale)`` with the
    references, and how many samples agree."""
    world = (base * np.exp(log_scale)) @ R.T + t
    res = []
    for ref in references:
        z, seen = ref.lookup(world)
        ok = seen > 0
        if ok.any():
            res.append(np.abs(np.log(z[ok] / seen[ok])))
    if not res:
        return float("inf"), 0
    r = np.concatenate(res)
    # robust: occlusions and other content saturate at the clip instead of pulling the scale
    return float(np.minimum(r, _INLIER_LOG).mean()), int((r < _INLIER_LOG).sum())


def relative_scale(frame: DepthSamples, references: list[DepthSamples], min_pairs: int = 30,
                   region: np.ndarray | None = None) -> float | None:
    """The factor that brings ``frame``'s depth into agreement with the ``references`` (already
    consistent frames), or None when too few samples are seen by them to tell; ``region`` (a boolean
    mask over the frame's samples) restricts it to part of the image."""
    rays, depth = frame.rays(region)
    if not len(depth) or not references:
        return None
    if len(depth) > _MAX_SAMPLES:
        keep = np.linspace(0, len(depth) - 1, _MAX_SAMPLES).astype(np.int64)
        rays, depth = rays[keep], depth[keep]
    R, t = frame.pose[:3, :3], frame.pose[:3, 3]
    base = rays * depth[:, None]
    coarse = np.arange(-_LOG_RANGE, _LOG_RANGE + 1e-12, _COARSE_STEP)
    costs = [_cost(base, R, t, references, ls) for ls in coarse]
    best = coarse[int(np.argmin([c for c, _ in costs]))]
    fine = best + np.arange(-_COARSE_STEP, _COARSE_STEP + 1e-12, _FINE_STEP)
    costs = [_cost(base, R, t, references, ls) for ls in fine]
    k = int(np.argmin([c for c, _ in costs]))
    if not np.isfinite(costs[k][0]) or costs[k][1] < min_pairs:
        return None
    return float(np.exp(fine[k]))


def align_scales(frames: list[DepthSamples], window: int = 4) -> np.ndarray:
    """Per-frame factors that make a video's depth consistent: frame k against the (already
    corrected) frames before it, at offsets 1, 2, 4, ... up to ``window`` of them, then divided by
    their geometric mean. A frame no earlier frame overlaps keeps the previous frame's factor."""
    scales = np.ones(len(frames))
    fixed: list[DepthSamples] = []
    for k, f in enumerate(frames):
        refs = [fixed[k - o] for o in (1, 2, 4, 8, 16, 32)[:window] if k - o >= 0]
        s = relative_scale(f, refs) if refs else 1.0
        if s is None:
            s = scales[k - 1] if k else 1.0
        scales[k] = s
        fixed.append(DepthSamples(f.depth * s, f.K, f.pose, f.step))
    return scales / np.exp(np.mean(np.log(scales)))


def field(grid: np.ndarray, height: int, width: int) -> np.ndarray:
    """A (height, width) map bilinear between the values of a coarse ``grid`` (g, g) placed at the
    centres of g x g equal cells, held flat beyond the outer centres."""
    g = grid.shape[0]

    def weights(n: int) -> np.ndarray:
        pos = np.clip((np.arange(n) + 0.5) / n * g - 0.5, 0, g - 1)
        lo = np.minimum(np.floor(pos).astype(np.int64), max(g - 2, 0))
        frac = pos - lo
        m = np.zeros((n, g))
        m[np.arange(n), lo] = 1 - frac
        m[np.arange(n), np.minimum(lo + 1, g - 1)] += frac
        return m
    return weights(height) @ grid @ weights(width).T


def region_masks(shape: tuple[int, int], grid: int) -> list[tuple[int, int, np.ndarray]]:
    """``(row, col, mask)`` of each cell of a ``grid`` x ``grid`` split of a sample array of
    ``shape``, row by row."""
    h, w = shape
    rows = np.minimum(np.arange(h) * grid // h, grid - 1)
    cols = np.minimum(np.arange(w) * grid // w, grid - 1)
    return [(i, j, (rows[:, None] == i) & (cols[None, :] == j)) for i in range(grid) for j in range(grid)]
