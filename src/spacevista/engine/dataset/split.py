"""Stratified samples of a dataset (per task x scale), e.g. the items humans verify for a benchmark."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Sequence

from spacevista.engine.scene.questions import rng_for
from spacevista.engine.dataset.summary import SCALE_ORDER
from spacevista.records import QARecord


def _scale_rank(scale: str) -> int:
    return SCALE_ORDER.index(scale) if scale in SCALE_ORDER else len(SCALE_ORDER)


def allocate(sizes: dict[tuple[str, str], int], n: int) -> dict[tuple[str, str], int]:
    """How many items each stratum gives: one from every stratum when ``n`` allows (else one from
    each of the ``n`` largest), the rest proportional to what is left (largest remainder), never
    more than a stratum holds. Ties go to the stratum order (task, then scale)."""
    keys = sorted((k for k in sizes if sizes[k] > 0), key=lambda k: (k[0], _scale_rank(k[1]), k[1]))
    n = max(0, min(n, sum(sizes[k] for k in keys)))
    take = {k: 0 for k in keys}
    if n < len(keys):
        for k in sorted(keys, key=lambda k: (-sizes[k], keys.index(k)))[:n]:
            take[k] = 1
        return take
    take = {k: 1 for k in keys}
    left = n - len(keys)
    spare = {k: sizes[k] - 1 for k in keys}
    pool = sum(spare.values())
    if left == 0:
        return take
    quotas = {k: left * spare[k] / pool for k in keys}
    for k in keys:
        take[k] += math.floor(quotas[k])
    order = sorted(keys, key=lambda k: (-(quotas[k] - math.floor(quotas[k])), keys.index(k)))
    i = 0
    while sum(take.values()) < n:
        k = order[i % len(order)]
        if take[k] < sizes[k]:
            take[k] += 1
        i += 1
    return take


def stratified_sample(records: Sequence[QARecord], n: int, seed: int) -> list[QARecord]:
    """``n`` records drawn per task x scale (see :func:`allocate`), deterministic for a seed and
    independent of the input order; returned in canonical (scene, id) order."""
    if n < 0:
        raise ValueError(f"sample size must be >= 0, got {n}")
    strata: dict[tuple[str, str], list[QARecord]] = defaultdict(list)
    for r in records:
        strata[(r.task, r.scale)].append(r)
    take = allocate({k: len(v) for k, v in strata.items()}, n)
    chosen: list[QARecord] = []
    for key, k in take.items():
        if k == 0:
            continue
        pool = sorted(strata[key], key=lambda r: (r.scene_id, r.id))
        idx = rng_for(seed, "split", *key).choice(len(pool), size=k, replace=False)
        chosen.extend(pool[i] for i in sorted(idx))
    return sorted(chosen, key=lambda r: (r.scene_id, r.id))
