"""Existence estimation: is there some object satisfying a stated size and distance constraint
with named objects? ("Is there any object taller than the chair within 1 m of the table?")

Distances are closest-surface distances (as in absolute distance). A question is asked only when
every other object clearly passes or clearly fails each constraint, or clearly satisfies both, so
that a small estimation error cannot flip the yes/no answer. Yes and no are balanced per scene.
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from spacevista.geometry.relations import is_flat
from spacevista.evidence import gap_slack, measure_bounds
from spacevista.graph import GraphObject, SceneGraph
from spacevista.tasks.balance import Blocks
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.common import askable, gap_within, min_gap, pick
from spacevista.tasks.wording import length_text, plural, to_unit, unit_for

#: size comparisons must differ by this ratio to count as clear
SIZE_RATIO = 1.15
#: a distance counts as clearly inside (outside) the stated radius below 1/DIST_RATIO (above DIST_RATIO) of it
DIST_RATIO = 1.3
COMPARATORS = {"taller": ("height", 1), "shorter": ("height", -1), "larger": ("volume", 1), "smaller": ("volume", -1)}


def visible(graph: SceneGraph) -> list[GraphObject]:
    """Objects seen somewhere in the video: the only ones "is there any object" can be about."""
    return [o for o in graph.objects if o.views and len(o.points)]


def measure(o: GraphObject, what: str) -> float:
    return o.box.height if what == "height" else o.box.volume


def size_test(o: GraphObject, ref: GraphObject, cmp: str) -> int:
    """1 clearly passes, -1 clearly fails, 0 too close to call (always for a flat marking, whose
    height and volume a lifted top face does not give)."""
    what, sign = COMPARATORS[cmp]
    if is_flat(o.box) or is_flat(ref.box):
        return 0
    r = measure(o, what) / max(measure(ref, what), 1e-18)
    r = r if sign > 0 else 1 / max(r, 1e-18)
    return 1 if r > SIZE_RATIO else (-1 if r < 1 / SIZE_RATIO else 0)


def dist_test(d: float, radius: float) -> int:
    return 1 if d < radius / DIST_RATIO else (-1 if d > radius * DIST_RATIO else 0)


def nice_radius(d: float, graph: SceneGraph) -> float:
    """A round radius (1, 2 or 5 times a power of ten in the scale's unit) near ``d`` metres."""
    unit = unit_for(graph.scale, "length")
    v = to_unit(d, unit)
    mag = 10 ** math.floor(math.log10(v))
    best = min((m * mag for m in (1, 1.5, 2, 3, 5, 10)), key=lambda x: abs(math.log(x / v)))
    return best * (d / v)


@TASKS.register("existence_estimation")
class ExistenceEstimation(Task):
    """Yes/no: does an object exist that satisfies a size constraint relative to one named object
    (``size_near``) or belongs to a category (``category_near``), within a radius of another?"""

    original_type = "EXISTENCE"
    forms = ("mc",)

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        objs = askable(graph)
        self._seen = visible(graph)
        if len(objs) < 3:
            return
        # blocks of one kind answered once "yes" and once "no" (balance.Blocks)
        blocks = Blocks({"size_near": ("yes", "no"), "category_near": ("yes", "no")}, rng)
        for _ in range(6 * self.per_scene):
            drawn = "size_near" if rng.random() < 0.6 else "category_near"
            kind, want = blocks.want([blocks.open_kind or drawn])
            q = self._try(graph, objs, kind, want, rng)
            if q is None:
                self.dropped[f"no_clear_{want}"] += 1
                continue
            if self.admit(q):
                yield from blocks.take(kind, want, q)

    def _try(self, graph: SceneGraph, objs: list[GraphObject], kind: str, want: str,
             rng: np.random.Generator) -> Question | None:
        b = pick(objs, rng)
        if kind == "size_near":
            a = pick(objs, rng)
            if a.id == b.id or is_flat(a.box):
                return None
            cmp = pick(list(COMPARATORS), rng)
            others = [o for o in self._seen if o.id not in (a.id, b.id)]
            tests = {o.id: size_test(o, a, cmp) for o in others}
            params = {"cmp": cmp}
            objects = [a.id, b.id]
        else:
            cats = sorted({o.category for o in objs if o.category != b.category})
            if not cats:
                return None
            cat = pick(cats, rng)
            others = [o for o in self._seen if o.id != b.id]
            tests = {o.id: (1 if o.category == cat else -1) for o in others}
            params = {"category": cat}
            objects = [b.id]
        # size-passing (or undecided) objects decide the answer through their distance to b
        live = [o for o in others if tests[o.id] >= 0]
        if not live:
            return None
        # only the smallest gap is needed exactly; the others are compared with the radius, which
        # the gaps' cheap bounds mostly settle (common.min_gap, common.gap_within)
        if want == "yes":
            sure = [o for o in live if tests[o.id] == 1]
            closest = min_gap(graph, sure, b) if sure else 0.0
            if closest <= 0:
                return None
            radius = nice_radius(closest * DIST_RATIO * 1.3, graph)
            if dist_test(closest, radius) != 1:
                return None
        else:
            closest = min_gap(graph, live, b)
            if closest <= 0:
                return None
            radius = nice_radius(closest / (DIST_RATIO * 1.3), graph)
            # dist_test(d, radius) is -1 exactly when d > radius * DIST_RATIO
            if any(gap_within(graph, o, b, radius * DIST_RATIO) for o in live):
                return None
        # the radius must be a meaningful length at this scale: not below a tenth of b's size
        if radius < 0.1 * b.box.longest:
            return None
        params.update({"radius": radius, "expected": want,
                       "semantics": sorted({graph.object(i).category for i in objects})})
        return Question(self.name, "mc", kind, objects=objects, params=params)

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """inf when a hidden part could flip the size test of an object near ``b`` (the reference
        object's possible sizes overlap those of an object within reach of the radius), or when
        what the capture could not pin down of the surfaces (:func:`~spacevista.evidence.gap_slack`:
        hidden parts and position errors bring them nearer; position errors and depth noise take
        them farther) could carry an object that passes the test across the radius."""
        b = graph.object(q.objects[-1])
        radius = q.params["radius"]
        if q.kind == "size_near":
            a = graph.object(q.objects[0])
            what = COMPARATORS[q.params["cmp"]][0]
            alo, ahi = measure_bounds(a, what)
            for o in visible(graph):
                if o.id in (a.id, b.id):
                    continue
                olo, ohi = measure_bounds(o, what)
                gap = graph.gap(b.id, o.id)
                near = gap_slack(b, o, gap)[0] + gap_slack(o, b, gap)[0]
                if not (olo > ahi or ohi < alo) and gap_within(graph, o, b, radius * DIST_RATIO + near):
                    return float("inf")
        for o in self._matching(q, graph)[0]:
            gap = graph.gap(b.id, o.id)
            (near_b, far_b), (near_o, far_o) = gap_slack(b, o, gap), gap_slack(o, b, gap)
            near, far = near_b + near_o, far_b + far_o
            if (near > 0 or far > 0) and gap_within(graph, o, b, radius + near) \
                    and not gap_within(graph, o, b, radius - far):
                return float("inf")
        return 0.0

    def clip_frames(self, q: Question, graph: SceneGraph) -> list[int]:
        """The named objects and every object that satisfies the constraint, each in its best view:
        a "yes" must be seen in the clip."""
        try:
            near = self._matching(q, graph)[1]
        except Unanswerable:
            return []
        objs = [graph.object(o) for o in q.objects if graph.has(o)] + near
        return [max(o.views, key=lambda f: (o.views[f].pixels, -f)) for o in objs if o.views]

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        ok, near = self._matching(q, graph)
        names = lambda objs: ", ".join(sorted(o.category for o in objs)) or "none"  # noqa: E731
        return Facts("yes" if near else "no", {"matching": names(ok), "within": names(near),
                                               "n_matching": len(ok), "n_within": len(near)})

    def _matching(self, q: Question, graph: SceneGraph) -> tuple[list[GraphObject], list[GraphObject]]:
        """(objects passing the size or category test, those of them within the radius)."""
        if not all(graph.has(o) for o in q.objects):
            raise Unanswerable("object missing")
        b = graph.object(q.objects[-1])
        radius = q.params["radius"]
        if q.kind == "size_near":
            a = graph.object(q.objects[0])
            what, sign = COMPARATORS[q.params["cmp"]]
            ok = [o for o in visible(graph) if o.id not in (a.id, b.id)
                  and (measure(o, what) - measure(a, what)) * sign > 0]
        else:
            ok = [o for o in visible(graph) if o.id != b.id and o.category == q.params["category"]]
        return ok, [o for o in ok if gap_within(graph, o, b, radius)]

    def choices(self, q, facts, graph, rng):
        return ["no" if facts.value == "yes" else "yes"]

    def describe(self, q, option, graph):
        return {"yes": "yes", "no": "no"}[option]

    def extra_slots(self, q: Question, graph: SceneGraph) -> dict:
        slots = {"radius": length_text(q.params["radius"], graph.scale)}
        if q.kind == "size_near":
            slots["cmp"] = q.params["cmp"]
            slots["what"] = COMPARATORS[q.params["cmp"]][0]
        else:
            slots["category"] = q.params["category"]
            slots["categories"] = plural(q.params["category"])
        return slots
