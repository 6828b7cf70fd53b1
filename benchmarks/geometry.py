"""Throughput of the geometry core on one CPU thread.

Run: ``PYTHONPATH=src python benchmarks/geometry.py``. Each ``bench_*`` function measures one thing
and returns its figures; ``main`` prints them. Thread pools are pinned to one thread before numpy
loads.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import time  # noqa: E402

import numpy as np  # noqa: E402

from spacevista.geometry.lifting import (accumulate, frame_views, lift_frame,  # noqa: E402
                                         lift_frame_with_views)
from spacevista.geometry.poses import look_at  # noqa: E402

WIDTH, HEIGHT, OBJECTS = 640, 480, 20


def make_frame(rng: np.random.Generator, width: int = WIDTH, height: int = HEIGHT,
               objects: int = OBJECTS, dense: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A synthetic frame: float32 depth (2% invalid pixels), int32 instances, K and a pose.

    Instances are ``objects`` random overlapping ellipses (about 40% of the pixels), or with
    ``dense`` a 5 x 4 grid of tiles covering every pixel (the worst case for lifting).
    """
    depth = rng.uniform(1.0, 8.0, size=(height, width)).astype(np.float32)
    depth[rng.random((height, width)) < 0.02] = 0.0
    inst = np.zeros((height, width), dtype=np.int32)
    rr, cc = np.mgrid[0:height, 0:width]
    if dense:
        inst[:] = (rr * 4 // height) * 5 + (cc * 5 // width) + 1
    else:
        for oid in range(1, objects + 1):
            cy, cx = rng.uniform(0, height), rng.uniform(0, width)
            ry, rx = rng.uniform(15, 100, size=2)
            inst[((rr - cy) / ry) ** 2 + ((cc - cx) / rx) ** 2 <= 1.0] = oid
    f = 0.8 * width
    K = np.array([[f, 0, width / 2], [0, f, height / 2], [0, 0, 1.0]])
    pose = look_at([2.0, -3.0, 1.5], [0.0, 0.0, 0.5])
    return depth, inst, K, pose


def _rate(fn, min_seconds: float = 1.0) -> float:
    """Calls per CPU-second of ``fn`` on this (single) thread, after a short warm-up.

    CPU time (``time.process_time``) rather than wall time, so that other processes sharing the
    machine's cores do not deflate the figure; with one thread it is the one-core throughput.
    """
    warm_until = time.perf_counter() + 0.2
    while time.perf_counter() < warm_until:
        fn()
    n, start = 0, time.process_time()
    while True:
        fn()
        n += 1
        elapsed = time.process_time() - start
        if elapsed >= min_seconds:
            return n / elapsed


def bench_lift_frame(stride: int = 1, dense: bool = False) -> dict[str, float]:
    """Frames/s of lift_frame on a 640x480 frame with 20 objects."""
    depth, inst, K, pose = make_frame(np.random.default_rng(0), dense=dense)
    fg = float((inst > 0).mean())
    return {"frames_per_s": _rate(lambda: lift_frame(depth, inst, K, pose, stride=stride)),
            "foreground_fraction": fg}


def bench_frame_views() -> dict[str, float]:
    """Frames/s of frame_views alone."""
    depth, inst, _, _ = make_frame(np.random.default_rng(0))
    return {"frames_per_s": _rate(lambda: frame_views(depth, inst))}


def bench_lift_and_views() -> dict[str, float]:
    """Frames/s of the whole per-frame path: lift_frame then frame_views, called separately, and
    lift_frame_with_views (one shared grouping pass)."""
    depth, inst, K, pose = make_frame(np.random.default_rng(0))

    def separate() -> None:
        lift_frame(depth, inst, K, pose)
        frame_views(depth, inst)

    return {"separate_frames_per_s": _rate(separate),
            "shared_frames_per_s": _rate(lambda: lift_frame_with_views(depth, inst, K, pose))}


def bench_accumulate(frames: int = 30, voxel: float = 0.02) -> dict[str, float]:
    """CPU seconds to merge ``frames`` lifted frames with voxel downsampling, and frames/s."""
    rng = np.random.default_rng(0)
    per_frame = []
    for _ in range(frames):
        depth, inst, K, pose = make_frame(rng)
        per_frame.append(lift_frame(depth, inst, K, pose))
    points = sum(p.shape[0] for f in per_frame for p in f.values())
    start = time.process_time()
    accumulate(per_frame, voxel=voxel)
    seconds = time.process_time() - start
    return {"seconds": seconds, "frames_per_s": frames / seconds, "input_points": float(points)}


def main() -> None:
    print(f"geometry throughput, {WIDTH}x{HEIGHT} frames, {OBJECTS} objects, 1 thread "
          "(per CPU-second)")
    r = bench_lift_frame(1)
    print(f"lift_frame stride 1:            {r['frames_per_s']:8.1f} frames/s "
          f"(foreground {r['foreground_fraction']:.0%} of pixels)")
    r = bench_lift_frame(2)
    print(f"lift_frame stride 2:            {r['frames_per_s']:8.1f} frames/s")
    r = bench_lift_frame(1, dense=True)
    print(f"lift_frame stride 1, dense:     {r['frames_per_s']:8.1f} frames/s "
          f"(foreground {r['foreground_fraction']:.0%} of pixels)")
    r = bench_lift_frame(2, dense=True)
    print(f"lift_frame stride 2, dense:     {r['frames_per_s']:8.1f} frames/s")
    r = bench_frame_views()
    print(f"frame_views:                    {r['frames_per_s']:8.1f} frames/s")
    r = bench_lift_and_views()
    print(f"lift_frame + frame_views:       {r['separate_frames_per_s']:8.1f} frames/s")
    print(f"lift_frame_with_views (shared): {r['shared_frames_per_s']:8.1f} frames/s")
    r = bench_accumulate()
    print(f"accumulate 30 frames, 2 cm voxels: {r['seconds'] * 1e3:6.1f} ms "
          f"({r['frames_per_s']:.0f} frames/s, {r['input_points']:.0f} points in)")


if __name__ == "__main__":
    main()
