"""Object size: the longest dimension of an object's 3D box (also height and width)."""

from __future__ import annotations

import numpy as np

from spacevista.graph import SceneGraph
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.common import askable, sample
from spacevista.tasks.wording import log_spread

PER_SCENE = 4


@TASKS.register("object_size")
class ObjectSize(Task):
    """Longest dimension (or height / width) of one object, from its upright 3D box."""

    name = "object_size"
    original_type = "LENGTH"
    from_annotation = True
    quantity = "length"

    def propose(self, graph: SceneGraph, rng: np.random.Generator) -> list[Question]:
        out = []
        for obj in sample(askable(graph, min_views=2), PER_SCENE, rng):
            kind = ["longest", "longest", "height", "width"][int(rng.integers(4))]
            form = self.forms[int(rng.integers(len(self.forms)))]
            out.append(Question(self.name, form, kind, objects=[obj.id]))
        return out

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        if not graph.has(q.objects[0]):
            raise Unanswerable(f"object {q.objects[0]} not in graph")
        box = graph.object(q.objects[0]).box
        value = {"longest": box.longest, "height": box.height, "width": box.width}[q.kind]
        o = graph.object(q.objects[0])
        return Facts(value, {"len_x": float(box.size[0]), "len_y": float(box.size[1]),
                             "len_z": float(box.size[2]), "len_value": value, "n_frames": len(o.views)})

    def choices(self, q, facts, graph, rng):
        return log_spread(facts.value, rng, 3)
