"""Absolute distance: the closest distance between two objects' surfaces."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.evidence import evidence_of, unseen_facing_gap
from spacevista.graph import SceneGraph
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.common import askable, gap_within, pairs, pick, sample

#: pairs closer than this fraction of the larger object are "touching": not asked numerically
MIN_GAP_FRACTION = 0.25


def closest(graph: SceneGraph, a: int, b: int) -> float:
    """Closest distance between the two objects' surface points (cached on the graph)."""
    if len(graph.object(a).points) == 0 or len(graph.object(b).points) == 0:
        raise Unanswerable("object without points")
    return graph.gap(a, b)


@TASKS.register("absolute_distance")
class AbsoluteDistance(Task):
    """Closest distance between the surfaces of two objects (0 when touching)."""

    original_type = "OBJECT_DISTANCE"
    spread_has_error = True
    from_annotation = True
    evidence = {"*": ""}

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        # the gap's cheap bounds settle most pairs without computing it (common.gap_within)
        apart = [(a, b) for a, b in pairs(askable(graph))
                 if not gap_within(graph, a, b, MIN_GAP_FRACTION * max(a.box.longest, b.box.longest))]
        form = None
        for a, b in sample(apart, self.per_scene, rng):
            if rng.random() < 0.5:
                a, b = b, a
            drawn = pick(self.forms, rng)
            form = form or drawn  # every question in the form of the first: whole rank cycles
            yield Question(self.name, form, "closest", objects=[a.id, b.id])

    def chooses_number(self, q: Question) -> bool:
        return True

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """How far the gap could move, relative to it: shorter where a side of either box that faces
        the other object was never seen (``evidence.unseen_facing_gap``: the surface there may reach
        out to the box), and either way by the two surfaces' position errors (estimated depth and
        masks; 0 for exact input)."""
        a, b = (graph.object(o) for o in q.objects)
        gap = graph.gap(a.id, b.id)
        low = min((x for x in (unseen_facing_gap(a, b), unseen_facing_gap(b, a)) if x is not None), default=gap)
        hidden = 0.0 if low >= gap else (gap / low - 1.0 if low > 0 else float("inf"))
        off = evidence_of(a).position_error + evidence_of(b).position_error
        if off == 0.0:
            return hidden
        return max(hidden, off / gap if gap > 0 else float("inf"))

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        a, b = q.objects
        if not (graph.has(a) and graph.has(b)):
            raise Unanswerable("object missing")
        d = closest(graph, a, b)
        centre = float(np.linalg.norm(graph.object(a).centroid - graph.object(b).centroid))
        return Facts(d, {"len_value": d, "len_centre": centre})

    def choices(self, q, facts, graph, rng):
        return self.numeric_choices(q, facts.value, graph, rng)
