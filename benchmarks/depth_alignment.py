"""Per-frame depth alignment over long videos: the joint solve beside the chained alignment it replaced.

On the synthetic handheld capture of each scale (150-300 frames) with realistic perception at depth
error E, every frame's depth is corrected by

- ``none``: left as the depth model gave it;
- ``chained``: the two-pass chain the engine used before (each frame aligned per region to the
  corrected frames 1, 2, 4, 8 before it, then again to ten frames spread over the video, every
  region's mean over the video removed), reimplemented here as the baseline;
- ``joint``: ``spacevista.geometry.scale.joint_alignment.solve_fields``, what ``lift_scene`` runs.

and the table gives, over frames, the error of the corrected depth against the exact depth (per frame
the median log ratio over its sampled pixels): its spread, the largest mean over any 31 consecutive
frames (drift: a stretch of the video too near or too far), the share of frames within 3% and 5%, and
the seconds each alignment took.

    PYTHONPATH=src python benchmarks/depth_alignment.py [--scales tiny indoor ...] [--error 0.05] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from spacevista.engine.build.demo import scene_seed  # noqa: E402
from spacevista.engine.scene.questions import rng_for  # noqa: E402
from spacevista.geometry.scale.consistency import DepthSamples, field, region_masks, relative_scale  # noqa: E402
from spacevista.geometry.scale.joint_alignment import solve_fields  # noqa: E402
from spacevista.perception.realistic import RealisticConfig, realistic_scene  # noqa: E402
from spacevista.synth.generate import generate_scene  # noqa: E402

STEP = 8
GRID = 3
#: frames over which a mean error counts as drift
DRIFT_WINDOW = 31


def thumb(depth: np.ndarray) -> np.ndarray:
    d = np.asarray(depth[STEP // 2::STEP, STEP // 2::STEP], dtype=np.float32)
    return np.where(np.isfinite(d) & (d > 0), d, 0.0).astype(np.float32)


def _regions(f: DepthSamples, refs: list[DepthSamples], fallback: float) -> np.ndarray:
    base = relative_scale(f, refs)
    logs = np.full((GRID, GRID), np.log(base) if base else fallback)
    for i, j, region in region_masks(f.depth.shape, GRID):
        s = relative_scale(f, refs, min_pairs=15, region=region)
        if s is not None:
            logs[i, j] = np.log(s)
    return logs


def _corrected(f: DepthSamples, logs: np.ndarray) -> DepthSamples:
    return DepthSamples(f.depth * np.exp(field(logs, *f.depth.shape)).astype(np.float32), f.K, f.pose, f.step)


def chained(frames: list[DepthSamples]) -> np.ndarray:
    """The baseline: the engine's former two-pass chained alignment."""
    out = np.zeros((len(frames), GRID, GRID))
    fixed: list[DepthSamples] = []
    for k, f in enumerate(frames):
        refs = [fixed[k - o] for o in (1, 2, 4, 8) if k - o >= 0]
        out[k] = _regions(f, refs, out[k - 1].mean() if k else 0.0) if refs else 0.0
        fixed.append(_corrected(f, out[k]))
    picks = np.unique(np.linspace(0, len(frames) - 1, min(10, len(frames))).astype(np.int64))
    second = np.zeros_like(out)
    for k, f in enumerate(frames):
        second[k] = out[k] + _regions(_corrected(f, out[k]), [fixed[int(i)] for i in picks if int(i) != k], 0.0)
    return second - second.mean(axis=0, keepdims=True)


def errors(frames: list[DepthSamples], truths: list[np.ndarray], grids: np.ndarray, limit: float) -> np.ndarray:
    out = []
    for f, t, g in zip(frames, truths, grids):
        d = f.depth * np.exp(field(np.clip(g, -limit, limit), *f.depth.shape))
        ok = (d > 0) & (t > 0)
        out.append(float(np.median(np.log(d[ok] / t[ok]))) if ok.any() else 0.0)
    return np.asarray(out)


def row(scale: str, method: str, e: np.ndarray, seconds: float) -> list[str]:
    window = min(DRIFT_WINDOW, len(e))
    drift = np.abs(np.convolve(e, np.ones(window) / window, "valid")).max()
    return [scale, method, str(len(e)), f"{np.std(e):.2%}", f"{drift:.2%}", f"{np.mean(np.abs(e) <= 0.03):.0%}",
            f"{np.mean(np.abs(e) <= 0.05):.0%}", f"{seconds:.0f}"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", nargs="+", default=["tiny", "tabletop", "indoor", "outdoor", "drone"])
    ap.add_argument("--error", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-baseline", action="store_true", help="skip the chained alignment (slow)")
    args = ap.parse_args()
    print(f"Depth alignment on handheld captures, realistic perception at depth error {args.error:.0%}, seed {args.seed}")
    header = ["scale", "alignment", "frames", "error spread", f"drift ({DRIFT_WINDOW} frames)", "within 3%",
              "within 5%", "seconds"]
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    limit = 3.0 * max(args.error, 0.02)
    for scale in args.scales:
        scene = generate_scene(scale, seed=scene_seed(args.seed, scale, 0), n_frames=None, width=320, height=240,
                               capture="handheld")
        seen = realistic_scene(scene, RealisticConfig(depth_error=args.error), rng_for(args.seed, scene.id, "realistic"))
        frames = [DepthSamples(thumb(f.depth()), f.camera.K, f.pose, STEP) for f in seen.frames]
        truths = [thumb(f.depth()) for f in scene.frames]
        zero = np.zeros((len(frames), GRID, GRID))
        print("| " + " | ".join(row(scale, "none", errors(frames, truths, zero, limit), 0.0)) + " |", flush=True)
        methods = [("joint", lambda fr: solve_fields(fr, grid=GRID, scale_sigma=max(args.error, 0.02),
                                                     warp_sigma=max(args.error, 0.02) / 2))]
        if not args.no_baseline:
            methods.insert(0, ("chained", chained))
        for name, fn in methods:
            t0 = time.perf_counter()
            grids = fn(frames)
            dt = time.perf_counter() - t0
            print("| " + " | ".join(row(scale, name, errors(frames, truths, grids, limit), dt)) + " |", flush=True)


if __name__ == "__main__":
    main()
