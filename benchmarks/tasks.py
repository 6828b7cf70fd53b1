"""QA items generated per CPU-second from lifted scenes, per task; planning tasks apart.

Lifting and the exact graph are built once per scene (not timed); then ``generate_qa`` runs for
each task over several seeds on one core, each time on a fresh copy of the two graphs (unpickled,
not timed) so that what one run caches on a graph (KD-trees, gaps, predicate margins) does not
speed up the next: every timed call pays what a newly lifted scene would. One untimed call over
all tasks first imports everything the tasks load lazily, so no task pays for imports. Time is
CPU time of this process (``time.process_time``), not wall time, so the figures hold on a shared, loaded machine; with
``OMP_NUM_THREADS=1`` one CPU-second is one core-second. Run: ``.venv/bin/python benchmarks/tasks.py``.
"""

from __future__ import annotations

import os
import pickle
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from spacevista.engine.scene.questions import generate_qa  # noqa: E402
from spacevista.engine.scene.lift import lift_scene  # noqa: E402
from spacevista.engine.scene.truth import truth_graph  # noqa: E402
from spacevista.scene import Scale  # noqa: E402
from spacevista.synth.generate import generate_scene  # noqa: E402
from spacevista.tasks.base import TASKS  # noqa: E402

PLANNING = {"route_planning", "navigation", "manipulation_planning", "obstacles_location"}
SEEDS = 6


def main() -> None:
    graphs = []
    for scale in Scale:
        scene = generate_scene(scale, seed=11, n_frames=12, width=240, height=180)
        graphs.append(pickle.dumps((lift_scene(scene), truth_graph(scene))))
    generate_qa(*pickle.loads(graphs[0]), 0)  # warm-up: lazy imports, template loading
    rows = []
    for name in TASKS.names():
        n, t = 0, 0.0
        for blob in graphs:
            for seed in range(SEEDS):
                est, exact = pickle.loads(blob)
                t0 = time.process_time()
                n += len(generate_qa(est, exact, seed, [name]).records)
                t += time.process_time() - t0
        rows.append((name, n, t))
    print(f"{'task':24s} {'items':>6s} {'cpu_s':>8s} {'items/s':>9s}")
    for group, keep in (("non-planning", lambda r: r[0] not in PLANNING), ("planning", lambda r: r[0] in PLANNING)):
        sel = [r for r in rows if keep(r)]
        for name, n, t in sel:
            print(f"{name:24s} {n:6d} {t:8.2f} {n / t if t else 0:9.1f}")
        n, t = sum(r[1] for r in sel), sum(r[2] for r in sel)
        print(f"{'= ' + group:24s} {n:6d} {t:8.2f} {n / t if t else 0:9.1f}")
    n, t = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"all tasks: {n / t:.1f} items per CPU-second on one core (exact answers and self-scores included)")


if __name__ == "__main__":
    main()
