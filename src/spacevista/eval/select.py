"""Which items of a benchmark a run asks for: ``--tasks``, ``--scales`` and a ``--limit`` that
draws a seeded sample stratified over task and scale (:mod:`spacevista.qa.sampling`)."""

from __future__ import annotations

from typing import Sequence

from spacevista.qa.items import EvalItem
from spacevista.qa.sampling import stratified_sample
from spacevista.scene import Scale


def item_scale(item: EvalItem) -> str:
    """The item's scale (``tiny`` ... ``drone``) when its benchmark gives one, else its category."""
    raw = item.extra.get("scale") or item.category
    try:
        return Scale.parse(raw).value
    except ValueError:
        return str(raw or "")


def select_items(items: list[EvalItem], tasks: Sequence[str] = (), scales: Sequence[str] = (),
                 limit: int = 0, seed: int = 0) -> list[EvalItem]:
    """The items of ``tasks`` and ``scales`` (empty: all), then ``limit`` of them (0: all) drawn
    round-robin over (task, scale) with ``seed``; file order is kept. A task or scale that no item
    has raises ``ValueError`` naming what the benchmark does have."""
    if tasks:
        present = sorted({it.task for it in items})
        missing = [t for t in tasks if t not in present]
        if missing:
            raise ValueError(f"no items of task(s) {missing}; the benchmark has {present}")
        items = [it for it in items if it.task in set(tasks)]
    if scales:
        want = set()
        for s in scales:
            try:
                want.add(Scale.parse(s).value)
            except ValueError:
                want.add(s)
        present = sorted({item_scale(it) for it in items})
        missing = sorted(want - set(present))
        if missing:
            raise ValueError(f"no items at scale(s) {missing}" + (" of those tasks" if tasks else "")
                             + f"; the items have {present}")
        items = [it for it in items if item_scale(it) in want]
    if limit > 0:
        keep = stratified_sample([(it.task, item_scale(it)) for it in items], limit, seed)
        items = [items[i] for i in keep]
    return items
