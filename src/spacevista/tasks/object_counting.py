"""Object counting: distinct instances of a category over the whole video."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.graph import SceneGraph
from spacevista.tasks.base import TASKS, Facts, Question, Task
from spacevista.tasks.common import pick
from spacevista.tasks.wording import count_spread, plural



@TASKS.register("object_counting")
class ObjectCounting(Task):
    """How many instances of a category appear in the video (identities, not per-frame counts)."""

    original_type = "COUNTING"
    from_annotation = True
    quantity = "count"
    metric = False
    per_scene = 3

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        cats = sorted(c for c, objs in graph.by_category().items() if len(objs) >= 2)
        if not cats:
            cats = sorted(graph.by_category())
        for i in rng.permutation(len(cats))[:self.per_scene]:
            c = cats[int(i)]
            yield Question(self.name, pick(self.forms, rng), "count", params={"category": c, "semantics": [c]})

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
