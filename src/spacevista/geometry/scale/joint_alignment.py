"""Per-frame depth corrections of a whole video solved jointly, so that alignment cannot drift.

Aligning each frame to the already corrected frames just before it (as
:func:`~spacevista.geometry.scale.consistency.align_scales` does) chains the small error of every step: over a handheld video of hundreds of frames the chain walks
off, and whole stretches come out several percent too near or too far although each frame agrees
with its neighbours (``benchmarks/depth_alignment.py`` prints both side by side).

Here every frame is measured against raw neighbours once (offsets 1, 2, 4, ... and frames spread over
the video), each measurement a relative log scale of the whole frame and of each region of a coarse
grid. The corrections then solve one regularised least-squares problem: each frame's correction is a
scale plus a smooth warp (a value per region), the pairwise measurements tie neighbours together, and
a prior on the size of the depth model's error (its per-frame scale sigma and warp sigma) keeps what
the measurements cannot see, the slow part, near zero instead of letting it accumulate. Measurements
that disagree with the solution by more than a few sigma are down-weighted and the problem solved
again (occlusions, moving content).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix, diags
from scipy.sparse.linalg import spsolve

from spacevista.geometry.scale.consistency import DepthSamples, region_masks, relative_scale

#: backward offsets (frames) each frame is measured against
OFFSETS = (1, 2, 4, 8, 16, 32)
#: sigma (log) of one measurement: the whole frame's and one region's (fewer samples)
WHOLE_SIGMA = 0.005
REGION_SIGMA = 0.01
#: measurements beyond this many sigma from the solution are outliers
OUTLIER_SIGMAS = 3.0
REWEIGHTS = 2


def _seen_count(frame: DepthSamples, ref: DepthSamples) -> int:
    """How many of ``frame``'s valid samples land where ``ref`` has depth (at the frame's own scale)."""
    rays, depth = frame.rays()
    if not len(depth):
        return 0
    world = (rays * depth[:, None]) @ frame.pose[:3, :3].T + frame.pose[:3, 3]
    _, seen = ref.lookup(world)
    return int((seen > 0).sum())


def pair_logs(frame: DepthSamples, ref: DepthSamples, grid: int, min_pairs: int
              ) -> tuple[float | None, np.ndarray]:
    """``frame``'s log scale against ``ref`` as a whole (None when too little overlaps) and per region
    of a ``grid`` x ``grid`` split of its image (NaN where a region tells too little)."""
    regions = np.full((grid, grid), np.nan)
    if _seen_count(frame, ref) < 2 * min_pairs:
        return None, regions
    whole = relative_scale(frame, [ref])
    if whole is None:
        return None, regions
    for i, j, region in region_masks(frame.depth.shape, grid):
        s = relative_scale(frame, [ref], min_pairs=min_pairs, region=region)
        if s is not None:
            regions[i, j] = np.log(s)
    return float(np.log(whole)), regions


def _pairs(n: int, spread_refs: int) -> list[tuple[int, int]]:
    picks = np.unique(np.linspace(0, n - 1, min(spread_refs, n)).astype(np.int64)).tolist() if n > 2 else []
    out = set()
    for k in range(n):
        out.update((k, k - o) for o in OFFSETS if k - o >= 0)
        out.update((k, j) for j in picks if abs(j - k) > OFFSETS[-1])
    return sorted(out)


def solve_fields(frames: list[DepthSamples], grid: int = 3, scale_sigma: float = 0.05,
                 warp_sigma: float = 0.025, min_pairs: int = 15, spread_refs: int = 10,
                 measured: dict[tuple[int, int], tuple[float | None, np.ndarray]] | None = None) -> np.ndarray:
    """Per-frame log-depth corrections on a ``grid`` x ``grid`` of image regions (n, g, g), solved
    jointly over the video (see the module's docstring); ``scale_sigma`` / ``warp_sigma``: the prior
    size (log) of the depth's per-frame scale error and of its warp at a region. Every region's mean
    over the video is removed (a video cannot tell the mean error of its depth). ``measured`` (pair
    -> :func:`pair_logs`) may be given to skip the measurements."""
    n, g2 = len(frames), grid * grid
    if n < 2:
        return np.zeros((n, grid, grid))
    if measured is None:
        measured = {(k, j): pair_logs(frames[k], frames[j], grid, min_pairs) for k, j in _pairs(n, spread_refs)}
    # unknowns: per frame a scale s_k (index k) and its warp w_k (indices n + k * g2 + r)
    rows, cols, vals, rhs, sig = [], [], [], [], []

    def equation(terms: list[tuple[int, float]], value: float, sigma: float) -> None:
        e = len(rhs)
        for c, v in terms:
            rows.append(e)
            cols.append(c)
            vals.append(v)
        rhs.append(value)
        sig.append(sigma)

    for (k, j), (whole, regions) in measured.items():
        if whole is None:
            continue
        terms = [(k, 1.0), (j, -1.0)] + [(n + k * g2 + r, 1.0 / g2) for r in range(g2)] \
            + [(n + j * g2 + r, -1.0 / g2) for r in range(g2)]
        equation(terms, whole, WHOLE_SIGMA)
        for r, v in enumerate(regions.ravel()):
            if np.isfinite(v):
                equation([(k, 1.0), (j, -1.0), (n + k * g2 + r, 1.0), (n + j * g2 + r, -1.0)], float(v), REGION_SIGMA)
    n_meas = len(rhs)
    for k in range(n):
        equation([(k, 1.0)], 0.0, max(scale_sigma, 1e-4))
        for r in range(g2):
            equation([(n + k * g2 + r, 1.0)], 0.0, max(warp_sigma, 1e-4))
    A = coo_matrix((vals, (rows, cols)), shape=(len(rhs), n * (1 + g2))).tocsr()
    b, sigma = np.asarray(rhs), np.asarray(sig)

    def solve(weight: np.ndarray) -> np.ndarray:
        return spsolve((A.T @ diags(weight) @ A).tocsc(), A.T @ (weight * b))

    x = solve(1.0 / sigma ** 2)
    for _ in range(REWEIGHTS if n_meas else 0):
        z = np.abs(A @ x - b) / sigma
        # Huber-like: a measurement far from the solution counts as one at the outlier line; priors keep theirs
        z[n_meas:] = 0.0
        x = solve(np.where(z > OUTLIER_SIGMAS, OUTLIER_SIGMAS / np.maximum(z, 1e-12), 1.0) / sigma ** 2)
    out = x[:n, None] + x[n:].reshape(n, g2)
    out = out.reshape(n, grid, grid)
    return out - out.mean(axis=0, keepdims=True)
