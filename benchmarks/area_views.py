"""Whether a drone object's area holds its stated interval, by how many views showed it whole.

Usage: PYTHONPATH=src python benchmarks/area_views.py [--seeds 0,1,2,3] [--depth-error 0.05]
       [--workers 2]

Per seed, the demo's drone scene is filmed with the handheld capture, perceived with every
realistic error source at the given depth error and lifted as the engine lifts it. For each lifted
object seen whole at least once and matched to a true object (``engine.scene.correspond``), the
area the task answers (the hull of its points in its box) is compared with the true object's and
with the interval the gates read for it (``gates.answer_interval``: the stated measurement error
both ways, what unseen parts could add above; before the views rule). The table gives, by the
number of views that showed the object whole, how many areas lie inside their interval and the
range of their ratios to the truth; ``area_estimation.CLEAN_VIEWS`` is where the engine draws the
line.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

from spacevista.engine.build.demo import scene_seed
from spacevista.engine.scene.correspond import correspondence, relabel_truth
from spacevista.engine.scene.gates import answer_interval, depth_error_of, mask_error_of
from spacevista.engine.scene.lift import LiftConfig, lift_scene
from spacevista.engine.scene.questions import rng_for
from spacevista.engine.scene.truth import truth_graph
from spacevista.evidence import evidence_of, measure_bounds, spread
from spacevista.perception.realistic import RealisticConfig, realistic_scene
from spacevista.scene import Scale
from spacevista.synth.generate import generate_scene
from spacevista.tasks.area_estimation import CLEAN_VIEWS, AreaEstimation
from spacevista.tasks.base import Question


def one_seed(job: tuple[int, float]) -> list[dict]:
    """Per matched drone object seen whole: clean views, area, true area, interval."""
    seed, error = job
    scene = generate_scene(Scale.DRONE, seed=scene_seed(seed, "drone", 0), n_frames=None, capture="handheld")
    seen = realistic_scene(scene, RealisticConfig(depth_error=error), rng_for(seed, scene.id, "realistic"))
    est = lift_scene(seen, LiftConfig())
    est.metadata.update(depth_error=depth_error_of(seen.metadata), mask_error_px=mask_error_of(seen.metadata))
    exact = relabel_truth(truth_graph(scene, rng_for(seed, scene.id, "truth")), correspondence(est, seen, scene),
                          {o.id for o in est.objects})
    task = AreaEstimation()
    rows = []
    for o in est.objects:
        ev = evidence_of(o)
        if not ev.whole or not exact.has(o.id) or exact.object(o.id).category != o.category:
            continue
        q = Question(task.name, "mc", "footprint", objects=[o.id])
        area, truth = float(task.answer(q, est).value), float(task.answer(q, exact).value)
        unseen = spread(measure_bounds(o, "footprint", with_error=False))
        lo, hi = answer_interval(task, q, est, area, unseen)
        rows.append({"seed": seed, "category": o.category, "clean": ev.clean_views, "error": ev.error,
                     "area": area, "truth": truth, "inside": lo <= truth <= hi})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0,1,2,3")
    ap.add_argument("--depth-error", type=float, default=0.05)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    jobs = [(int(s), args.depth_error) for s in args.seeds.split(",")]
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        rows = [r for part in pool.map(one_seed, jobs) for r in part]
    print("| seed | object | views seen whole | stated error | area / true | inside its interval |")
    print("|---:|---|---:|---:|---:|---|")
    for r in sorted(rows, key=lambda r: (r["seed"], r["clean"])):
        print(f"| {r['seed']} | {r['category']} | {r['clean']} | {r['error']:.3f} | {r['area'] / r['truth']:.2f} | "
              f"{'yes' if r['inside'] else 'no'} |")
    print()
    print("| views seen whole | objects | inside their interval | area / true |")
    print("|---|---:|---:|---|")
    for name, pick in ((f"1 to {CLEAN_VIEWS - 1}", lambda r: r["clean"] < CLEAN_VIEWS),
                       (f"{CLEAN_VIEWS} or more", lambda r: r["clean"] >= CLEAN_VIEWS)):
        part = [r for r in rows if pick(r)]
        ratios = [r["area"] / r["truth"] for r in part]
        span = f"{min(ratios):.2f} to {max(ratios):.2f}" if ratios else "-"
        print(f"| {name} | {len(part)} | {sum(r['inside'] for r in part)} | {span} |")
    print(f"\n(printed by `.venv/bin/python benchmarks/area_views.py --seeds {args.seeds} "
          f"--depth-error {args.depth_error}`)")


if __name__ == "__main__":
    main()
