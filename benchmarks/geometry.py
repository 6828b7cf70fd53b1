"""Throughput of the geometry core on one CPU thread.

Run: ``.venv/bin/python benchmarks/geometry.py``. Each ``bench_*`` function measures one thing
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


def _minor_faults() -> int:
    """Minor page faults of this process so far (0 where the platform does not report them)."""
    try:
        import resource
    except ImportError:  # not on Unix
        return 0
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_minflt)


def _rate(fn, min_seconds: float = 1.0) -> float:
    """Calls per CPU-second of ``fn`` on this (single) thread, after a short warm-up.

    CPU time (``time.process_time``) rather than wall time, so that other processes sharing the
    machine's cores do not deflate the figure; with one thread it is the one-core throughput.
    The page faults per call of the last measurement are kept in ``_rate.faults``.
    """
    warm_until = time.perf_counter() + 0.2
    while time.perf_counter() < warm_until:
        fn()
    n, start, faults = 0, time.process_time(), _minor_faults()
    while True:
        fn()
        n += 1
        elapsed = time.process_time() - start
        if elapsed >= min_seconds:
            _rate.faults = (_minor_faults() - faults) / n
            return n / elapsed


_rate.faults = 0.0


def bench_lift_frame(stride: int = 1, dense: bool = False) -> dict[str, float]:
    """Frames/s of lift_frame on a 640x480 frame with 20 objects."""
    depth, inst, K, pose = make_frame(np.random.default_rng(0), dense=dense)
    fg = float((inst > 0).mean())
    rate = _rate(lambda: lift_frame(depth, inst, K, pose, stride=stride))
    return {"frames_per_s": rate, "foreground_fraction": fg, "page_faults_per_frame": _rate.faults}


def bench_frame_views(dense: bool = False) -> dict[str, float]:
    """Frames/s of frame_views alone."""
    depth, inst, _, _ = make_frame(np.random.default_rng(0), dense=dense)
    return {"frames_per_s": _rate(lambda: frame_views(depth, inst))}


def bench_lift_and_views(dense: bool = False) -> dict[str, float]:
    """Frames/s of the whole per-frame path: lift_frame then frame_views, called separately, and
    lift_frame_with_views (one shared grouping pass)."""
    depth, inst, K, pose = make_frame(np.random.default_rng(0), dense=dense)

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


def warm_allocator(megabytes: int = 24) -> None:
    """Allocate and free one large array.

    glibc then raises its mmap threshold to that size and its heap-trim threshold to twice it, so
    the ~10 MB of temporaries of a dense frame are no longer handed back to the OS after every
    frame and faulted in again on the next (this VM's page faults cost several microseconds
    each). Any process that has already handled an array of this size is in that state.
    """
    block = np.ones(megabytes * 2**20 // 8)
    del block


def lifting_section() -> None:
    """Print the per-frame lifting figures for both instance layouts."""
    for dense in (False, True):
        label = "dense tiles (100% of pixels)" if dense else "ellipses (41% of pixels)"
        print(f"-- instances: {label}")
        for stride in (1, 2):
            r = bench_lift_frame(stride, dense=dense)
            print(f"lift_frame stride {stride}:             {r['frames_per_s']:7.1f} frames/s "
                  f"({r['page_faults_per_frame']:.0f} page faults/frame)")
        r = bench_frame_views(dense=dense)
        print(f"frame_views:                      {r['frames_per_s']:7.1f} frames/s")
        r = bench_lift_and_views(dense=dense)
        print(f"lift_frame + frame_views:         {r['separate_frames_per_s']:7.1f} frames/s")
        print(f"lift_frame_with_views (shared):   {r['shared_frames_per_s']:7.1f} frames/s")


def main() -> None:
    print(f"geometry throughput: {WIDTH}x{HEIGHT} frames, {OBJECTS} objects, 1 thread, "
          "frames per CPU-second")
    print("== allocator as the process starts")
    lifting_section()
    warm_allocator()
    print("== after one 24 MB array was freed (heap no longer trimmed between frames)")
    lifting_section()
    r = bench_accumulate()
    print(f"== accumulate 30 ellipse frames, 2 cm voxels: {r['seconds'] * 1e3:.0f} ms "
          f"({r['frames_per_s']:.0f} frames/s, {r['input_points']:.0f} points in)")
    rendering_section()


def rendering_section() -> None:
    """Rendering throughput of the synthetic scenes (ray casting), from benchmarks/render.py."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("render_bench", Path(__file__).with_name("render.py"))
    render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render)
    print("== rendering (ray casting with Embree), per scale")
    render.main(["--frames", "4"])


if __name__ == "__main__":
    main()
