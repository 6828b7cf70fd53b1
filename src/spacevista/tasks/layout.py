"""Per-scene permutation cycles: where the correct letter goes, which rank a numeric answer takes,
which paraphrase words a question.

A blind guess that reads only an item's text (``spacevista audit``) must not beat chance, so the
correct letter, the answer's rank among numeric options and the wording must each be spread
evenly over a task's items. Drawn independently at random they keep sampling noise of several
points at the few dozen items a task has in a dataset; drawn from permutation cycles every block
of draws holds each value once, so a scene's items are balanced exactly and a dataset carries
only the remainder of each scene's last, partial cycle.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Hashable, Iterable, Sequence, TypeVar

import numpy as np

T = TypeVar("T")


class Cycle:
    """Draws from ``values`` in seeded permutation cycles: any ``len(values)`` consecutive
    unrestricted draws starting a cycle hold each value once. A draw restricted to ``allowed``
    values takes the least used of them (ties in the cycle's random order), so restrictions
    (e.g. ranks a bound rules out) are made up for by the next draws."""

    def __init__(self, values: Sequence[T], rng: np.random.Generator) -> None:
        if not values:
            raise ValueError("a cycle needs at least one value")
        self.values = list(values)
        self.rng = rng
        self.used: Counter = Counter()
        self._round = -1
        self._priority: dict[int, int] = {}

    def draw(self, allowed: Iterable[T] | None = None) -> T:
        """The next value (among ``allowed`` when given; ValueError when none is a value)."""
        idx = range(len(self.values)) if allowed is None else \
            [i for i, v in enumerate(self.values) if v in set(allowed)]
        if not idx:
            raise ValueError(f"no allowed value among {self.values}")
        level = min(self.used[i] for i in range(len(self.values)))
        if level != self._round:
            # a new round: a fresh random order breaks the ties of this round
            self._round = level
            self._priority = {int(i): k for k, i in enumerate(self.rng.permutation(len(self.values)))}
        best = min(idx, key=lambda i: (self.used[i], self._priority[i]))
        self.used[best] += 1
        return self.values[best]


class Layout:
    """The cycles of one task in one scene: one per key (e.g. the letter of a 4-option item, the
    rank of a numeric answer). Its generator is spawned from the task's: determined by it, without
    drawing from it, so the questions a task proposes do not depend on the cycles."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng.spawn(1)[0]
        self.cycles: dict[Hashable, Any] = {}

    def draw(self, key: Hashable, values: Sequence[T], allowed: Iterable[T] | None = None) -> T:
        """The next value of the cycle ``key`` over ``values`` (made on first use)."""
        if key not in self.cycles:
            self.cycles[key] = Cycle(values, self.rng)
        return self.cycles[key].draw(allowed)

    def place(self, key: Hashable, item: Hashable) -> float:
        """A random rank of ``item`` drawn once per ``key``: sorting options by it gives one order
        per scene. Label options so ordered read the same in every question of a round (each label
        answered once), so the letters are even and a guess from the text alone is right once."""
        ranks = self.cycles.setdefault(("place", key), {})
        if item not in ranks:
            ranks[item] = float(self.rng.random())
        return ranks[item]

    def in_step(self, key: Hashable, n: int, label: Hashable | None = None, step: int | None = None) -> int:
        """An index below ``n`` from a random permutation drawn once for ``key``, taken in turn
        per ``label``: the k-th draw of every label gets the same index (or the ``step``-th index
        when the caller numbers its rounds itself). Paraphrases are picked so, so that each
        wording is used as often for one answer label as for another and never hints at the
        answer; without a label the draws simply cycle."""
        if ("order", key) not in self.cycles:
            self.cycles["order", key] = [int(i) for i in self.rng.permutation(n)]
        order = self.cycles["order", key]
        if step is None:
            turn = self.cycles.setdefault(("turn", key), Counter())
            step = turn[label]
            turn[label] += 1
        return order[step % n]
