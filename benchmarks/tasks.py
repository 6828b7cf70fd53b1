"""QA items generated per second per core from lifted scenes, per task; planning tasks apart.

Lifting and the exact graph are built once per scene (not timed); then ``generate_qa`` runs for
each task over several seeds on one core. Run: ``python benchmarks/tasks.py``.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from spacevista.engine.generate import generate_qa  # noqa: E402
from spacevista.engine.lift import lift_scene  # noqa: E402
from spacevista.engine.truth import truth_graph  # noqa: E402
from spacevista.scene import Scale  # noqa: E402
from spacevista.synth.generate import generate_scene  # noqa: E402
from spacevista.tasks.base import TASKS  # noqa: E402

PLANNING = {"route_planning", "navigation", "manipulation_planning", "obstacles_location"}
SEEDS = 6


def main() -> None:
    graphs = []
    for scale in Scale:
        scene = generate_scene(scale, seed=11, n_frames=12, width=240, height=180)
        graphs.append((lift_scene(scene), truth_graph(scene)))
    rows = []
    for name in TASKS.names():
        n, t = 0, 0.0
        for est, exact in graphs:
            for seed in range(SEEDS):
                t0 = time.perf_counter()
                n += len(generate_qa(est, exact, seed, [name]).records)
                t += time.perf_counter() - t0
        rows.append((name, n, t))
    print(f"{'task':24s} {'items':>6s} {'seconds':>8s} {'items/s':>9s}")
    for group, keep in (("non-planning", lambda r: r[0] not in PLANNING), ("planning", lambda r: r[0] in PLANNING)):
        sel = [r for r in rows if keep(r)]
        for name, n, t in sel:
            print(f"{name:24s} {n:6d} {t:8.2f} {n / t if t else 0:9.1f}")
        n, t = sum(r[1] for r in sel), sum(r[2] for r in sel)
        print(f"{'= ' + group:24s} {n:6d} {t:8.2f} {n / t if t else 0:9.1f}")
    n, t = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"all tasks: {n / t:.1f} items/s on one core (exact answers and self-scores included)")


if __name__ == "__main__":
    main()
