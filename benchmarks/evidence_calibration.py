"""Whether the evidence's intervals hold the lifted objects' true sizes.

Usage: PYTHONPATH=src python benchmarks/evidence_calibration.py [--capture handheld]
       [--depth-error 0.05] [--scales tiny,tabletop,indoor,outdoor,drone] [--workers 2]

Per scale, one synthetic scene (seed 0, the demo's scene seed) is perceived with every realistic
error source at the given depth error and lifted as the engine lifts it. Each lifted object seen
whole is matched to the true object most of its pixels fall on (``engine.scene.correspond``), and
for its longest side and its height the interval the gates read (``evidence.measure_bounds``: the
measurement error both ways, what depth noise may have added, what unseen parts may add) is
compared with the true box's. The table counts, per scale, those sizes, how many intervals hold
the truth, first with the error less the disagreement between the frame-by-frame and the fused
measures (``evidence.extent_disagreement``) and then as the engine states it, how many sizes the
object-size gates would let a question ask (measurement error and unseen spread both within 5%),
and how many of those are off by more than 5%.

A second table gives the gaps between the surfaces of two objects seen whole (the closest distance
between their points, which absolute distance, existence and contact read), against the true gaps,
for pairs whose true gap exceeds 5% of the larger object: the scene is lifted once with the raw
points and once as the engine lifts it, each object's frames aligned to one surface and its points
averaged with their neighbours (``geometry.surface``, ``LiftConfig.smooth_k``; 0 turns both off).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from spacevista.engine.build.demo import scene_seed
from spacevista.engine.scene.correspond import correspondence
from spacevista.engine.scene.gates import MAX_MEASUREMENT_ERROR, MAX_UNSEEN_SPREAD
from spacevista.engine.scene.lift import LiftConfig, lift_scene
from spacevista.engine.scene.questions import rng_for
from spacevista.engine.scene.truth import truth_graph
from spacevista.evidence import evidence_of, measure_bounds, spread
from spacevista.perception.realistic import RealisticConfig, realistic_scene
from spacevista.synth.generate import generate_scene

SCALES = ("tiny", "tabletop", "indoor", "outdoor", "drone")


def _lifted(seen, scene, truth, smooth_k: int):
    graph = lift_scene(seen, LiftConfig(smooth_k=smooth_k))
    match = correspondence(graph, seen, scene)
    whole = {o.id: match[o.id][0] for o in graph.objects
             if match.get(o.id) and truth.has(match[o.id][0]) and evidence_of(o).whole}
    return graph, whole


def _gaps(graph, whole: dict[int, int], truth) -> dict[tuple[int, int], float]:
    """True object pair -> lifted gap over true gap, less 1, for pairs apart by 5% of the larger."""
    out = {}
    for a, b in itertools.combinations(sorted(whole), 2):
        ta, tb = sorted((whole[a], whole[b]))
        true_gap = truth.gap(ta, tb)
        if ta != tb and true_gap > 0.05 * max(truth.object(ta).box.longest, truth.object(tb).box.longest):
            out[ta, tb] = graph.gap(a, b) / true_gap - 1.0
    return out


Sizes = list[tuple[bool, bool, bool, bool]]


def measure(job: tuple[str, str, float]) -> tuple[str, Sizes, list[tuple[float, float]]]:
    """(scale, [(interval holds the truth without the disagreement, interval holds it, asked, off by
    more than 5%) per size of an object seen whole], [(raw, smoothed) relative gap error per pair])."""
    scale, capture, e = job
    scene = generate_scene(scale, scene_seed(0, scale, 0), n_frames=None if capture == "handheld" else 16,
                           capture=capture)
    seen = realistic_scene(scene, RealisticConfig(depth_error=e), rng_for(0, scene.id, "realistic"))
    truth = truth_graph(scene)
    graph, whole = _lifted(seen, scene, truth, LiftConfig().smooth_k)
    raw_graph, raw_whole = _lifted(seen, scene, truth, 0)
    rows = []
    for oid, tid in whole.items():
        o, ev, true_obj = graph.object(oid), evidence_of(graph.object(oid)), truth.object(tid)
        without = dataclasses.replace(o, attributes={
            **o.attributes, "evidence": dataclasses.replace(ev, error=ev.error - ev.disagreement)})
        for kind in ("longest", "height"):
            value = float(measure_bounds(true_obj, kind, with_error=False)[0])
            holds = [lo <= value <= hi for lo, hi in (measure_bounds(x, kind) for x in (without, o))]
            asked = ev.error <= MAX_MEASUREMENT_ERROR and spread(measure_bounds(o, kind, with_error=False)) \
                <= MAX_UNSEEN_SPREAD
            lifted = measure_bounds(o, kind, with_error=False)[0]
            rows.append((holds[0], holds[1], asked, abs(lifted / value - 1.0) > MAX_MEASUREMENT_ERROR))
    smoothed, raw = _gaps(graph, whole, truth), _gaps(raw_graph, raw_whole, truth)
    gaps = [(raw[k], smoothed[k]) for k in sorted(set(raw) & set(smoothed))]
    return scale, rows, gaps


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
    print(f"Intervals of lifted objects' sizes against the truth, {args.capture} capture (seed 0), realistic "
          f"perception at depth error {args.depth_error:.0%}\n")
    print("| scale | sizes of objects seen whole | interval holds the truth, without the disagreement "
          "| interval holds the truth | asked (within the 5% gates) | of those off by more than 5% |")
    print("|---|---:|---:|---:|---:|---:|")
    every = []
    for scale, rows, _ in results + [("all", None, None)]:
        rows = every if rows is None else rows
        if scale != "all":
            every += rows
        if not rows:
            print(f"| {scale} | 0 | - | - | - | - |")
            continue
        without, holds, asked, off = (np.array(c, dtype=bool) for c in zip(*rows))
        print(f"| {scale} | {len(rows)} | {without.sum()} | {holds.sum()} | {asked.sum()} | {(asked & off).sum()} |")
    print("\nGaps between objects seen whole against the true gaps (relative error; raw points -> frames aligned, "
          "surfaces averaged)\n")
    print("| scale | pairs | median error | median absolute error | within 5% | within 10% |")
    print("|---|---:|---:|---:|---:|---:|")
    pairs = []
    for scale, _, gaps in results + [("all", None, None)]:
        gaps = pairs if gaps is None else gaps
        if scale != "all":
            pairs += gaps
        if not gaps:
            print(f"| {scale} | 0 | - | - | - | - |")
            continue
        raw, smooth = (np.array(c) for c in zip(*gaps))
        cells = [f"{np.median(raw):+.1%} -> {np.median(smooth):+.1%}",
                 f"{np.median(np.abs(raw)):.1%} -> {np.median(np.abs(smooth)):.1%}"]
        cells += [f"{np.mean(np.abs(raw) <= t):.0%} -> {np.mean(np.abs(smooth) <= t):.0%}" for t in (0.05, 0.10)]
        print(f"| {scale} | {len(gaps)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
