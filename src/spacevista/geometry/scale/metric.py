"""The metric scale of a structure-from-motion reconstruction, from metric depth maps.

An SfM reconstruction (COLMAP, nerfstudio) is right up to one global factor ``s``: metres per
reconstruction unit. Where a metric depth model's depth ``D`` (metres) and the reconstruction's depth
``z`` (units) describe the same pixel, ``D ~ s z``; every such pair votes for ``log s``.

Two sources of reconstruction depth, both pure numpy here:

- ``sparse_points``: the reconstruction's 3-D points, each seen in some frames at known pixels, give
  ``z`` directly (:func:`scale_from_depth_pairs`).
- ``camera_baseline``: where there are no points, the depth of one frame, moved into a second frame
  along the reconstruction's relative pose with its translation scaled by ``s``, must agree with the
  second frame's depth; ``s`` is found by a one-dimensional search (:func:`scale_from_baseline`).

Either way a frame (or a frame pair) gives one log-scale: the median of its votes after rejecting
those more than ``k`` robust deviations away. Frames are then combined the same way. The factor is
the mean of the accepted frames' log-scales; its uncertainty is their spread divided by the square
root of the effective number of frames (:func:`effective_count`), which discounts frames whose errors are correlated (a depth
model's scale error drifts slowly through a video; ``ScaleLimits.rho_prior`` assumes at least a
lag-1 correlation of 0.8, since a few frames cannot measure it). Frames that disagree beyond
``ScaleLimits.max_spread``, or too many rejected frames, make the estimate ``inconsistent``: a scale
nobody can trust is not used.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np

#: MAD -> standard deviation for normally distributed values
MAD_TO_SD = 1.4826

METHODS = ("sparse_points", "camera_baseline")


@dataclass(frozen=True)
class ScaleLimits:
    """When the votes suffice and when they agree.

    ``min_points``: votes a frame needs (after rejection) to count; ``min_frames``: frames needed;
    ``k``: votes and frames further than ``k`` robust deviations from the median are rejected;
    ``max_spread``: robust standard deviation of the frames' log-scales above which the frames
    disagree (0.15 ~ 15 %); ``max_rejected``: fraction of frames that may be rejected before the
    frames are said to disagree; ``max_rho``: cap of the lag-1 correlation used for the effective
    number of frames; ``frame_floor``: a frame within this of the median log-scale (0.1 ~ 10 %) is
    never an outlier: per-frame errors of a few per cent drift together through a video and leave
    the frames in clusters whose MAD says little about a gross failure; ``rho_prior``: the least lag-1 correlation assumed between neighbouring frames'
    scale errors. A depth model errs alike on frames that look alike, and sixteen frames cannot
    measure that correlation (the sample estimate is biased low by about (1 + 4 rho) / n), so the
    uncertainty would be too small without a floor; 0 trusts the frames to be independent."""

    min_points: int = 8
    min_frames: int = 3
    k: float = 3.0
    max_spread: float = 0.15
    max_rejected: float = 0.34
    max_rho: float = 0.9
    rho_prior: float = 0.8
    frame_floor: float = 0.1


@dataclass
class ScaleEstimate:
    """The recovered factor (metres per reconstruction unit) and how far to trust it.

    ``status``: ``ok``; ``too_few`` (not enough frames with enough votes); ``degenerate`` (the
    geometry cannot fix the scale: no baseline, pure rotation); ``inconsistent`` (frames disagree).
    ``factor`` is None unless some frames gave a scale; ``sigma`` is the relative 1-sigma uncertainty
    of the factor (of its log); ``spread`` the robust standard deviation of the frames' log-scales.
    ``frames`` holds each frame's (or pair's) factor, None where it had too few votes."""

    method: str
    status: str
    factor: float | None = None
    sigma: float | None = None
    spread: float | None = None
    n_frames: int = 0
    n_points: int = 0
    rejected_frames: list[int] = field(default_factory=list)
    frames: list[float | None] = field(default_factory=list)
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self, digits: int = 6) -> dict[str, Any]:
        """Plain JSON data, numbers rounded to ``digits`` significant digits."""
        d = asdict(self)
        for key in ("factor", "sigma", "spread"):
            d[key] = _round(d[key], digits)
        d["frames"] = [_round(x, digits) for x in self.frames]
        return d


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else float(f"{x:.{digits}g}")


def robust_center(values: np.ndarray, k: float, floor: float = 0.0) -> tuple[float, np.ndarray]:
    """Median of ``values`` after rejecting those more than ``k`` robust deviations (MAD) and more
    than ``floor`` from the median, and the mask of the values kept. The deviation has a floor of
    1e-9 so that identical values keep each other."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError("no values")
    med = float(np.median(x))
    keep = np.ones(x.size, dtype=bool)
    for _ in range(3):  # rejection moves the median a little; a few rounds settle it
        mad = MAD_TO_SD * float(np.median(np.abs(x[keep] - med)))
        new = np.abs(x - med) <= max(k * max(mad, 1e-9), floor)
        if not new.any():
            break
        keep = new
        med = float(np.median(x[keep]))
    return med, keep


def lag1_correlation(x: np.ndarray) -> float:
    """Lag-1 autocorrelation of a sequence (0 for fewer than 3 values or no variance)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size < 3:
        return 0.0
    d = x - x.mean()
    den = float(d @ d)
    return 0.0 if den <= 0 else float(d[:-1] @ d[1:]) / den


def effective_count(x: np.ndarray, max_rho: float, rho_prior: float = 0.0) -> float:
    """Independent samples worth of a sequence whose neighbours correlate as AR(1) with rho, its
    lag-1 correlation held within [``rho_prior``, ``max_rho``]: ``n_eff`` such that the standard
    error of its mean is ``s / sqrt(n_eff)`` with ``s`` its sample standard deviation. Exact for
    finite n: ``V = sum_ij rho^|i-j|`` sets the variance of the mean (``sigma^2 V / n^2``), and
    correlated samples scatter less about their own mean (``E s^2 = sigma^2 (n - V/n) / (n - 1)``);
    about ``n (1 - rho) / (1 + rho)`` for long sequences. At least 1."""
    n = len(x)
    if n < 2:
        return 1.0
    rho = min(max(lag1_correlation(x), rho_prior, 0.0), max_rho)
    k = np.arange(1, n)
    V = n + 2.0 * float(((n - k) * rho ** k).sum())
    return max(1.0, (n * n / V) * ((n - V / n) / (n - 1)))


def frame_log_scale(metric: np.ndarray, recon: np.ndarray, limits: ScaleLimits) -> tuple[float, int] | None:
    """One frame's log-scale from paired depths (metres, reconstruction units) and the votes kept;
    None when fewer than ``limits.min_points`` valid votes remain."""
    m = np.asarray(metric, dtype=np.float64).ravel()
    r = np.asarray(recon, dtype=np.float64).ravel()
    if m.shape != r.shape:
        raise ValueError(f"metric depths {m.shape} and reconstruction depths {r.shape} do not pair up")
    ok = np.isfinite(m) & np.isfinite(r) & (m > 0) & (r > 0)
    if ok.sum() < limits.min_points:
        return None
    logs = np.log(m[ok]) - np.log(r[ok])
    center, keep = robust_center(logs, limits.k)
    if keep.sum() < limits.min_points:
        return None
    return center, int(keep.sum())


def combine_frames(method: str, per_frame: Sequence[float | None], counts: Sequence[int],
                   limits: ScaleLimits = ScaleLimits()) -> ScaleEstimate:
    """One estimate from per-frame log-scales (None: the frame gave none), in frame order."""
    frames = [None if x is None else math.exp(x) for x in per_frame]
    idx = [i for i, x in enumerate(per_frame) if x is not None]
    est = ScaleEstimate(method, "too_few", frames=frames, n_frames=len(idx), n_points=int(sum(counts)))
    if len(idx) < limits.min_frames:
        est.reason = (f"{len(idx)} frame(s) with at least {limits.min_points} depth pairs; "
                      f"{limits.min_frames} are needed")
        return est
    logs = np.array([per_frame[i] for i in idx], dtype=np.float64)
    _, keep = robust_center(logs, limits.k, limits.frame_floor)
    med = float(np.median(logs))
    spread = MAD_TO_SD * float(np.median(np.abs(logs - med)))
    inliers = logs[keep]
    est.rejected_frames = [idx[i] for i in np.flatnonzero(~keep)]
    est.factor = math.exp(float(inliers.mean()))
    sd = float(inliers.std(ddof=1)) if inliers.size > 1 else 0.0
    est.sigma = sd / math.sqrt(effective_count(inliers, limits.max_rho, limits.rho_prior))
    est.spread = spread
    rejected = len(est.rejected_frames) / len(idx)
    if spread > limits.max_spread:
        est.status = "inconsistent"
        est.reason = (f"frames disagree on the scale: per-frame spread {spread:.1%} exceeds "
                      f"{limits.max_spread:.0%}")
    elif rejected > limits.max_rejected:
        est.status = "inconsistent"
        est.reason = (f"frames disagree on the scale: {len(est.rejected_frames)} of {len(idx)} frames "
                      f"rejected as outliers (at most {limits.max_rejected:.0%} may be)")
    else:
        est.status = "ok"
    return est


def scale_from_depth_pairs(pairs: Sequence[tuple[np.ndarray, np.ndarray] | None],
                           limits: ScaleLimits = ScaleLimits(), method: str = "sparse_points") -> ScaleEstimate:
    """The scale from per-frame pairs ``(metric depth, reconstruction depth)`` of the same pixels.

    ``pairs[i]`` belongs to frame ``i`` (None: the frame has no points). Points on one plane, or all
    at one depth, are no problem: each vote needs only its own depth."""
    logs: list[float | None] = []
    counts: list[int] = []
    for p in pairs:
        got = None if p is None else frame_log_scale(p[0], p[1], limits)
        logs.append(None if got is None else got[0])
        counts.append(0 if got is None else got[1])
    return combine_frames(method, logs, counts, limits)


def sample_depth(depth: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Depth at continuous pixel coordinates ``uv`` (N, 2) by the pixel that contains each (the
    centre of pixel (r, c) is (c + 0.5, r + 0.5)); 0 outside the image."""
    depth = np.asarray(depth)
    uv = np.asarray(uv, dtype=np.float64).reshape(-1, 2)
    h, w = depth.shape
    with np.errstate(invalid="ignore"):
        c = np.floor(uv[:, 0])
        r = np.floor(uv[:, 1])
    inside = np.isfinite(c) & np.isfinite(r) & (c >= 0) & (c < w) & (r >= 0) & (r < h)
    out = np.zeros(len(uv), dtype=np.float64)
    out[inside] = depth[r[inside].astype(np.int64), c[inside].astype(np.int64)]
    return out


# ----------------------------------------------------------------------------- camera baseline

@dataclass(frozen=True)
class BaselineSearch:
    """The one-dimensional search of :func:`pair_log_scale`.

    ``samples``: pixels of the first frame tried; ``parallax``: the range of baseline-to-depth
    ratios searched (the translation between the frames in metres over the median depth);
    ``steps``: grid points over that range (fine enough that the narrow valley of the right scale
    is not stepped over); ``tau``: cap of one pixel's |log depth ratio| so that occlusions and holes
    cannot dominate; ``min_overlap``: fraction of the samples that must land in the second frame
    with depth; ``min_contrast``: how much worse (in units of ``tau``) a scale twice or half the
    best one must fit, or the pair cannot tell them apart (too little parallax)."""

    samples: int = 1000
    parallax: tuple[float, float] = (1e-3, 4.0)
    steps: int = 500
    tau: float = 0.1
    min_overlap: float = 0.15
    min_contrast: float = 0.05


NO_DEPTH = "no depth in the first frame"
NO_BASELINE = "pure rotation: no baseline between the frames"
NO_OVERLAP = "the frames do not overlap"
FLAT = "too little parallax: the depth agrees about as well at half or twice the scale"
#: why a pair fails that no amount of data would cure: the geometry cannot fix the scale
DEGENERATE = (NO_BASELINE, FLAT)


def _pair_costs(d: np.ndarray, a: np.ndarray, b: np.ndarray, K2: np.ndarray, depth2: np.ndarray,
                scales: np.ndarray, search: BaselineSearch) -> np.ndarray:
    """Per scale, the mean capped |log| disagreement of the moved depths with the second frame's
    (inf where too few land in it with depth)."""
    out = np.empty(len(scales))
    h, w = depth2.shape
    flat = np.asarray(depth2, dtype=np.float64).ravel()
    step = max(1, 2_000_000 // max(1, len(d)))  # scales per chunk: bounded memory
    for lo in range(0, len(scales), step):
        s = scales[lo:lo + step]
        q = d[None, :, None] * a[None] + s[:, None, None] * b[None, None, :]
        z = q[..., 2]
        front = z > 1e-9
        zs = np.where(front, z, 1.0)
        u = (K2[0, 0] * q[..., 0] + K2[0, 1] * q[..., 1]) / zs + K2[0, 2]
        v = K2[1, 1] * q[..., 1] / zs + K2[1, 2]
        inside = front & (u >= 0) & (u < w) & (v >= 0) & (v < h)
        idx = np.where(inside, v.astype(np.int64).clip(0, h - 1) * w + u.astype(np.int64).clip(0, w - 1), 0)
        seen = np.where(inside, flat[idx], 0.0)
        ok = inside & np.isfinite(seen) & (seen > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            err = np.minimum(np.abs(np.log(zs) - np.log(np.where(ok, seen, 1.0))), search.tau)
        n = ok.sum(axis=1)
        cost = np.where(ok, err, 0.0).sum(axis=1) / np.maximum(n, 1)
        out[lo:lo + step] = np.where(n >= search.min_overlap * len(d), cost, np.inf)
    return out


def pair_log_scale(depth1: np.ndarray, K1: np.ndarray, pose1: np.ndarray, depth2: np.ndarray, K2: np.ndarray,
                   pose2: np.ndarray, rng: np.random.Generator,
                   search: BaselineSearch = BaselineSearch()) -> tuple[float | None, str | None]:
    """The log-scale that makes frame 1's metric depth, moved along the reconstruction's relative
    pose (translation in reconstruction units, times the scale), agree with frame 2's depth.

    Returns (log-scale, None), or (None, why) when the pair cannot fix it: no baseline (pure
    rotation), too little overlap, or a cost too flat to choose."""
    T = np.linalg.inv(np.asarray(pose2, dtype=np.float64)) @ np.asarray(pose1, dtype=np.float64)
    R, t = T[:3, :3], T[:3, 3]
    base = float(np.linalg.norm(t))
    valid = np.flatnonzero((np.isfinite(depth1) & (depth1 > 0)).ravel())
    if valid.size < 10:
        return None, NO_DEPTH
    if base < 1e-12 * max(1.0, float(np.abs(pose1[:3, 3]).max())):
        return None, NO_BASELINE
    pick = rng.choice(valid, size=min(search.samples, valid.size), replace=False)
    r, c = np.divmod(pick, depth1.shape[1])
    d = np.asarray(depth1, dtype=np.float64).ravel()[pick]
    pix = np.stack([c + 0.5, r + 0.5, np.ones(len(c))], axis=1)
    a = (pix @ np.linalg.inv(np.asarray(K1, dtype=np.float64)).T) @ R.T
    K2 = np.asarray(K2, dtype=np.float64)
    unit = float(np.median(d)) / base  # scale of parallax 1: a baseline as long as the median depth
    grid = np.exp(np.linspace(math.log(search.parallax[0]), math.log(search.parallax[1]), search.steps))
    costs = _pair_costs(d, a, t, K2, depth2, grid * unit, search)
    if not np.isfinite(costs).any():
        return None, NO_OVERLAP
    best = int(np.argmin(costs))
    fine = np.exp(np.linspace(math.log(grid[max(best - 1, 0)]), math.log(grid[min(best + 1, len(grid) - 1)]), 21))
    fcost = _pair_costs(d, a, t, K2, depth2, fine * unit, search)
    p_best = float(fine[int(np.argmin(fcost))])
    near = _pair_costs(d, a, t, K2, depth2, np.array([0.5, 2.0]) * p_best * unit, search)
    if float(near.min()) - float(fcost.min()) < search.min_contrast * search.tau:
        return None, FLAT
    return math.log(p_best * unit), None


def scale_from_baseline(depths: Sequence[np.ndarray], Ks: Sequence[np.ndarray], poses: Sequence[np.ndarray],
                        limits: ScaleLimits = ScaleLimits(), search: BaselineSearch = BaselineSearch(),
                        gaps: tuple[int, ...] = (1, 2), seed: int = 0) -> ScaleEstimate:
    """The scale from metric depth maps and reconstruction poses (camera-to-world, translation in
    reconstruction units) of frame pairs ``gaps`` apart; each pair counts as one "frame".

    A pure rotation (no camera moves) is ``degenerate``: no depth can fix a baseline of zero."""
    n = len(depths)
    if not (len(Ks) == len(poses) == n):
        raise ValueError(f"{n} depth maps, {len(Ks)} intrinsics and {len(poses)} poses")
    rng = np.random.default_rng(seed)
    logs: list[float | None] = []
    counts: list[int] = []
    why: dict[str, int] = {}
    for gap in gaps:
        for i in range(n - gap):
            j = i + gap
            got, reason = pair_log_scale(np.asarray(depths[i]), Ks[i], poses[i], np.asarray(depths[j]), Ks[j],
                                         poses[j], rng, search)
            logs.append(got)
            counts.append(0 if got is None else 1)
            if reason:
                why[reason] = why.get(reason, 0) + 1
    # the pair vote is one number, so a pair is a frame with one point
    est = combine_frames("camera_baseline", logs, counts, ScaleLimits(**{**asdict(limits), "min_points": 1}))
    if est.status == "too_few":
        centers = np.array([np.asarray(p, dtype=np.float64)[:3, 3] for p in poses]) if n else np.zeros((0, 3))
        moved = n > 1 and float(np.ptp(centers, axis=0).max()) > 0
        est.status = "degenerate" if (not moved or (why and set(why) <= set(DEGENERATE))) else "too_few"
        detail = "; ".join(f"{k} ({v} pair(s))" for k, v in sorted(why.items()))
        est.reason = ("the cameras do not move (pure rotation): the baseline cannot fix the scale" if not moved
                      else f"too few frame pairs fix the scale: {detail or est.reason}")
    return est
