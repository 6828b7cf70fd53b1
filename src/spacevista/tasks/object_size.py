"""Object size: the longest dimension of an object's 3D box (also height and width)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.evidence import measure_bounds, spread
from spacevista.geometry.relations import is_flat
from spacevista.graph import SceneGraph
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.common import askable, pick, sample

KINDS = ("longest", "longest", "height", "width")  # longest asked half the time


@TASKS.register("object_size")
class ObjectSize(Task):
    """Longest dimension (or height / width) of one object, from its upright 3D box."""

    original_type = "LENGTH"
    from_annotation = True
    evidence = {"*": ""}
    measures_extent = True

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        form = None
        for obj in sample(askable(graph, min_views=2), self.per_scene, rng):
            kind = pick(KINDS, rng)
            if kind == "height" and is_flat(obj.box):
                # a flat marking is lifted from its top face: its height is not measured (and
                # may round to nothing), so its longest side is asked instead
                kind = "longest"
            drawn = pick(self.forms, rng)
            form = form or drawn  # every question in the form of the first: whole rank cycles
            yield Question(self.name, form, kind, objects=[obj.id])

    def chooses_number(self, q: Question) -> bool:
        return True

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        return spread(measure_bounds(graph.object(q.objects[0]), q.kind, with_error=False))

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        if not graph.has(q.objects[0]):
            raise Unanswerable(f"object {q.objects[0]} not in graph")
        box = graph.object(q.objects[0]).box
        value = {"longest": box.longest, "height": box.height, "width": box.width}[q.kind]
        o = graph.object(q.objects[0])
        return Facts(value, {"len_x": float(box.size[0]), "len_y": float(box.size[1]),
                             "len_z": float(box.size[2]), "len_value": value, "n_frames": len(o.views)})

    def choices(self, q, facts, graph, rng):
        return self.numeric_choices(q, facts.value, graph, rng)
