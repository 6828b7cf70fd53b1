"""Whether an object's measured extents hold their stated intervals, by how many views showed it whole.

Usage: PYTHONPATH=src python benchmarks/whole_views.py [--scales drone,outdoor] [--seeds 0,1,2,3]
       [--depth-error 0.05] [--workers 2] [--rows]

Per scale and seed, the demo's scene is filmed with the handheld capture, perceived with every
realistic error source at the given depth error and lifted as the engine lifts it. For each lifted
object seen whole at least once and matched to a true object of its category
(``engine.scene.correspond``), every extent the gates would let a choice ask but for the views rule
(object size: longest side, width, height; area on drone scenes; ``gates.choice_refusal``) is
compared with the truth and with the interval the gates read for it (``gates.answer_interval``).
The table gives, by the number of views that showed the object whole, how many of those extents lie
inside their interval, the range of their ratios to the truth and the ones outside;
``gates.CLEAN_VIEWS`` is where the engine draws the line on estimated masks.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

from spacevista.engine.build.demo import scene_seed
from spacevista.engine.scene.correspond import correspondence, relabel_truth
from spacevista.engine.scene.gates import CLEAN_VIEWS, answer_interval, choice_refusal, depth_error_of, mask_error_of
from spacevista.engine.scene.lift import LiftConfig, lift_scene
from spacevista.engine.scene.questions import rng_for
from spacevista.engine.scene.truth import truth_graph
from spacevista.evidence import evidence_of
from spacevista.perception.realistic import RealisticConfig, realistic_scene
from spacevista.scene import Scale
from spacevista.synth.generate import generate_scene
from spacevista.tasks.area_estimation import AreaEstimation
from spacevista.tasks.base import Question
from spacevista.tasks.object_size import ObjectSize


def one_scene(job: tuple[str, int, float]) -> list[dict]:
    """Per extent of a matched object seen whole that a choice could ask: views, value, truth, interval."""
    scale, seed, error = job
    scene = generate_scene(Scale(scale), seed=scene_seed(seed, scale, 0), n_frames=None, capture="handheld")
    seen = realistic_scene(scene, RealisticConfig(depth_error=error), rng_for(seed, scene.id, "realistic"))
    est = lift_scene(seen, LiftConfig())
    est.metadata.update(depth_error=depth_error_of(seen.metadata), mask_error_px=mask_error_of(seen.metadata))
    exact = relabel_truth(truth_graph(scene, rng_for(seed, scene.id, "truth")), correspondence(est, seen, scene),
                          {o.id for o in est.objects})
    asks = [(ObjectSize(), kind) for kind in ("longest", "width", "height")]
    if Scale(scale) == Scale.DRONE:
        asks.append((AreaEstimation(), "footprint"))
    rows = []
    for o in est.objects:
        ev = evidence_of(o)
        if not ev.whole or not exact.has(o.id) or exact.object(o.id).category != o.category:
            continue
        for task, kind in asks:
            q = Question(task.name, "mc", kind, objects=[o.id])
            spread_ = task.unseen_spread(q, est)
            if choice_refusal(task, q, est, spread_) is not None:
                continue
            value, truth = float(task.answer(q, est).value), float(task.answer(q, exact).value)
            lo, hi = answer_interval(task, q, est, value, spread_)
            rows.append({"scale": scale, "seed": seed, "category": o.category, "measure": kind,
                         "clean": ev.clean_views, "ratio": value / truth, "inside": lo <= truth <= hi})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="drone,outdoor")
    ap.add_argument("--seeds", default="0,1,2,3")
    ap.add_argument("--depth-error", type=float, default=0.05)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rows", action="store_true", help="also print every extent compared")
    args = ap.parse_args()
    jobs = [(scale, int(s), args.depth_error) for scale in args.scales.split(",") for s in args.seeds.split(",")]
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        rows = [r for part in pool.map(one_scene, jobs) for r in part]
    if args.rows:
        print("| scale | seed | object | measure | views seen whole | measured / true | inside its interval |")
        print("|---|---:|---|---|---:|---:|---|")
        for r in sorted(rows, key=lambda r: (r["scale"], r["seed"], r["clean"], r["category"], r["measure"])):
            print(f"| {r['scale']} | {r['seed']} | {r['category']} | {r['measure']} | {r['clean']} | "
                  f"{r['ratio']:.2f} | {'yes' if r['inside'] else 'no'} |")
        print()
    print("| views seen whole | extents | inside their interval | measured / true | outside (scale seed object measure: measured / true) |")
    print("|---|---:|---:|---|---|")
    for name, pick in ((f"1 to {CLEAN_VIEWS - 1}", lambda r: r["clean"] < CLEAN_VIEWS),
                       (f"{CLEAN_VIEWS} or more", lambda r: r["clean"] >= CLEAN_VIEWS)):
        part = [r for r in rows if pick(r)]
        ratios = [r["ratio"] for r in part]
        span = f"{min(ratios):.2f} to {max(ratios):.2f}" if ratios else "-"
        outside = "; ".join(f"{r['scale']} {r['seed']} {r['category']} {r['measure']}: {r['ratio']:.2f}"
                            for r in sorted(part, key=lambda r: (r["scale"], r["seed"], r["category"], r["measure"]))
                            if not r["inside"]) or "-"
        print(f"| {name} | {len(part)} | {sum(r['inside'] for r in part)} | {span} | {outside} |")
    print(f"\n(printed by `.venv/bin/python benchmarks/whole_views.py --scales {args.scales} --seeds {args.seeds} "
          f"--depth-error {args.depth_error}`)")


if __name__ == "__main__":
    main()
