"""Relative distance: centroid-to-centroid distance (numerical), or which of several objects is
closest to / farthest from a reference object (multiple choice)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.evidence import centre_shift, extent_bounds
from spacevista.graph import GraphObject, SceneGraph
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.common import askable, pairs, sample, shuffled, unique_named
from spacevista.tasks.wording import format_number, length_text, to_unit, unit_for

#: numerical pairs must be this far apart (in mean object sizes), so that the error of a lifted
#: centroid (at most about half an object) stays small against the distance asked
MIN_SEPARATION = 1.0
#: in mc, the winner must beat every other candidate by this relative margin (definition: > 10%)
MC_MARGIN = 0.15
CANDIDATES = 4


def centre_distance(a: GraphObject, b: GraphObject) -> float:
    return float(np.linalg.norm(a.centroid - b.centroid))


@TASKS.register("relative_distance")
class RelativeDistance(Task):
    """Distance between object centres, and closest / farthest of several objects from a reference."""

    original_type = "OBJECT_RELATIVE_DISTANCE"
    from_annotation = True
    evidence = {"centroid": ""}

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        objs = askable(graph)
        # half of the scenes ask numerical questions first, the other half multiple choice (the
        # other form fills in when one runs short): a scene's multiple-choice questions then fill
        # whole letter cycles. The coin comes from the scene's cycles, not from ``rng``.
        forms = [self._numerical(objs, rng), self._choice(graph, objs, rng)]
        if self.layout_for(rng).draw("first form", ("numerical", "mc")) == "mc":
            forms.reverse()
        for questions in forms:
            yield from questions

    def _numerical(self, objs: list[GraphObject], rng: np.random.Generator) -> Iterator[Question]:
        for a, b in shuffled(pairs(objs), rng):
            if centre_distance(a, b) < MIN_SEPARATION * 0.5 * (a.box.longest + b.box.longest):
                self.dropped["too_close"] += 1
                continue
            if rng.random() < 0.5:
                a, b = b, a
            yield Question(self.name, "numerical", "centroid", objects=[a.id, b.id])

    def _choice(self, graph: SceneGraph, objs: list[GraphObject], rng: np.random.Generator) -> Iterator[Question]:
        named = unique_named(graph, objs)
        for ref in shuffled(objs, rng):
            pool = [o for o in named if o.id != ref.id]
            if len(pool) < 3:
                self.dropped["few_candidates"] += 1
                continue
            kind = "closest" if rng.random() < 0.5 else "farthest"
            cands = sample(pool, min(CANDIDATES, len(pool)), rng)
            d = sorted(centre_distance(ref, o) for o in cands)
            best, second = (d[0], d[1]) if kind == "closest" else (d[-1], d[-2])
            if abs(best - second) <= MC_MARGIN * max(best, second):
                self.dropped["close_distances"] += 1
                continue
            yield Question(self.name, "mc", kind, objects=[ref.id],
                           params={"candidates": sorted(o.id for o in cands),
                                   "semantics": [ref.category] + sorted(o.category for o in cands)})

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """The centre of an object seen from one side may sit up to half its unseen reach further
        back: the centre distance may move by both objects' shifts (relative to it for the
        numerical form; for closest / farthest, inf when the shifts could change which is)."""
        if q.kind != "centroid":
            ref = graph.object(q.objects[0])
            cands = [graph.object(o) for o in q.params["candidates"] if graph.has(o)]
            if len(cands) < 2:
                return 0.0
            s_ref = centre_shift(ref)
            d = {o.id: (centre_distance(ref, o), s_ref + centre_shift(o)) for o in cands}
            pick = min if q.kind == "closest" else max
            best = pick(d, key=lambda k: d[k][0])
            lo_b, hi_b = d[best][0] - d[best][1], d[best][0] + d[best][1]
            for k, (dist, s) in d.items():
                if k == best:
                    continue
                if (q.kind == "closest" and dist - s <= hi_b) or (q.kind != "closest" and dist + s >= lo_b):
                    return float("inf")
            return 0.0
        a, b = (graph.object(o) for o in q.objects)
        # noise widens a box on both sides alike and leaves its centre: only the error counts here
        shift = sum(float(np.linalg.norm((hi - lo) / 2))
                    for lo, hi in (extent_bounds(a, with_noise=False), extent_bounds(b, with_noise=False)))
        d = float(np.linalg.norm(a.box.center - b.box.center))
        return shift / d if d > 0 else float("inf")

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        if not all(graph.has(o) for o in q.objects):
            raise Unanswerable("object missing")
        if q.kind == "centroid":
            a, b = (graph.object(o) for o in q.objects)
            d = centre_distance(a, b)
            return Facts(d, {"len_value": d, "centre_a": fmt_point(a.centroid, graph),
                                 "centre_b": fmt_point(b.centroid, graph)})
        ref = graph.object(q.objects[0])
        dist = {o: centre_distance(ref, graph.object(o)) for o in q.params["candidates"] if graph.has(o)}
        if len(dist) < 2:
            raise Unanswerable("candidates missing")
        pick = min if q.kind == "closest" else max
        best = pick(dist, key=lambda o: (dist[o], o))
        listing = "; ".join(f"{graph.object(o).category} {length_text(dist[o], graph.scale)}" for o in sorted(dist))
        return Facts(("object", best), {"listing": listing, "winner": graph.object(best).category})

    def choices(self, q, facts, graph, rng):
        if q.form == "numerical":
            return self.numeric_choices(q, facts.value, graph, rng)
        return [("object", o) for o in q.params["candidates"] if ("object", o) != facts.value]

    def describe(self, q, option, graph):
        return graph.object(option[1]).category


def fmt_point(p: np.ndarray, graph: SceneGraph) -> str:
    """World coordinates of a point in the scale's unit."""
    unit = unit_for(graph.scale, "length")
    return "(" + ", ".join(format_number(to_unit(v, unit)) for v in p) + f") {unit}"
