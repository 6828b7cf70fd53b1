"""Whether the evidence's measurement error covers the lifted extents' true error.

Usage: PYTHONPATH=src python benchmarks/evidence_calibration.py [--capture handheld]
       [--depth-error 0.05] [--scales tiny,tabletop,indoor,outdoor,drone] [--workers 2]

Per scale, one synthetic scene (seed 0, the demo's scene seed) is perceived with every realistic
error source at the given depth error and lifted as the engine lifts it. Each lifted object seen
whole is matched to the true object most of its pixels fall on (``engine.scene.correspond``), and
each extent its evidence calls measured (the longest side when both horizontal extents are, the
height when the top is) is compared with the true box's. The table counts, per scale, the measured
extents, how many of their true relative errors the evidence's ``error`` covers (|error of the
extent| <= ``Evidence.error``), first without the disagreement between the frame-by-frame and the
fused measures (``evidence.extent_disagreement``) and then with it, how many the 5% size gate would
let through, and how many of those are off by more than 5%.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from spacevista.engine.build.demo import scene_seed
from spacevista.engine.scene.correspond import correspondence
from spacevista.engine.scene.gates import MAX_MEASUREMENT_ERROR
from spacevista.engine.scene.lift import LiftConfig, lift_scene
from spacevista.engine.scene.questions import rng_for
from spacevista.engine.scene.truth import truth_graph
from spacevista.evidence import evidence_of
from spacevista.perception.realistic import RealisticConfig, realistic_scene
from spacevista.synth.generate import generate_scene

SCALES = ("tiny", "tabletop", "indoor", "outdoor", "drone")


def measure(job: tuple[str, str, float]) -> tuple[str, list[tuple[float, float, float]]]:
    """(scale, [(true relative error, claimed error, disagreement) per measured extent])."""
    scale, capture, e = job
    scene = generate_scene(scale, scene_seed(0, scale, 0), n_frames=None if capture == "handheld" else 16,
                           capture=capture)
    seen = realistic_scene(scene, RealisticConfig(depth_error=e), rng_for(0, scene.id, "realistic"))
    graph = lift_scene(seen, LiftConfig())
    truth = truth_graph(scene)
    match = correspondence(graph, seen, scene)
    rows = []
    for o in graph.objects:
        m = match.get(o.id)
        ev = evidence_of(o)
        if not m or not truth.has(m[0]) or not ev.whole:
            continue
        true_box = truth.object(m[0]).box
        if ev.extents[0] and ev.extents[1]:
            rows.append((o.box.longest / true_box.longest - 1.0, ev.error, ev.disagreement))
        if ev.extents[2]:
            rows.append((o.box.height / true_box.height - 1.0, ev.error, ev.disagreement))
    return scale, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--capture", choices=["clip", "handheld"], default="handheld")
    ap.add_argument("--depth-error", type=float, default=0.05)
    ap.add_argument("--scales", default=",".join(SCALES))
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    jobs = [(s, args.capture, args.depth_error) for s in args.scales.split(",")]
    with ProcessPoolExecutor(args.workers) as ex:
        results = list(ex.map(measure, jobs))
    print(f"Measured extents of lifted objects against the truth, {args.capture} capture (seed 0), realistic "
          f"perception at depth error {args.depth_error:.0%}\n")
    print("| scale | measured extents | error covers the truth, without disagreement | error covers the truth "
          "| within the 5% gate | of those off by more than 5% |")
    print("|---|---:|---:|---:|---:|---:|")
    every = []
    for scale, rows in results + [("all", None)]:
        rows = every if rows is None else rows
        if scale != "all":
            every += rows
        if not rows:
            print(f"| {scale} | 0 | - | - | - | - |")
            continue
        actual, claim, dis = (np.array(c) for c in zip(*rows))
        passed = claim <= MAX_MEASUREMENT_ERROR
        print(f"| {scale} | {len(rows)} | {np.sum(np.abs(actual) <= claim - dis)} | {np.sum(np.abs(actual) <= claim)} "
              f"| {passed.sum()} | {np.sum(passed & (np.abs(actual) > MAX_MEASUREMENT_ERROR))} |")


if __name__ == "__main__":
    main()
