"""Which questions a scene asks, so that the answers' labels give nothing away.

A label that is the answer more often than another (most objects stand on the floor, most videos
turn one way) is a guess that beats chance without looking. A scene's questions are therefore
chosen from a larger pool of candidates in rounds (``Rounds``: one question per label, the
round's labels its options) or blocks (``Blocks``: one kind asked once with each of its labels),
so that within a scene each label is the answer exactly as often as another. Distractors varied
from a plan are arranged around a centre that is the answer only one time in four (``centred``).
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Sequence, TypeVar

import numpy as np

from spacevista.tasks.layout import Layout

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class Rounds:
    """Items grouped by label, taken out in rounds: a round holds one item of each of some labels,
    so within it every label is the answer exactly once."""

    def __init__(self, items: Sequence[T], label: Callable[[T], K], rng: np.random.Generator) -> None:
        groups: dict[K, list[T]] = {}
        for it in items:
            groups.setdefault(label(it), []).append(it)
        # labels in a random order: it breaks every tie between them
        self.labels: list[K] = [list(groups)[int(i)] for i in rng.permutation(len(groups))]
        self.groups = groups

    def left(self) -> list[K]:
        """Labels that still have an item."""
        return [n for n in self.labels if self.groups[n]]

    def take(self, size: int, like: Callable[[T, T], float] | None = None, need: float = 0.0) -> list[T]:
        """A round of ``size`` labels, or nothing when fewer labels have items. Without ``like``
        the first labels (in the random order) give their next items. With ``like`` (how alike two
        items are, e.g. how many kinds of objects they share) the round is the most alike one:
        from the item whose best matches of other labels are most alike to it, each match at
        least ``need`` alike (nothing when no round is), so that what a question names (a mug on
        a book, a mug beside one) hints at none of the labels."""
        names = self.left()
        if size < 1 or len(names) < size:
            return []
        if like is None:
            return [self.groups[n].pop(0) for n in names[:size]]
        best: tuple[float, list] | None = None
        for n in names:
            for i, first in enumerate(self.groups[n]):
                matches = []
                for m in names:
                    if m != n:
                        j = max(range(len(self.groups[m])), key=lambda j: (like(first, self.groups[m][j]), -j))
                        matches.append((like(first, self.groups[m][j]), m, j))
                matches.sort(key=lambda t: -t[0])  # stable: ties keep the random label order
                chosen = matches[:size - 1]
                if any(t[0] < need for t in chosen):
                    continue
                score = sum(t[0] for t in chosen)
                if best is None or score > best[0]:
                    best = (score, [(n, i)] + [(m, j) for _, m, j in chosen])
        if best is None:
            return []
        picked = [self.groups[n][i] for n, i in best[1]]
        for n, i in best[1]:
            self.groups[n].pop(i)
        return picked


def balanced_pick(items: Sequence[T], label: Callable[[T], K], k: int, rng: np.random.Generator) -> list[T]:
    """Up to ``k`` of ``items`` in whole rounds over all their labels (``Rounds``), so every label
    picked is asked equally often; when ``k`` is smaller than the number of labels, a single
    round of ``k`` random labels."""
    rounds = Rounds(items, label, rng)
    size = min(k, len(rounds.labels))
    out: list[T] = []
    while size and len(out) + size <= k and len(rounds.left()) == len(rounds.labels):
        out += rounds.take(size)
        if size < len(rounds.labels):
            break
    return out


class Blocks:
    """A scene's questions of one task in blocks: a block is one kind asked once with each of its
    labels (e.g. a height comparison answered "taller" and one answered "shorter"), so that every
    label is the answer as often as another within the scene and, with paraphrases taken in step
    per label (``Layout.in_step``), every wording too. While a block is open only its kind and
    missing labels are wanted; its questions are released together when it is complete, so a
    block the scene cannot complete is never asked."""

    def __init__(self, labels: dict[Hashable, Sequence[Hashable]], rng: np.random.Generator) -> None:
        self.labels = labels
        self.rng = rng
        self.open_kind: Hashable | None = None
        self._missing: list[Hashable] = []
        self._held: list[Any] = []

    def want(self, kinds: Sequence[Hashable]) -> tuple[Hashable, Hashable] | None:
        """(kind, label) for the next question, the kind among ``kinds`` (those the candidate at
        hand allows; a new block takes one at random); None when the open block's kind is not
        among them."""
        if self.open_kind is not None:
            if self.open_kind not in kinds:
                return None
            return self.open_kind, self._missing[int(self.rng.integers(len(self._missing)))]
        if not kinds:
            return None
        kind = kinds[int(self.rng.integers(len(kinds)))]
        labels = self.labels[kind]
        return kind, labels[int(self.rng.integers(len(labels)))]

    def take(self, kind: Hashable, label: Hashable, item: T) -> list[T]:
        """Record ``item``, a question of ``kind`` answered ``label`` (as ``want`` offered); the
        block's questions, in random order, once it is complete, else nothing yet."""
        if self.open_kind is None:
            self.open_kind, self._missing = kind, [x for x in self.labels[kind] if x != label]
        else:
            self._missing.remove(label)
        self._held.append(item)
        if self._missing:
            return []
        out = [self._held[int(i)] for i in self.rng.permutation(len(self._held))]
        self.open_kind, self._held = None, []
        return out


def centred(answer: T, variations: Callable[[T], list[T]], layout: Layout, rng: np.random.Generator,
            n: int = 3) -> list[T]:
    """``n`` wrong options built around a centre. Distractors made by varying the answer (a turn
    mirrored, a leg shortened, an object added) each share most of it, so the answer would be the
    option sharing most with the others. So the centre is the answer only on one draw in four of
    the scene's cycle; otherwise it is one of the answer's variations, shown with ``n - 1`` of its
    own variations, which the answer then resembles no more than they do. ``variations(x)``
    returns wrong options that differ from ``x`` (never the answer, which is right); fewer than
    ``n`` wrong options in all gives what there is."""
    own = variations(answer)
    if len(own) >= n and not layout.draw("centre", (True, False, False, False)):
        for i in rng.permutation(len(own)):
            centre = own[int(i)]
            around = [v for v in variations(centre) if v != centre and v != answer]
            if len(around) >= n - 1:
                return [centre] + [around[int(k)] for k in rng.permutation(len(around))[:n - 1]]
    return [own[int(i)] for i in rng.permutation(len(own))[:n]]
