"""Absolute distance: the closest distance between two objects' surfaces."""

from __future__ import annotations

import numpy as np

from spacevista.geometry.distances import closest_upper_bound
from spacevista.graph import GraphObject, SceneGraph
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.common import askable, pairs, sample
from spacevista.tasks.wording import log_spread

PER_SCENE = 4
#: pairs closer than this fraction of the larger object are "touching": not asked numerically
MIN_GAP_FRACTION = 0.25


def closest(graph: SceneGraph, a: int, b: int) -> float:
    """Closest distance between the two objects' surface points (cached on the graph)."""
    if len(graph.object(a).points) == 0 or len(graph.object(b).points) == 0:
        raise Unanswerable("object without points")
    return graph.gap(a, b)


def gap_lower_bound(pa: np.ndarray, pb: np.ndarray) -> float:
    """Distance between the two clouds' axis-aligned bounds: never more than the closest distance."""
    return _bounds_gap((pa.min(0), pa.max(0)), (pb.min(0), pb.max(0)))


def _bounds_gap(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    lo = np.maximum(a[0], b[0])
    hi = np.minimum(a[1], b[1])
    return float(np.linalg.norm(np.clip(lo - hi, 0, None)))


def gap_exceeds(graph: SceneGraph, a: GraphObject, b: GraphObject, threshold: float) -> bool:
    """``closest(graph, a.id, b.id) > threshold``, settled by cheap bounds where they suffice: the
    clouds' bounds give a lower bound of the gap, a few nearest-neighbour queries an upper one.
    Only a pair between the two bounds pays for the exact gap."""
    if _bounds_gap(a.bounds, b.bounds) > threshold:
        return True
    small, big = (a, b) if len(a.points) <= len(b.points) else (b, a)
    if closest_upper_bound(small.points, big.tree) <= threshold:
        return False
    return closest(graph, a.id, b.id) > threshold


@TASKS.register("absolute_distance")
class AbsoluteDistance(Task):
    """Closest distance between the surfaces of two objects (0 when touching)."""

    name = "absolute_distance"
    original_type = "OBJECT_DISTANCE"
    from_annotation = True
    quantity = "length"

    def propose(self, graph: SceneGraph, rng: np.random.Generator) -> list[Question]:
        cands = []
        for a, b in pairs(askable(graph)):
            need = MIN_GAP_FRACTION * max(a.box.longest, b.box.longest)
            if gap_exceeds(graph, a, b, need):
                cands.append((a, b))
        out = []
        for a, b in sample(cands, PER_SCENE, rng):
            if rng.random() < 0.5:
                a, b = b, a
            form = self.forms[int(rng.integers(len(self.forms)))]
            out.append(Question(self.name, form, "closest", objects=[a.id, b.id]))
        return out

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        a, b = q.objects
        if not (graph.has(a) and graph.has(b)):
            raise Unanswerable("object missing")
        d = closest(graph, a, b)
        centre = float(np.linalg.norm(graph.object(a).centroid - graph.object(b).centroid))
        return Facts(d, {"len_value": d, "len_centre": centre})

    def choices(self, q, facts, graph, rng):
        return log_spread(facts.value, rng, 3)
