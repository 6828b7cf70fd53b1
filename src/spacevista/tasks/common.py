"""Selection helpers shared by task generators: which objects and pairs make fair questions."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any, Callable, Sequence, TypeVar

import numpy as np

from spacevista.geometry.distances import closest_upper_bound
from spacevista.graph import GraphObject, SceneGraph
from spacevista.tasks.base import Question, Unanswerable

T = TypeVar("T")

#: an object must be seen with at least this many pixels somewhere to be asked about
MIN_PIXELS = 400


def askable(graph: SceneGraph, min_views: int = 1) -> list[GraphObject]:
    """Objects seen well enough (lifting already applied the 20x20 px rule per view)."""
    return [o for o in graph.objects
            if len(o.views) >= min_views and max((v.pixels for v in o.views.values()), default=0) >= MIN_PIXELS
            and len(o.points) >= 10]


def nameable(graph: SceneGraph) -> set[int]:
    """Objects whose category is unique in the graph, so text can name them plainly."""
    return {objs[0].id for objs in graph.by_category().values() if len(objs) == 1}


def unique_named(graph: SceneGraph, objs: list[GraphObject]) -> list[GraphObject]:
    """Those of ``objs`` that ``nameable`` names plainly, in their order."""
    names = nameable(graph)
    return [o for o in objs if o.id in names]


def sample(items: list, k: int, rng: np.random.Generator) -> list:
    """Up to ``k`` items without replacement, order randomised by ``rng``."""
    if len(items) <= k:
        idx = rng.permutation(len(items))
    else:
        idx = rng.choice(len(items), size=k, replace=False)
    return [items[int(i)] for i in idx]


def shuffled(items: list, rng: np.random.Generator) -> list:
    """All ``items`` in an order randomised by ``rng``."""
    return sample(items, len(items), rng)


def pick(items: Sequence[T], rng: np.random.Generator) -> T:
    """One of ``items``, uniformly at random."""
    return items[int(rng.integers(len(items)))]


def pairs(objs: list[GraphObject]) -> list[tuple[GraphObject, GraphObject]]:
    return list(itertools.combinations(objs, 2))


def differs(a: float, b: float, margin: float = 0.10) -> bool:
    """True when two positive quantities differ by more than ``margin`` (relative to the larger)."""
    hi, lo = max(a, b), min(a, b)
    return hi > 0 and (hi - lo) / hi > margin


# Gaps (closest surface distances, SceneGraph.gap) are costly on dense clouds; many questions only
# compare a gap with a threshold. The clouds' bounds give a lower bound of the gap and a few
# nearest-neighbour queries an upper one (a distance actually reached); the exact gap is computed
# only when the bounds do not settle the comparison, so every answer is the one the exact gap gives.
# The lower bound is padded against rounding.


def gap_floor(a: GraphObject, b: GraphObject) -> float:
    """Distance between the two clouds' axis-aligned bounds: never more than their gap."""
    (alo, ahi), (blo, bhi) = a.bounds, b.bounds
    return float(np.linalg.norm(np.clip(np.maximum(alo, blo) - np.minimum(ahi, bhi), 0, None)))


def gap_ceiling(a: GraphObject, b: GraphObject) -> float:
    """A distance actually reached between the two clouds: never less than their gap."""
    small, big = (a, b) if len(a.points) <= len(b.points) else (b, a)
    return closest_upper_bound(small.points, big.tree)


def _pad(a: GraphObject, b: GraphObject) -> float:
    """Slack for rounding in :func:`gap_floor`, far above it: a nanometre per metre of coordinate."""
    return 1e-9 * (1.0 + max(float(np.abs(np.concatenate([*a.bounds, *b.bounds])).max()), 0.0))


def gap_within(graph: SceneGraph, a: GraphObject, b: GraphObject, radius: float) -> bool:
    """``graph.gap(a.id, b.id) <= radius``."""
    if gap_floor(a, b) > radius + _pad(a, b):
        return False
    if gap_ceiling(a, b) <= radius:
        return True
    return graph.gap(a.id, b.id) <= radius


def min_gap(graph: SceneGraph, objs: list[GraphObject], b: GraphObject) -> float:
    """``min(graph.gap(o.id, b.id) for o in objs)`` (inf for none), visiting objects by their
    gap floor and stopping once no floor left can beat the smallest gap found."""
    best = np.inf
    for floor, k in sorted(((gap_floor(o, b), k) for k, o in enumerate(objs)), key=lambda t: t[0]):
        if floor > best + _pad(objs[k], b):
            break
        best = min(best, graph.gap(objs[k].id, b.id))
    return float(best)


class VerifiedOptions:
    """Mixin for the planning tasks, whose values are plans: a question stores distractors already
    verified wrong in ``q.params["wrong"]`` (plans that collide or miss the goal), and a value may
    carry a ``checker`` telling whether another option is also valid in the graph it was made on."""

    def with_distractors(self, q: Question, wrong: Callable[[], list]) -> tuple[Question | None, str]:
        """``q`` ready to ask, storing ``wrong()`` for multiple choice (run only then: verifying is
        slow); None and the reason when fewer than three distractors are verified."""
        if q.form == "mc":
            verified = wrong()
            if len(verified) < 3:
                return None, "too few verified distractors"
            q.params["wrong"] = verified
        return q, ""

    def plan_on(self, stated: Any, valid: Callable[[Any], bool], replan: Callable[[], Any], what: str) -> Any:
        """The value on one graph: the ``stated`` plan when it is ``valid`` there, else the plan
        ``replan`` makes there, whose checker judges the options by ``valid``."""
        if valid(stated):
            return stated
        own = replan()
        if own is None:
            raise Unanswerable(f"no collision-free {what} on this graph")
        return dataclasses.replace(own, checker=valid)

    def matches(self, q, option, value) -> bool:
        if option == value:
            return True
        checker = getattr(value, "checker", None)
        return checker is not None and bool(checker(option))

    def choices(self, q, facts, graph, rng):
        wrong = [w for w in q.params["wrong"] if w != facts.value]
        idx = rng.permutation(len(wrong))[:3]
        return [wrong[int(i)] for i in idx]
