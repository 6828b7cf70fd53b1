"""Metric scale recovery on synthetic SfM captures: error and time over seeds, scales and depth errors.

Usage: PYTHONPATH=src python benchmarks/sfm_scale.py [--seeds 20] [--scales outdoor drone]
       [--errors 0 0.05 0.1] [--sfm-scale 0.37] [--capture clip [--frames 16]] [--baseline] [--accuracy 0 0.05 [--given]]
       [--workdir DIR]

For every scale and seed, ``generate_scene`` + ``export_sfm`` write the capture as
``spacevista synth --scale S --as colmap --sfm-scale 0.37 --seed K`` does (not timed): a handheld
capture of 150-300 frames, or with ``--capture clip`` the 16-frame clip. For every depth
error E, the synthetic specialist fills its depth (realistic errors of a metric depth model at E) and
``engine.scene.metric_scale.estimate_scale`` recovers metres per source unit from the COLMAP model's
sparse points (timed). The error is ``factor * sfm_scale - 1`` (the truth is ``1 / sfm_scale``).

Beside the error, the table gives the depth model's own scale error over each capture (the mean over
frames of its per-frame median error against the exact depth, read from the truth): no estimator
working from that depth can do better, and the last column shows how far the recovery is from it.

``--baseline`` repeats the recovery with the points removed (the camera-baseline method).
``--accuracy E ...`` also builds every capture with ``--depth synthetic --depth-error E --tracker synthetic``
(the whole engine, scored against the truth beside each capture) and prints the engine accuracy per
task and scale, metric tasks marked; ``--given`` repeats each build with the true scale given as
``metric_scale``, which separates what the scale costs from what the depth errors cost.
``--workdir`` keeps the captures for another run.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from spacevista.engine.scene.metric_scale import estimate_scale
from spacevista.io.sfm_truth import aligned_truth
from spacevista.perception import SPECIALISTS, fill_scene
from spacevista.readers import read_source
from spacevista.synth.export_sfm import export_sfm
from spacevista.synth.generate import generate_scene


def own_error(filled, truth) -> float:
    """The depth model's own scale error over the capture: the mean over frames of the median log
    ratio of its depth to the exact depth (what no estimator working from this depth can remove)."""
    logs = []
    for f, t in zip(filled.frames, truth.frames):
        d, g = f.depth(), t.depth()
        ok = (d > 0) & (g > 0)
        logs.append(float(np.median(np.log(d[ok] / g[ok]))))
    return float(np.exp(np.mean(logs)) - 1)


def recover(capture: Path, scale: str, error: float) -> tuple[object, float, float]:
    scene = read_source(capture, "colmap", scale=scale)
    filled = fill_scene(scene, depth=SPECIALISTS.get("synthetic")(depth_error=error))
    t0 = time.perf_counter()
    est = estimate_scale(filled)
    dt = time.perf_counter() - t0
    return est, dt, own_error(filled, aligned_truth(scene))


def summary_rows(results: dict, sfm_scale: float) -> list[list[str]]:
    rows = []
    for (method, scale, error), runs in results.items():
        ok = [e for e, _, _ in runs if e.ok]
        own = np.array([o for e, _, o in runs if e.ok])
        err = np.array([e.factor * sfm_scale - 1 for e in ok]) if ok else np.zeros(0)
        sig = np.array([e.sigma for e in ok]) if ok else np.zeros(0)
        med_factor = float(np.median([e.factor for e in ok])) if ok else float("nan")
        rows.append([method, scale, f"{error:.0%}", f"{len(ok)}/{len(runs)}",
                     f"{med_factor * sfm_scale - 1:+.2%}" if ok else "-",
                     f"{np.median(np.abs(err)):.2%}" if ok else "-",
                     f"{np.abs(err).max():.2%}" if ok else "-",
                     f"{int((np.abs(err) <= 0.06).sum())}/{len(ok)}" if ok else "-",
                     f"{np.median(sig):.2%}" if ok else "-",
                     f"{int((np.abs(err) <= 2 * sig).sum())}/{len(ok)}" if ok else "-",
                     f"{np.median(np.abs(own)):.2%}" if ok else "-",
                     f"{np.abs(err - own).max():.2%}" if ok else "-",
                     f"{1000 * np.mean([t for _, t, _ in runs]):.0f}"])
    return rows


def print_table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" if i < 3 else "---:" for i in range(len(header))) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


def build_accuracy(captures: dict[str, list[Path]], error: float, root: Path, given: float | None = None) -> None:
    from spacevista.engine.build.run import build
    from spacevista.tasks.base import TASKS

    metric = {n for n, c in TASKS.items() if c.metric}
    how = f"the true scale given (metric_scale={given:.6g})" if given else "the scale recovered"
    print(f"\nEngine accuracy against the exact truth, --depth synthetic --depth-error {error} --tracker synthetic, "
          f"{how}")
    for scale, paths in captures.items():
        t0 = time.perf_counter()
        options = {"scale": scale, **({"metric_scale": given} if given else {})}
        res = build(paths, root / f"build-{scale}-{error}-{given}", fmt="colmap", options=options,
                    perception={"depth": "synthetic", "tracker": "synthetic", "depth_options": {"depth_error": error}})
        rep = res.report
        refused = sum(1 for s in rep["scenes"].values() if (s.get("metric_scale") or {}).get("status") != "ok")
        uncertain = sum(by.get(scale, {}).get("scale_uncertain", 0) for by in rep["refusals"].values())
        print(f"\n{scale}: {len(paths)} captures in {time.perf_counter() - t0:.0f} s, {rep['qa_count']} items, "
              f"{refused} capture(s) without a recovered scale, refused as scale-uncertain: {uncertain}")
        rows, scores = [], []
        for task, by in rep["engine_accuracy"].items():
            n = rep["task_scale"].get(task, {}).get(scale, 0)
            rows.append([task, "metric" if task in metric else "", str(n), f"{by[scale]:.3f}"])
            if task in metric:
                scores.append((by[scale], n))
        print_table(["task", "kind", "items", "accuracy"], rows)
        if scores:
            w = sum(n for _, n in scores)
            print(f"metric tasks, item-weighted mean: {sum(a * n for a, n in scores) / w:.3f} over {w} items")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--scales", nargs="+", default=["outdoor", "drone"])
    ap.add_argument("--errors", nargs="+", type=float, default=[0.0, 0.05, 0.1])
    ap.add_argument("--sfm-scale", type=float, default=0.37)
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--capture", choices=["clip", "handheld"], default="handheld",
                    help="handheld (as spacevista synth --as colmap): 150-300 frames at video spacing, as long "
                         "as a DL3DV capture (--frames ignored); clip: --frames frames")
    ap.add_argument("--baseline", action="store_true", help="also recover without the points (camera baseline)")
    ap.add_argument("--accuracy", type=float, nargs="*", default=[], metavar="E",
                    help="also build and score at these depth errors")
    ap.add_argument("--given", action="store_true", help="with --accuracy, also build with the true scale given")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the captures here (reused when present)")
    args = ap.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="sfm_scale_"))
    try:
        results: dict = {}
        captures: dict[str, list[Path]] = {}
        for scale in args.scales:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                cap = root / "captures" / f"synth-{scale}-{seed:04d}"
                if not (cap / "truth" / "sfm.json").is_file():
                    if args.capture == "handheld":
                        scene = generate_scene(scale, seed, n_frames=None, capture="handheld")
                    else:
                        scene = generate_scene(scale, seed, n_frames=args.frames)
                    cap = export_sfm(scene, root / "captures", args.sfm_scale, seed)
                captures.setdefault(scale, []).append(cap)
                bare = None
                if args.baseline:
                    bare = root / "bare" / cap.name
                    if not bare.exists():
                        shutil.copytree(cap, bare)
                        (bare / "sparse" / "0" / "points3D.bin").unlink()
                for error in args.errors:
                    results.setdefault(("sparse_points", scale, error), []).append(recover(cap, scale, error))
                    if bare is not None:
                        results.setdefault(("camera_baseline", scale, error), []).append(recover(bare, scale, error))
        length = "handheld captures (150-300 frames)" if args.capture == "handheld" else f"{args.frames} frames"
        print(f"Scale recovery, {args.seeds} seeds, {length} of 320x240, sfm_scale {args.sfm_scale}")
        print_table(["method", "scale", "depth error", "recovered", "median error", "median abs error",
                     "max abs error", "abs error <= 6%", "median sigma", "abs error <= 2 sigma",
                     "depth's own error, median abs", "max abs(error - own)", "ms / capture"],
                    summary_rows(results, args.sfm_scale))
        for (method, scale, error), runs in results.items():
            for k, (est, _, _) in enumerate(runs):
                if not est.ok:
                    print(f"not recovered: {method} {scale} E={error:.0%} seed {args.first_seed + k}: {est.status} "
                          f"({est.reason})")
        for error in args.accuracy:
            build_accuracy(captures, error, root)
            if args.given:
                build_accuracy(captures, error, root, given=1 / args.sfm_scale)
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
