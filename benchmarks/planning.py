"""Time of the planning and tabletop location tasks on synthetic scenes, one CPU thread.

Run: ``.venv/bin/python benchmarks/planning.py [scenes_per_scale]``. For every scale a task
applies to, it lifts a few synthetic scenes (oracle perception), then prints

* ``plan ms``: one RRT-Connect search plus shortcutting (``geometry.rrt.plan``) for each asked
  question, re-run on the estimated graph with the question's seed (mean and max, CPU time of this
  process, so that other work on a shared machine does not inflate it);
* ``item ms``: CPU time of ``generate_qa`` for that task (propose with its planning and distractor
  checks, both answers, wording) divided by the number of records it wrote;
* ``acc``: the mean engine score of those records against the exact graph.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from spacevista.engine.build.demo import scene_seed  # noqa: E402
from spacevista.engine.scene.questions import generate_qa, rng_for  # noqa: E402
from spacevista.engine.scene.lift import lift_scene  # noqa: E402
from spacevista.engine.scene.truth import truth_graph  # noqa: E402
from spacevista.geometry.rrt import plan  # noqa: E402
from spacevista.scene import Scale  # noqa: E402
from spacevista.synth.generate import generate_scene  # noqa: E402
from spacevista.tasks import manipulation_planning as mp  # noqa: E402
from spacevista.tasks import route_planning as rp  # noqa: E402
from spacevista.tasks.base import TASKS  # noqa: E402

TASK_NAMES = ["route_planning", "navigation", "manipulation_planning", "obstacles_location",
              "destination_location", "object_location"]


def plan_times(task, graph, seed: int) -> list[float]:
    """Seconds of one planner call per question the task asks on ``graph``."""
    out = []
    for q in task.propose(graph, rng_for(seed, graph.scene_id, task.name)):
        if isinstance(task, rp.GroundRoute):
            su = rp.setup(graph, *q.objects)
            start, goal, space = su.start, su.goal, su.planning
        elif isinstance(task, mp.ManipulationPlanning):
            su = mp.setup(graph, q)
            up = np.array([0.0, 0.0, (mp.MARGIN + mp.LIFT) * su.half[2] + 1.5 * su.clear])
            start, goal, space = su.start + up, su.goal + up, su.planning
        else:
            continue
        t = time.process_time()
        plan(space, start, goal, np.random.default_rng(q.params["seed"]))
        out.append(time.process_time() - t)
    return out


def main(scenes: int = 3, seed: int = 0) -> None:
    rows = []
    for scale in Scale:
        names = [n for n in TASK_NAMES if scale in TASKS.get(n).scales]
        if not names:
            continue
        graphs = []
        for k in range(scenes):
            scene = generate_scene(scale, seed=scene_seed(seed, scale.value, k), n_frames=16, width=320, height=240)
            graphs.append((lift_scene(scene), truth_graph(scene, rng_for(seed, scene.id, "truth"))))
        for name in names:
            plans: list[float] = []
            items, wall, scores = 0, 0.0, []
            for est, exact in graphs:
                plans += plan_times(TASKS.get(name)(), est, seed)
                t = time.process_time()
                res = generate_qa(est, exact, seed, [name])
                wall += time.process_time() - t
                items += len(res.records)
                scores += [r.engine_score for r in res.records]
            rows.append((name, scale.value, len(plans), 1e3 * np.mean(plans) if plans else float("nan"),
                         1e3 * max(plans) if plans else float("nan"), items,
                         1e3 * wall / items if items else float("nan"), np.mean(scores) if scores else float("nan")))
    print(f"{'task':24s} {'scale':9s} {'plans':>5s} {'plan ms':>8s} {'max ms':>7s} {'items':>5s} "
          f"{'item ms':>8s} {'acc':>6s}")
    for r in rows:
        print(f"{r[0]:24s} {r[1]:9s} {r[2]:5d} {r[3]:8.1f} {r[4]:7.1f} {r[5]:5d} {r[6]:8.1f} {r[7]:6.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
