"""Spatial relation: support, stacking, hanging, adhesion, encircling and plug-in between objects.

Two question kinds, both multiple choice:
- ``pair``: which relation does object A have with object B (ordered: "A rests on B").
- ``placement``: how is object A held in place (hanging / on the floor / on another object /
  inside another object); this is where "hanging" lives, since it needs no partner object.

The predicates are ``spacevista.geometry.relations``; a question is asked only when exactly one
relation holds with a clear margin on the estimated graph and every other clearly fails.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterator

import numpy as np

from spacevista.evidence import evidence_of
from spacevista.geometry import relations as rel
from spacevista.graph import GraphObject, SceneGraph
from spacevista.scene import Scale
from spacevista.tasks.base import TASKS, ChoiceTask, Facts, Question, Unanswerable
from spacevista.tasks.common import askable, shuffled

#: normalised margin a relation must clear (and every other must fail by) to be asked
BORDER = 0.2
#: candidate pairs are objects whose surfaces come this close, relative to the smaller object
NEAR_FRACTION = 0.3

PAIR_TEXT = {
    "support": "{a} rests on top of {b} (support)",
    "stacking": "{a} is stacked on {b}, an object of its own kind (stacking)",
    "adhesion": "{a} touches {b} side by side (adhesion)",
    "encircling": "{a} surrounds {b} (encircling)",
    "plug-in": "{a} is plugged into {b} (plug-in)",
    "none": "{a} and {b} are not in contact",
}
PLACEMENTS = ("hanging", "floor", "on_object", "inside")


def floor_word(scale: Scale) -> str:
    """What the support plane is called at each scale."""
    return {Scale.TINY: "table surface", Scale.TABLETOP: "table surface", Scale.INDOOR: "floor",
            Scale.OUTDOOR: "ground", Scale.DRONE: "ground"}[scale]


def placement_text(label: str, scale: Scale) -> str:
    return {"hanging": "it hangs above the {f} with nothing beneath it (hanging)",
            "floor": "it stands directly on the {f}",
            "on_object": "it rests on top of another object",
            "inside": "it sits inside another object",
            "none": "none of these"}[label].format(f=floor_word(scale))


def _margin(graph: SceneGraph, name: str, a: GraphObject, b: GraphObject) -> float:
    """Margin of predicate ``name`` ("support" or "plug_in") of ``a`` on ``b``, once per graph:
    pair questions and placement questions of every object read the same pairs again."""
    fn = rel.support_margin if name == "support" else rel.plug_in_margin
    return graph.memo(("spatial_relation", name, a.id, b.id), lambda: fn(a.box, a.points, b.box, b.points))


def _distance(a: GraphObject, b: GraphObject) -> float:
    """``closest_distance(a.points, b.points)`` exactly, on the objects' cached KD-trees: the tree is
    built on the larger cloud, as closest_distance does when it builds one itself."""
    if a.points.dtype != np.float64 or b.points.dtype != np.float64:
        return rel.closest_distance(a.points, b.points)
    if len(a.points) > len(b.points):
        return rel.closest_distance(b.points, a.points, tree_b=a.tree)
    return rel.closest_distance(a.points, b.points, tree_b=b.tree)


def _bounds(graph: SceneGraph, o: GraphObject) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (lo (3,), hi (3,)) of an object's points, once per graph."""
    def compute() -> tuple[np.ndarray, np.ndarray]:
        if len(o.points) == 0:
            return np.full(3, np.inf), np.full(3, -np.inf)
        return o.points.min(0), o.points.max(0)

    return graph.memo(("spatial_relation", "bounds", o.id), compute)


def _bounds_gap(graph: SceneGraph, a: GraphObject, b: GraphObject) -> float:
    """Distance between the two clouds' bounds: a lower bound of their closest distance."""
    (alo, ahi), (blo, bhi) = _bounds(graph, a), _bounds(graph, b)
    if not (np.all(np.isfinite(alo)) and np.all(np.isfinite(blo))):
        return 0.0
    return float(np.linalg.norm(np.clip(np.maximum(alo, blo) - np.minimum(ahi, bhi), 0, None)))


def pair_margins(graph: SceneGraph, a: GraphObject, b: GraphObject) -> dict[str, float]:
    def compute() -> dict[str, float]:
        objs = {id(a.box): a, id(b.box): b}
        return rel.pair_margins(a.box, a.points, b.box, b.points, same_kind=a.category == b.category,
                                distance=lambda: _distance(a, b), distance_floor=_bounds_gap(graph, a, b),
                                margin=lambda name, x, y: _margin(graph, name, objs[id(x)], objs[id(y)]))

    return dict(graph.memo(("spatial_relation", "pair", a.id, b.id), compute))


def placement_margins(graph: SceneGraph, a: GraphObject) -> dict[str, float]:
    """Margin of each way ``a`` can be held: hanging, on the floor, on another object, inside one."""
    if graph.floor_z is None:
        raise Unanswerable(f"scene {graph.scene_id}: floor height unknown")
    floor_z = graph.floor_z

    def compute() -> dict[str, float]:
        others = [o for o in graph.objects if o.id != a.id]
        on_obj = max((_margin(graph, "support", a, o) for o in others), default=-1.0)
        inside = max((_margin(graph, "plug_in", a, o) for o in others), default=-1.0)
        # clouds that cannot reach a's footprint grown by the ring hanging looks in change nothing
        ring = 0.25 * float(np.max(a.box.size[:2]))
        near = [o.points for o in others if rel.may_reach_footprint(a.box, *_bounds(graph, o), grow=ring)]
        return {"hanging": rel.hanging(a.box, a.points, floor_z, near).margin,
                "floor": rel.on_floor(a.box, floor_z).margin,
                "on_object": on_obj, "inside": inside}

    return dict(graph.memo(("spatial_relation", "placement", a.id), compute))


def _near(a: GraphObject, b: GraphObject) -> bool:
    """Cheap pre-test on boxes: could the two touch or nest at all?"""
    gap = np.abs(a.box.center - b.box.center) - (a.box.size + b.box.size) / 2 * np.sqrt(2)
    return bool(np.all(gap <= NEAR_FRACTION * min(a.box.longest, b.box.longest)))


@TASKS.register("spatial_relation")
class SpatialRelation(ChoiceTask):
    """Which contact relation links two objects, or how one object is held in place."""

    original_type = "SPATIAL_RELATION"

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        objs = askable(graph)
        pair_qs, place_qs = [], []
        for a in objs:
            for b in objs:
                if a.id == b.id or not _near(a, b):
                    continue
                margins = pair_margins(graph, a, b)
                if rel.classify_pair(margins) == "none":
                    continue
                label = rel.clear_label(margins, BORDER)
                if label is None:
                    self.dropped["relation_border"] += 1
                    continue
                if rel.is_flat(a.box) and label != "encircling":
                    # a flat marking (field, road, key) lifted from its top face alone: contact
                    # relations other than encircling are not judged reliably
                    self.dropped["flat_object"] += 1
                    continue
                pair_qs.append(Question(self.name, "mc", "pair", objects=[a.id, b.id], params={"label": label}))
        if graph.floor_z is not None:
            for a in objs:
                if rel.is_flat(a.box):
                    self.dropped["flat_object"] += 1
                    continue
                margins = placement_margins(graph, a)
                label = rel.clear_label(margins, BORDER)
                if label is None:
                    self.dropped["placement_border"] += 1
                    continue
                place_qs.append(Question(self.name, "mc", "placement", objects=[a.id], params={"label": label}))
        # rarer relations first so that a scene full of "support" still asks about the others
        pair_qs = shuffled(pair_qs, rng)
        place_qs = shuffled(place_qs, rng)
        freq = Counter(q.params["label"] for q in pair_qs)
        pair_qs.sort(key=lambda q: freq[q.params["label"]])
        chosen = _spread(pair_qs, self.per_scene - min(1, len(place_qs)), rng)
        placed = Counter(q.params["label"] for q in place_qs)
        place_qs.sort(key=lambda q: placed[q.params["label"]])
        chosen += _spread(place_qs, self.per_scene - len(chosen), rng)
        yield from chosen

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """Contact relations are read from where objects end: a named object whose bottom the capture
        never showed (a trunk under a crown, a stem inside a vase) may touch what it seems to float
        above, or reach inside what it seems to rest on."""
        return 0.0 if all(evidence_of(graph.object(o)).bottom for o in q.objects) else float("inf")

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        if not all(graph.has(o) for o in q.objects):
            raise Unanswerable("object missing")
        a = graph.object(q.objects[0])
        if q.kind == "pair":
            b = graph.object(q.objects[1])
            margins = pair_margins(graph, a, b)
            label = rel.classify_pair(margins)
            sup = rel.support(a.box, a.points, b.box, b.points).details
            facts = {"len_gap": float(graph.gap(a.id, b.id)),
                     "pct_over": round(100 * sup.get("overlap", 0.0)),
                     "pct_inside": round(100 * rel.inside_fraction(a.box, b.box)),
                     "pct_around": round(100 * rel.encircling(a.box, a.points, b.box, b.points).details["coverage"]),
                     "relation": label}
            return Facts(label, facts)
        margins = placement_margins(graph, a)
        label = max(PLACEMENTS, key=lambda k: margins[k])
        label = label if margins[label] > 0 else "none"
        assert graph.floor_z is not None  # placement_margins raised otherwise
        return Facts(label, {"len_above_floor": float(a.box.bottom - graph.floor_z),
                             "placement": placement_text(label, graph.scale)})

    def choices(self, q, facts, graph, rng):
        if q.kind == "pair":
            margins = pair_margins(graph, graph.object(q.objects[0]), graph.object(q.objects[1]))
            wrong = [k for k in rel.PAIR_RELATIONS if k != facts.value and margins[k] <= -BORDER]
            wrong.append("none")
        else:
            margins = placement_margins(graph, graph.object(q.objects[0]))
            wrong = [k for k in PLACEMENTS if k != facts.value and margins[k] <= -BORDER]
        wrong = [w for w in wrong if w != facts.value]
        return [wrong[int(i)] for i in rng.permutation(len(wrong))[:3]]

    def describe(self, q, option, graph):
        if q.kind == "pair":
            a, b = (graph.object(o).category for o in q.objects)
            return PAIR_TEXT[option].format(a=f"the {a}", b=f"the {b}")
        return placement_text(option, graph.scale)

    def extra_slots(self, q: Question, graph: SceneGraph) -> dict:
        return {"floor": floor_word(graph.scale)}


def _spread(qs: list[Question], k: int, rng: np.random.Generator) -> list[Question]:
    """Up to ``k`` questions, at most one per object, preferring the order given (rarest first)."""
    out: list[Question] = []
    used: set[int] = set()
    for q in qs:
        if len(out) >= k:
            break
        if used & set(q.objects):
            continue
        out.append(q)
        used |= set(q.objects)
    return shuffled(out, rng)
