"""Selection helpers shared by task generators: which objects and pairs make fair questions."""

from __future__ import annotations

import itertools

import numpy as np

from spacevista.graph import GraphObject, SceneGraph

#: an object must be seen with at least this many pixels somewhere to be asked about
MIN_PIXELS = 400


def askable(graph: SceneGraph, min_views: int = 1) -> list[GraphObject]:
    """Objects seen well enough (lifting already applied the 20x20 px rule per view)."""
    return [o for o in graph.objects
            if len(o.views) >= min_views and max((v.pixels for v in o.views.values()), default=0) >= MIN_PIXELS
            and len(o.points) >= 10]


def sample(items: list, k: int, rng: np.random.Generator) -> list:
    """Up to ``k`` items without replacement, order randomised by ``rng``."""
    if len(items) <= k:
        idx = rng.permutation(len(items))
    else:
        idx = rng.choice(len(items), size=k, replace=False)
    return [items[int(i)] for i in idx]


def pairs(objs: list[GraphObject]) -> list[tuple[GraphObject, GraphObject]]:
    return list(itertools.combinations(objs, 2))


def differs(a: float, b: float, margin: float = 0.10) -> bool:
    """True when two positive quantities differ by more than ``margin`` (relative to the larger)."""
    hi, lo = max(a, b), min(a, b)
    return hi > 0 and (hi - lo) / hi > margin
