"""Obstacles location (tabletop): which objects a straight move of A would run into.

A is slid in a straight line, at its current height, from where it stands to the destination of
"place A left/right/in front of/behind B" (``placement.destination``, ground frame of frame k).
Object C is in the way when A's ground-frame box, swept along that segment, enters C's ground-frame
box: the segment of A's centre crosses C's box grown by A's half extents (the exact Minkowski sum
of two axis-aligned boxes). Objects that do not reach into a quarter of A's height band (the table
A stands on, a flat mat) are below the move and never in the way; bottoms within two clearances of
the support plane count as on it (undersides are never seen, so estimated bottoms float).

The answer is the set of objects in the way (possibly none). Asked only when the set is the same
with A shrunk or grown by ``SLACK`` (no grazing contacts) and with every height overlap changed by
the scale's clearance, every object in it can be named plainly (its category is unique in the
scene), none of the objects involved holds or stands inside another (a flower in a vase: its
estimated box is cut by the vase), and three wrong sets can be built from nameable objects.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.geometry.rrt import BoxSpace
from spacevista.graph import SceneGraph
from spacevista.tasks.balance import centred
from spacevista.tasks.base import TASKS, Facts, Question
from spacevista.tasks.common import nameable, pick
from spacevista.tasks.placement import (CLEARANCE, BoxMemo, PlacingTask, destination, ground_frame, local_box,
                                        nested, object_pairs, occupied, require, seen)
from spacevista.tasks.wording import join_and

SIDE_RELATIONS = ("left", "right", "front", "behind")
#: A's box is shrunk and grown by this fraction to test that the answer does not hinge on a graze
SLACK = 0.3
#: an object is in A's height band when it overlaps at least this fraction of A's height
BAND = 0.25


def sweep(graph: SceneGraph, q: Question, scale: float = 1.0, shift: float = 0.0,
          box=local_box) -> tuple[list[int], list[int], dict]:
    """(objects in the way, all objects in A's height band, facts) for the question's move.
    ``scale`` grows A's half extents, ``shift`` adds to every height overlap (ambiguity tests);
    ``box`` computes ground-frame boxes (a ``BoxMemo`` while proposing)."""
    require(graph, q.objects)
    a_id, b_id = q.objects
    R = ground_frame(graph, q.frames[0])
    la, lb = box(graph.object(a_id), R), box(graph.object(b_id), R)
    dest = destination(la, lb, q.params["relation"], CLEARANCE[graph.scale])
    band_lo, band_hi = _bottom(graph, la), la.hi[2]
    cands, boxes = [], []
    for o in seen(graph):
        if o.id == a_id:
            continue
        lo_ = box(o, R)
        overlap = min(band_hi, lo_.hi[2]) - max(band_lo, _bottom(graph, lo_)) + shift
        if overlap >= BAND * (band_hi - band_lo):
            cands.append(o.id)
            boxes.append(lo_)
    hit: list[int] = []
    if cands:
        space = BoxSpace.from_boxes([-np.inf, -np.inf], [np.inf, np.inf], [b.center[:2] for b in boxes],
                                    [2 * b.half[:2] for b in boxes], np.zeros(len(boxes)), la.half[:2] * scale)
        mask = space.hits(la.center[:2], dest[:2])
        hit = [c for c, m in zip(cands, mask) if m]
    facts = {"len_move": float(np.linalg.norm(dest - la.center)), "n_hits": len(hit)}
    return sorted(hit), cands, facts


def _bottom(graph: SceneGraph, box) -> float:
    """Bottom of a ground-frame box, put on the support plane when it is within two clearances of
    it: undersides are never seen, so estimated bottoms float a little above the table."""
    if graph.floor_z is not None and box.lo[2] - graph.floor_z < 2 * CLEARANCE[graph.scale]:
        return float(min(box.lo[2], graph.floor_z))
    return float(box.lo[2])


@TASKS.register("obstacles_location")
class ObstaclesLocation(PlacingTask):
    """Objects whose boxes a straight move of A to its destination would hit."""

    original_type = "OBSTACLE_LOCATION"
    forms = ("mc",)
    per_scene = 3

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        names = nameable(graph)
        memo = BoxMemo()
        layout = self.layout_for(rng)
        asked = clear_asked = 0
        for a, b, frame in object_pairs(graph, rng, None, self.dropped):
            relation = pick(SIDE_RELATIONS, rng)
            q = Question(self.name, "mc", "obstacles", objects=[a.id, b.id], frames=[frame],
                         params={"relation": relation})
            R = ground_frame(graph, frame)
            la = memo(a, R)
            if occupied(graph, R, a.id, destination(la, memo(b, R), relation, CLEARANCE[graph.scale]), la.half, memo):
                self.dropped["destination occupied"] += 1
                continue
            hit, cands, _ = sweep(graph, q, box=memo)
            if sweep(graph, q, 1 - SLACK, box=memo)[0] != hit or sweep(graph, q, 1 + SLACK, box=memo)[0] != hit:
                self.dropped["grazing contact"] += 1
                continue
            clear = CLEARANCE[graph.scale]
            if sweep(graph, q, shift=-clear, box=memo)[0] != hit or sweep(graph, q, shift=clear, box=memo)[0] != hit:
                self.dropped["height band ambiguous"] += 1
                continue
            if nested(graph, hit):
                self.dropped["nested objects in the way"] += 1
                continue
            if any(h not in names for h in hit):
                self.dropped["object in the way has no plain name"] += 1
                continue
            if not hit and 4 * (clear_asked + 1) > asked + 4:
                # "nothing, the way is clear" is the answer to at most one question in four, as
                # any option is, so it is no safer a guess than another
                self.dropped["clear way asked enough"] += 1
                continue
            named = sorted(c for c in cands if c in names)
            truth = tuple(hit)

            def vary(s: tuple[int, ...]) -> list[tuple[int, ...]]:
                return [w for w in distractor_sets(list(s), [c for c in named if c not in s]) if w != truth]

            wrong = centred(truth, vary, layout, layout.rng)
            if len(wrong) < 3:
                self.dropped["too few objects for options"] += 1
                continue
            q.params["wrong"] = [list(w) for w in wrong]
            asked += 1
            clear_asked += not hit
            yield q

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """inf when an object the graph lost (``graph.metadata["unplaced_instances"]``: a tracker's
        switch showed it, lifting kept no object of its category there) may stand in the way:
        within its radius of A's swept box, between the support and its top in A's height band."""
        lost = graph.metadata.get("unplaced_instances") or []
        if not lost:
            return 0.0
        R = ground_frame(graph, q.frames[0])
        la, lb = local_box(graph.object(q.objects[0]), R), local_box(graph.object(q.objects[1]), R)
        dest = destination(la, lb, q.params["relation"], CLEARANCE[graph.scale])
        band_lo, band_hi = _bottom(graph, la), la.hi[2]
        for u in lost:
            c, r = np.asarray(u["center"], dtype=np.float64) @ R.T, float(u["radius"])
            # seen in a few frames, perhaps from above: it may reach down to the support
            low = c[2] - r if graph.floor_z is None else min(c[2] - r, graph.floor_z)
            if c[2] + r < band_lo or low > band_hi:
                continue
            space = BoxSpace.from_boxes([-np.inf, -np.inf], [np.inf, np.inf], [c[:2]], [np.full(2, 2 * r)],
                                        np.zeros(1), la.half[:2])
            if space.hits(la.center[:2], dest[:2])[0]:
                return float("inf")
        return 0.0

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        hit, _, facts = sweep(graph, q)
        listing = ", ".join(graph.object(h).category for h in hit) if hit else "nothing"
        return Facts(tuple(hit), {**facts, "hits": listing})

    def choices(self, q, facts, graph, rng):
        wrong = [tuple(w) for w in q.params["wrong"] if tuple(w) != facts.value]
        idx = rng.permutation(len(wrong))[:3]
        return [wrong[int(i)] for i in idx]

    def describe(self, q, option, graph):
        if not option:
            return "nothing, the way is clear"
        return join_and(sorted(f"the {graph.object(i).category}" for i in option))


def distractor_sets(hit: list[int], pool: list[int]) -> list[tuple[int, ...]]:
    """Wrong answers built from the true set: one object too many, one missing, one swapped, or
    none at all; each differs from the truth by construction."""
    truth = tuple(sorted(hit))
    out: list[tuple[int, ...]] = []

    def add(s) -> None:
        t = tuple(sorted(set(s)))
        if t != truth and t not in out:
            out.append(t)

    for p in pool:
        add(list(hit) + [p])
    for h in hit:
        add([x for x in hit if x != h])
        for p in pool:
            add([x for x in hit if x != h] + [p])
    if len(pool) >= 2:
        add(pool[:2])
    add([])
    return out
