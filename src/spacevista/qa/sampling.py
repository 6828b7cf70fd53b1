"""Seeded samples that cover every stratum (task x scale) instead of the head of a file.

A file lists its items scene by scene or task by task, so its first N items are one scene or one
task. ``stratified_sample`` deals the N items out round by round: each round takes one item from
every stratum that has any left, the strata in a seeded random order, so small strata are all
represented before a large one gets its second item, and the same seed gives the same sample.
"""

from __future__ import annotations

import random
from typing import Hashable, Sequence


def stratified_sample(strata: Sequence[Hashable], n: int, seed: int = 0) -> list[int]:
    """Indices of ``n`` of the items whose stratum keys are ``strata``, in their original order
    (all of them when ``n`` is at least their number)."""
    if n >= len(strata):
        return list(range(len(strata)))
    if n <= 0:
        return []
    rng = random.Random(seed)
    groups: dict[Hashable, list[int]] = {}
    for i, key in enumerate(strata):
        groups.setdefault(key, []).append(i)
    # sorted by repr: the same keys give the same draw whatever order the file lists them in
    keys = sorted(groups, key=repr)
    pools = {k: rng.sample(groups[k], len(groups[k])) for k in keys}
    chosen: list[int] = []
    while len(chosen) < n:
        rng.shuffle(keys)
        for k in keys:
            chosen.append(pools[k].pop())
            if len(chosen) == n:
                break
        keys = [k for k in keys if pools[k]]
    return sorted(chosen)
