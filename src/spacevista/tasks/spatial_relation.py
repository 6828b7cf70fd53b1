"""Spatial relation: support, stacking, hanging, adhesion, encircling and plug-in between objects.

Two question kinds, both multiple choice:
- ``pair``: which relation does object A have with object B (ordered: "A rests on B").
- ``placement``: how is object A held in place (hanging / on the floor / on another object /
  inside another object); this is where "hanging" lives, since it needs no partner object.

The predicates are ``spacevista.geometry.relations``; a question is asked only when exactly one
relation holds with a clear margin on the estimated graph and every other clearly fails, or (a
pair "not in contact") when every relation clearly fails both ways.

A scene's questions come in rounds of one kind whose answers differ and whose objects share a
category; the round's labels are the options of each of its questions (``balance.Rounds``).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.evidence import evidence_of
from spacevista.geometry import relations as rel
from spacevista.graph import GraphObject, SceneGraph
from spacevista.scene import Scale
from spacevista.tasks.base import TASKS, ChoiceTask, Facts, Question, Unanswerable
from spacevista.tasks.balance import Rounds
from spacevista.tasks.common import askable, shuffled

#: normalised margin a relation must clear (and every other must fail by) to be asked
BORDER = 0.2
#: candidate pairs are objects whose surfaces come this close, relative to the smaller object
NEAR_FRACTION = 0.3

#: option text of a pair relation; the question names A first and B second. Options do not
#: repeat the names, so an option's text is the same in every question (no text that recurs with
#: one pair of categories across scenes can give the answer away)
PAIR_TEXT = {
    "support": "the first rests on top of the second (support)",
    "stacking": "the first is stacked on the second, an object of its own kind (stacking)",
    "adhesion": "the two touch side by side (adhesion)",
    "encircling": "the first surrounds the second (encircling)",
    "plug-in": "the first is plugged into the second (plug-in)",
    "none": "the two are not in contact",
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


def _clearly_apart(graph: SceneGraph, a: GraphObject, b: GraphObject) -> bool:
    """Every relation fails by ``BORDER`` both ways, and neither is a flat marking (whose contacts
    are not judged reliably): "not in contact" can be asked."""
    if rel.is_flat(a.box) or rel.is_flat(b.box):
        return False
    return all(m <= -BORDER for x, y in ((a, b), (b, a)) for m in pair_margins(graph, x, y).values())


def _near(a: GraphObject, b: GraphObject) -> bool:
    """Cheap pre-test on boxes: could the two touch or nest at all?"""
    gap = np.abs(a.box.center - b.box.center) - (a.box.size + b.box.size) / 2 * np.sqrt(2)
    return bool(np.all(gap <= NEAR_FRACTION * min(a.box.longest, b.box.longest)))


#: share of a's footprint over a third object whose box holds a's base that makes "a rests on b"
#: uncertain: a may rest on that object instead
SUNK_OVERLAP = 0.3


def sunk_into_another(graph: SceneGraph, a: GraphObject, b: GraphObject) -> bool:
    """Whether ``a``'s base lies inside the box of an object other than ``b`` over a good part of
    its footprint (``SUNK_OVERLAP``): on estimated depth a mug resting on the upper of two books
    came out low, sunk through that book to the lower book's top, and read as resting on the
    lower one (handheld seed 1, 5% depth). Which one it rests on is then not determined."""
    area = rel.box_footprint_area(a.box)
    for c in graph.objects:
        if c.id in (a.id, b.id) or not (c.box.bottom < a.box.bottom < c.box.top):
            continue
        if area > 0 and rel.footprint_overlap(a.box, c.box) / area > SUNK_OVERLAP:
            return True
    return False


@TASKS.register("spatial_relation")
class SpatialRelation(ChoiceTask):
    """Which contact relation links two objects, or how one object is held in place."""

    original_type = "SPATIAL_RELATION"

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        objs = askable(graph)
        pools = {"pair": self._pair_pool(graph, objs), "placement": self._placement_pool(graph, objs)}

        def alike(q1: Question, q2: Question) -> float:
            """Categories two questions share."""
            cats = [{graph.object(o).category for o in q.objects} for q in (q1, q2)]
            return len(cats[0] & cats[1])

        # Questions come in rounds of one kind: two to four questions, each answered with another
        # label, each naming an object category that the first one names too, and the round's
        # labels are the options of each of its questions. Every option is then the answer
        # exactly as often as another, and neither the wording, the options nor the objects
        # named tell which: a relation that always holds between two categories (the picture
        # hangs, the track surrounds the field) is not asked unless the same categories appear
        # with another answer.
        rounds = {kind: Rounds(shuffled(qs, rng), lambda q: q.params["label"], rng) for kind, qs in pools.items()}
        kinds = [list(pools)[int(i)] for i in rng.permutation(len(pools))]
        chosen: list[Question] = []
        made = {kind: 0 for kind in kinds}
        for share in (True, False):
            # first each kind its share of the questions, then whatever is left to any
            for i, kind in enumerate(kinds):
                left = self.per_scene - len(chosen)
                cap = max(2, left // (len(kinds) - i)) if share else left
                for size in range(min(cap, len(rounds[kind].left())), 1, -1):
                    picked = rounds[kind].take(size, alike, need=1.0)
                    if picked:
                        palette = sorted(q.params["label"] for q in picked)
                        for q in picked:
                            q.params.update(palette=palette, round=made[kind])
                        made[kind] += 1
                        chosen += picked
                        break
        yield from shuffled(chosen, rng)

    def _pair_pool(self, graph: SceneGraph, objs: list[GraphObject]) -> list[Question]:
        """Ordered pairs whose relation is clear, and pairs clearly not in contact either way."""
        out: list[Question] = []
        apart: set[frozenset[int]] = set()
        for a in objs:
            for b in objs:
                if a.id == b.id or not _near(a, b):
                    continue
                margins = pair_margins(graph, a, b)
                if rel.classify_pair(margins) == "none":
                    key = frozenset((a.id, b.id))
                    if key in apart or not _clearly_apart(graph, a, b):
                        continue
                    apart.add(key)
                    q = Question(self.name, "mc", "pair", objects=[a.id, b.id], params={"label": "none"})
                    if self.admit(q, count=False):
                        out.append(q)
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
                q = Question(self.name, "mc", "pair", objects=[a.id, b.id], params={"label": label})
                if self.admit(q, count=False):
                    out.append(q)
        return out

    def _placement_pool(self, graph: SceneGraph, objs: list[GraphObject]) -> list[Question]:
        """Objects whose placement is clear (none when the support plane is unknown)."""
        out: list[Question] = []
        if graph.floor_z is None:
            return out
        for a in objs:
            if rel.is_flat(a.box):
                self.dropped["flat_object"] += 1
                continue
            label = rel.clear_label(placement_margins(graph, a), BORDER)
            if label is None:
                self.dropped["placement_border"] += 1
                continue
            q = Question(self.name, "mc", "placement", objects=[a.id], params={"label": label})
            if self.admit(q, count=False):
                out.append(q)
        return out

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """Contact relations are read from where objects end: a named object whose bottom the capture
        never showed (a trunk under a crown, a stem inside a vase) may touch what it seems to float
        above, or reach inside what it seems to rest on; with estimated input, two objects whose
        gap could be within twice the contact tolerance once their surfaces' error is taken off
        may touch or not. Side by side or apart is read from the gap alone; with estimated masks,
        whose outlines move each surface on its own, so are surrounding and plugged in, while a
        sensor's depth error, shared by neighbours seen in the same frames, leaves them to their
        margins. Resting on (support, stacking) is read from the height of the upper object's base
        over the surface beside it against the support tolerance, with what its outline error
        could close, and only where its base lies in no third object's box
        (:func:`sunk_into_another`); of the two, only the upper object's bottom must be seen."""
        label = rel.classify_pair(pair_margins(graph, *(graph.object(o) for o in q.objects[:2]))) \
            if q.kind == "pair" else None
        # what a rests on reaching further down changes nothing of its resting on it
        bottoms = q.objects[:1] if label in ("support", "stacking") else q.objects
        if not all(evidence_of(graph.object(o)).bottom for o in bottoms):
            return float("inf")
        if q.kind == "pair":
            # touching is read from the gap between surfaces; surfaces measured off by e each
            # (estimated depth and masks) may close or open a gap near the contact tolerance
            a, b = (graph.object(o) for o in q.objects[:2])
            off = evidence_of(a).position_error + evidence_of(b).position_error
            if off > 0 and label in ("support", "stacking"):
                # resting on is read from the height of a's base over b's surface beside it, against
                # the support tolerance (the footprints' overlap tells it from touching side by
                # side). The two meet in the same pixels of every view that shows the contact, where
                # a frame's depth error moves both alike; what can close a height truly there is
                # a's outline grown onto b's surface by the mask error
                ea = evidence_of(a)
                height = float(rel.support(a.box, a.points, b.box, b.points).details.get("gap", np.inf))
                closing = ea.outline_error + ea.depth_residual * abs(height)
                if max(height, 0.0) + closing >= rel.support_tolerance(a.box, b.box):
                    return float("inf")
                if sunk_into_another(graph, a, b):
                    return float("inf")
            elif off > 0 and (graph.metadata.get("mask_error_px") or label in ("adhesion", "none")):
                tol = 0.05 * min(float(np.max(a.box.size)), float(np.max(b.box.size)))
                gap = graph.gap(a.id, b.id)
                if gap + off >= tol and gap - off <= 2 * tol:  # neither surely touching nor surely apart
                    return float("inf")
        return 0.0

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
        """Labels of the scene's palette for this kind that clearly do not hold; any clearly
        failing label when the palette leaves none (a question asked on its own)."""
        a = graph.object(q.objects[0])
        if q.kind == "pair":
            margins = pair_margins(graph, a, graph.object(q.objects[1]))
            universe = (*rel.PAIR_RELATIONS, "none")
        else:
            margins = placement_margins(graph, a)
            universe = PLACEMENTS

        def wrong(label: str) -> bool:
            # "not in contact" is false whenever a relation holds
            return label != facts.value and (margins[label] <= -BORDER if label in margins else facts.value != "none")

        picks = [w for w in q.params.get("palette", ()) if wrong(w)] or [w for w in universe if wrong(w)]
        return [picks[int(i)] for i in rng.permutation(len(picks))[:3]]

    def describe(self, q, option, graph):
        if q.kind == "pair":
            return PAIR_TEXT[option]
        return placement_text(option, graph.scale)

    def extra_slots(self, q: Question, graph: SceneGraph) -> dict:
        return {"floor": floor_word(graph.scale)}
