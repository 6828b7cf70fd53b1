"""How much of a room the capture closed, against how far its measured floor area is off.

Usage: PYTHONPATH=src python benchmarks/room_coverage.py [--seeds 0,1,2,3] [--realistic-seeds 0,1]
       [--workers 2]

For the indoor scene of each demo seed (``spacevista demo --seed N``'s first indoor scene), lifted as
the engine lifts it, prints the room's ``wall_coverage`` (the share of the floor's outline a seen
wall closes, ``geometry.room.room_extent``) beside its floor area and the true one: the 16-frame clip
and the handheld capture, with oracle perception and with realistic perception at 5% depth error
(the handheld realistic lift takes minutes per scene, so it runs for ``--realistic-seeds`` only).
Room size is asked only at a coverage of ``room_size.room_coverage`` or more.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

from spacevista.engine.build.demo import scene_seed
from spacevista.engine.scene.lift import LiftConfig, lift_scene
from spacevista.engine.scene.questions import rng_for
from spacevista.engine.scene.truth import truth_graph
from spacevista.perception.realistic import RealisticConfig, realistic_scene
from spacevista.synth.generate import generate_scene
from spacevista.tasks.room_size import RoomSize, room_measures


def measure(job: tuple[int, str, str]) -> tuple[int, str, str, float, float, float]:
    """(seed, capture, perception, coverage, lifted floor area, true floor area)."""
    seed, capture, perception = job
    scene = generate_scene("indoor", scene_seed(seed, "indoor", 0), n_frames=16 if capture == "clip" else None,
                           capture=capture)
    seen = scene if perception == "oracle" else \
        realistic_scene(scene, RealisticConfig(depth_error=0.05), rng_for(seed, scene.id, "realistic"))
    graph = lift_scene(seen, LiftConfig())
    area = room_measures(graph)[0] if graph.room else float("nan")
    coverage = (graph.room or {}).get("wall_coverage", float("nan"))
    return seed, capture, perception, float(coverage), float(area), float(room_measures(truth_graph(scene))[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1,2,3")
    ap.add_argument("--realistic-seeds", default="0,1")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s]
    jobs = [(s, c, "oracle") for c in ("clip", "handheld") for s in seeds]
    jobs += [(s, "clip", "realistic") for s in seeds]
    jobs += [(int(s), "handheld", "realistic") for s in args.realistic_seeds.split(",") if s]
    with ProcessPoolExecutor(args.workers) as ex:
        rows = list(ex.map(measure, jobs))
    need = RoomSize.room_coverage
    print(f"Room coverage against floor-area error, first indoor scene of each demo seed (asked at coverage >= {need})\n")
    print("| capture | perception | seed | wall coverage | floor area (m²) | true (m²) | error | asked |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for seed, capture, perception, cov, area, true in rows:
        perc = "oracle" if perception == "oracle" else "realistic 5%"
        print(f"| {capture} | {perc} | {seed} | {cov:.3f} | {area:.1f} | {true:.1f} | {area / true - 1:+.1%} | "
              f"{'yes' if cov >= need else 'no'} |")


if __name__ == "__main__":
    main()
