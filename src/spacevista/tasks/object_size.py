"""Object size: the longest dimension of an object's 3D box (also height and width)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.evidence import MEASURES, evidence_of, measure_bounds, spread
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
            if kind == "height" and (is_flat(obj.box) or evidence_of(obj).thin):
                # a flat marking is lifted from its top face: its height is not measured (and
                # may round to nothing; on estimated depth, a thin object's is the ground's noise),
                # so its longest side is asked instead
                kind = "longest"
            drawn = pick(self.forms, rng)
            form = form or drawn  # every question in the form of the first: whole rank cycles
            yield Question(self.name, form, kind, objects=[obj.id])

    def chooses_number(self, q: Question) -> bool:
        return True

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        return spread(measure_bounds(graph.object(q.objects[0]), q.kind, with_error=False))

    def measured_floor(self, q: Question, graph: SceneGraph) -> float:
        """The measure with the height lowered by what the ground left open, over the measure: a
        thin object's height is the ground's depth noise (on a drone capture at 5% depth, roads
        0.1 m tall came out 5 to 8 m), and a box run down below the ground seen around it
        (``Evidence.base_offset``) may be that much too tall."""
        o = graph.object(q.objects[0])
        ev = evidence_of(o)
        if not ev.thin and ev.base_offset <= 0:
            return 1.0
        size = np.asarray(o.box.size, dtype=np.float64)
        low = size.copy()
        low[2] = 0.0 if ev.thin else max(size[2] - ev.base_offset, 0.0)
        f = MEASURES[q.kind]
        return f(low) / f(size) if f(size) > 0 else 0.0

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
