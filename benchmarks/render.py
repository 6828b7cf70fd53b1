"""Rendering throughput of the synthetic scene renderer, per scale and resolution.

Prints frames/s and Mrays/s (one ray per pixel) for 320x240 and 640x480, plus the time to
generate a whole 16-frame scene (layout + rendering) at 320x240. Rates are given per CPU second
of this process (stable on a shared machine) and per wall-clock second.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/render.py [--frames 8] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from spacevista.scene import Camera, Scale
from spacevista.synth import cameras as cams
from spacevista.synth.generate import COMPOSERS, generate_scene
from spacevista.synth.render import Renderer

RESOLUTIONS = [(320, 240), (640, 480)]


def measure(scale: Scale, seed: int, n_frames: int) -> list[tuple[str, float, float, float, int]]:
    """(resolution, frames/CPU-s, Mrays/CPU-s, frames/wall-s, triangles) for ``n_frames`` poses."""
    rng = np.random.default_rng([seed, list(Scale).index(scale)])
    comp = COMPOSERS[scale](rng)
    poses = comp.clip(n_frames)
    parts = [(p, 0) for p in comp.background]
    parts += [(p, o.id) for o in comp.layout.objects for p in o.world_parts()]
    renderer = Renderer(parts, comp.lighting)
    rows = []
    for w, h in RESOLUTIONS:
        camera = Camera.from_fov(w, h, cams.HFOV[scale])
        renderer.render(camera, poses[0])  # warm-up (builds the BVH)
        t0, c0 = time.perf_counter(), time.process_time()
        for pose in poses:
            renderer.render(camera, pose)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        fps = len(poses) / cpu
        rows.append((f"{w}x{h}", fps, fps * w * h / 1e6, len(poses) / wall, renderer.n_triangles))
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    print(f"{'scale':<9} {'res':>8} {'frames/cpu-s':>12} {'Mrays/cpu-s':>11} {'frames/wall-s':>13} "
          f"{'triangles':>9} {'scene(16 fr, 320x240) cpu-s / wall-s':>38}")
    for scale in Scale:
        t0, c0 = time.perf_counter(), time.process_time()
        generate_scene(scale, args.seed, n_frames=16, width=320, height=240)
        scene_cpu, scene_wall = time.process_time() - c0, time.perf_counter() - t0
        for i, (res, fps, mrays, wfps, tris) in enumerate(measure(scale, args.seed, args.frames)):
            tail = f"{scene_cpu:28.2f} / {scene_wall:.2f}" if i == 0 else ""
            print(f"{scale.value:<9} {res:>8} {fps:12.1f} {mrays:11.2f} {wfps:13.1f} {tris:9d} {tail}")


if __name__ == "__main__":
    main()
