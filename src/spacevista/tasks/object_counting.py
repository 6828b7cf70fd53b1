"""Object counting: distinct instances of a category over the whole video."""

from __future__ import annotations

import numpy as np

from spacevista.graph import SceneGraph
from spacevista.tasks.base import TASKS, Facts, Question, Task
from spacevista.tasks.wording import count_spread

PER_SCENE = 3


def plural(name: str) -> str:
    if name.endswith(("s", "sh", "ch", "x")):
        return name + "es"
    if name.endswith("y") and name[-2:-1] not in "aeiou":
        return name[:-1] + "ies"
    return name + "s"


@TASKS.register("object_counting")
class ObjectCounting(Task):
    """How many instances of a category appear in the video (identities, not per-frame counts)."""

    name = "object_counting"
    original_type = "COUNTING"
    from_annotation = True
    quantity = "count"
    metric = False

    def propose(self, graph: SceneGraph, rng: np.random.Generator) -> list[Question]:
        cats = sorted(c for c, objs in graph.by_category().items() if len(objs) >= 2)
        if not cats:
            cats = sorted(graph.by_category())
        picked = [cats[int(i)] for i in rng.permutation(len(cats))[:PER_SCENE]]
        return [Question(self.name, self.forms[int(rng.integers(2))], "count",
                         params={"category": c, "semantics": [c]}) for c in picked]

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        objs = [o for o in graph.objects if o.category == q.params["category"] and o.views]
        position = {c.frame: k + 1 for k, c in enumerate(graph.cameras)}
        frames = sorted({position[o.first_frame] for o in objs})
        return Facts(len(objs), {"first_frames": frames, "count": len(objs)})

    def clip_frames(self, q: Question, graph: SceneGraph) -> list[int]:
        """A clip must show every instance counted: the best view of each."""
        objs = [o for o in graph.objects if o.category == q.params["category"] and o.views]
        return [max(o.views, key=lambda f: (o.views[f].pixels, -f)) for o in objs]

    def choices(self, q, facts, graph, rng):
        return count_spread(int(facts.value), rng, 3)

    def extra_slots(self, q: Question, graph: SceneGraph) -> dict:
        c = q.params["category"]
        return {"category": c, "categories": plural(c)}
