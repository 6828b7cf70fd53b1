"""Build throughput: scenes/s of ``spacevista build`` with the local runner and the Ray runner.

Usage: .venv/bin/python benchmarks/runner.py [--scenes 8] [--frames 8] [--width 160] [--height 120]

Writes synthetic native scenes (all five scales, in turn) to a temporary folder first (not timed),
then times a fresh build (no cached shards) with: the local runner with 1 and 2 processes, and the
Ray runner (local mode, ``ray.init(num_cpus=2)``, started once and not timed) with 1 and 2 workers.
Each configuration first runs a warm-up build of two scenes so that the driver and Ray's worker
processes have imported the engine, as they have in any long build. Prints scenes/s per configuration and the
ratios Ray 2 / Ray 1 and Ray 1 / local 1, and checks that every build wrote the same qa.jsonl.
On a machine shared with other work the engine's figures follow the CPU share the processes get, so
a scheduling check follows: the same runners over a stage that only sleeps 0.5 s per row, which
shows the runners' parallelism and overhead independently of CPU contention.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path


def write_scenes(root: Path, n: int, frames: int, width: int, height: int) -> None:
    from spacevista.io.native import write_scene
    from spacevista.scene import Scale
    from spacevista.synth.generate import generate_scene

    scales = list(Scale)
    for k in range(n):
        write_scene(generate_scene(scales[k % len(scales)], seed=100 + k, n_frames=frames, width=width,
                                   height=height), root)


class SleepStage:
    """A stage that only waits: measures how a runner schedules work, whatever the CPU load."""

    def __init__(self, cfg, seconds: float = 0.5):
        self.seconds = seconds

    def __call__(self, row: dict[str, str]) -> dict[str, str]:
        time.sleep(self.seconds)
        return {"error": ""}


def timed_sleep(runner, n: int) -> float:
    from spacevista.engine.build.stages import BuildConfig, Stage

    rows = [{"source": str(i), "shard": "", "cached": "", "error": ""} for i in range(n)]
    t0 = time.perf_counter()
    runner.run(rows, [Stage("sleep", SleepStage)], BuildConfig(out="."))
    return time.perf_counter() - t0


def timed_build(src: Path, out: Path, runner) -> tuple[float, bytes]:
    from spacevista.engine.build.run import build

    if out.exists():
        shutil.rmtree(out)
    t0 = time.perf_counter()
    res = build([src], out, seed=0, runner=runner)
    dt = time.perf_counter() - t0
    if res.errors:
        raise SystemExit(f"build failed: {res.errors}")
    return dt, (out / "qa.jsonl").read_bytes()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=8)
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--width", type=int, default=160)
    ap.add_argument("--height", type=int, default=120)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    from spacevista.engine.build.ray_runner import RayRunner
    from spacevista.engine.build.runners import LocalRunner

    tmp = Path(tempfile.mkdtemp(prefix="sv-runner-bench-"))
    try:
        src, warm = tmp / "scenes", tmp / "warm"
        write_scenes(src, args.scenes, args.frames, args.width, args.height)
        warm.mkdir()
        for p in sorted(src.iterdir())[:2]:
            shutil.copytree(p, warm / p.name)
        results: dict[str, float] = {}
        sleeps: dict[str, float] = {}
        outputs: dict[str, bytes] = {}
        for w in (1, 2):
            sleeps[f"local {w}"] = timed_sleep(LocalRunner(w), args.scenes)
            timed_build(warm, tmp / "out", LocalRunner(w))  # same warm-up as Ray: imports done
            dt, outputs[f"local-{w}"] = timed_build(src, tmp / "out", LocalRunner(w))
            results[f"local {w} process{'es' if w > 1 else ''}"] = args.scenes / dt
        import ray

        t0 = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
        ray_start = time.perf_counter() - t0
        for w in (1, 2):
            runner = RayRunner(w)
            timed_build(warm, tmp / "out", runner)
            sleeps[f"ray {w}"] = timed_sleep(runner, args.scenes)
            dt, outputs[f"ray-{w}"] = timed_build(src, tmp / "out", runner)
            results[f"ray {w} worker{'s' if w > 1 else ''}"] = args.scenes / dt
        ray.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    same = len(set(outputs.values())) == 1
    print(f"{args.scenes} scenes, {args.frames} frames of {args.width}x{args.height}; cpus: {os.cpu_count()}; "
          f"load average: {os.getloadavg()[0]:.1f}")
    for name, v in results.items():
        print(f"  {name:<20} {v:6.3f} scenes/s")
    r21 = results["ray 2 workers"] / results["ray 1 worker"]
    r1l = results["ray 1 worker"] / results["local 1 process"]
    print(f"  ray start (not timed above): {ray_start:.1f} s")
    print(f"  ray 2 / ray 1 workers: {r21:.2f}x   ray 1 worker / local 1 process: {r1l:.2f}x")
    print(f"  identical qa.jsonl across all runs: {same}")
    print(f"scheduling check: {args.scenes} rows of a 0.5 s sleep stage (ideal {args.scenes * 0.5:.1f} s with 1 worker, "
          f"{args.scenes * 0.25:.1f} s with 2):")
    for name, v in sleeps.items():
        print(f"  {name:<20} {v:6.2f} s")
    print(f"  ray 2 / ray 1 workers: {sleeps['ray 1'] / sleeps['ray 2']:.2f}x   "
          f"ray 1 / local 1: {sleeps['local 1'] / sleeps['ray 1']:.2f}x (throughput ratio)")
    print(json.dumps({"scenes_per_s": {k: round(v, 4) for k, v in results.items()}, "ray2_over_ray1": round(r21, 3),
                      "ray1_over_local1": round(r1l, 3), "identical": same,
                      "sleep_seconds": {k: round(v, 3) for k, v in sleeps.items()}}))


if __name__ == "__main__":
    main()
