"""How each source of realistic perception error moves the lifted boxes, one source at a time.

Usage: PYTHONPATH=src python benchmarks/lifting_errors.py [--scale indoor] [--capture handheld]
       [--depth-error 0.05] [--workers 2]

One synthetic scene (seed 0, the demo's scene seed) is perceived with one error source of the
realistic model switched on at a time (docs/perception.md: the depth model's per-frame scale, warp,
far bias and noise together; flying pixels; mask boundary errors; the tracker's misses, fragments
and identity switches), then with all of them, and lifted as the engine lifts it. Each lifted object
is matched to the true object most of its pixels fall on (``engine.scene.correspond``) and its box
compared with the true box: per object the largest |log| ratio of the three extents, and the
distance between the centres over the true box's longest side. The table gives their medians, the
90th percentile of the extent error and the share of objects whose three extents are all within 10%.
Depth settings state their error in the scene, so that depth alignment runs as on a depth model.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from spacevista.engine.build.demo import scene_seed
from spacevista.engine.scene.correspond import correspondence
from spacevista.engine.scene.lift import LiftConfig, lift_scene
from spacevista.engine.scene.questions import rng_for
from spacevista.engine.scene.truth import truth_graph
from spacevista.perception.realistic import RealisticConfig, realistic_scene
from spacevista.synth.generate import generate_scene


def settings(e: float) -> dict[str, RealisticConfig | None]:
    """The error sources at depth error ``e``, one at a time, then all of them."""
    return {
        "exact": None,
        "depth model (scale, warp, far bias, noise)": RealisticConfig.all_off(
            scale_sigma=e, warp_amplitude=e / 2, far_bias=e / 2, noise_far=e / 5),
        "flying pixels": RealisticConfig.all_off(flying_rate=0.5, flying_jump=0.1),
        "mask boundaries": RealisticConfig.all_off(mask_boundary_px=2, mask_jitter=0.5),
        "tracker (misses, fragments, switches)": RealisticConfig.all_off(
            miss_rate=0.02, miss_small=0.5, fragment_rate=0.03, id_switch_rate=0.01),
        "all": RealisticConfig(depth_error=e),
    }


_SCENES: dict = {}


def _scene(scale: str, capture: str):
    """The rendered scene, once per worker process (rendering a long capture takes a minute)."""
    key = (scale, capture)
    if key not in _SCENES:
        _SCENES[key] = generate_scene(scale, scene_seed(0, scale, 0),
                                      n_frames=None if capture == "handheld" else 16, capture=capture)
    return _SCENES[key]


def measure(job: tuple[str, str, str, float]) -> tuple[str, list[float], list[float], int, float]:
    name, scale, capture, e = job
    scene = _scene(scale, capture)
    cfg = settings(e)[name]
    seen = scene if cfg is None else realistic_scene(scene, cfg, rng_for(0, scene.id, "realistic"))
    if cfg is not None and name.startswith("depth"):
        # a depth model's stated error: alignment across frames runs, as on real model depth
        perception = {**(seen.metadata.get("perception") or {}), "mode": "realistic", "depth_error": e}
        seen = dataclasses.replace(seen, metadata={**seen.metadata, "perception": perception})
    t0 = time.process_time()
    graph = lift_scene(seen, LiftConfig())
    cpu = time.process_time() - t0
    truth = truth_graph(scene)
    match = correspondence(graph, seen, scene) if cfg is not None else {o.id: (o.id,) for o in graph.objects}
    size_err, centre_err = [], []
    for o in graph.objects:
        m = match.get(o.id)
        if not m or not truth.has(m[0]):
            continue
        tb = truth.object(m[0]).box
        size_err.append(float(np.max(np.abs(np.log(np.maximum(o.box.size, 1e-6) / np.maximum(tb.size, 1e-6))))))
        centre_err.append(float(np.linalg.norm(o.box.center - tb.center) / max(float(np.max(tb.size)), 1e-6)))
    return name, size_err, centre_err, len(seen.frames), cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="indoor")
    ap.add_argument("--capture", choices=["clip", "handheld"], default="handheld")
    ap.add_argument("--depth-error", type=float, default=0.05)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    jobs = [(name, args.scale, args.capture, args.depth_error) for name in settings(args.depth_error)]
    with ProcessPoolExecutor(args.workers) as ex:
        rows = list(ex.map(measure, jobs))
    print(f"Lifted boxes against the truth, {args.scale} {args.capture} capture (seed 0, {rows[0][3]} frames), "
          f"depth error {args.depth_error:.0%}, one error source at a time\n")
    print("| perception | objects | extent error, median | extent error, p90 | all extents within 10% "
          "| centre offset / size, median | lifting CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, size_err, centre_err, _, cpu in rows:
        s, c = np.exp(np.array(size_err)) - 1, np.array(centre_err)
        print(f"| {name} | {len(s)} | {np.median(s):.0%} | {np.quantile(s, 0.9):.0%} | {np.mean(s <= 0.1):.0%} "
              f"| {np.median(c):.2f} | {cpu:.0f} |")


if __name__ == "__main__":
    main()
