"""Size comparison: is object A taller / wider / larger than object B?"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.geometry.relations import is_flat
from spacevista.evidence import measure_bounds
from spacevista.graph import GraphObject, SceneGraph
from spacevista.tasks.balance import Blocks
from spacevista.tasks.base import TASKS, ChoiceTask, Facts, Question, Unanswerable
from spacevista.tasks.common import askable, differs, pairs, shuffled

#: relative difference a pair must show on the estimated graph. The definition asks for > 10%;
#: width and volume are measured less reliably from partial point clouds (a hidden side shortens a
#: box; volume multiplies three such errors), so they keep a wider margin.
MARGIN = {"height": 0.10, "width": 0.15, "volume": 0.25}
KINDS = ("height", "width", "volume")
WORDS = {"height": ("taller", "shorter"), "width": ("wider", "thinner"), "volume": ("larger", "smaller")}
ORIGINAL = {"height": "COMPARISON_HEIGHT", "width": "COMPARISON_WIDTH", "volume": "COMPARISON_SIZE"}


def measure(obj: GraphObject, kind: str) -> float:
    """Height, width (longest horizontal side) or box volume of an object, SI units."""
    return {"height": obj.box.height, "width": obj.box.width, "volume": obj.box.volume}[kind]


@TASKS.register("size_comparison")
class SizeComparison(ChoiceTask):
    """Taller/shorter, wider/thinner or larger/smaller (box volume) of A compared with B."""

    original_type = "COMPARISON_HEIGHT"
    evidence = {"*": ""}

    def original_type_of(self, q: Question) -> str:
        return ORIGINAL[q.kind]

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        # blocks of one kind answered once "more" and once "less": A against B or B against A
        blocks = Blocks({kind: ("more", "less") for kind in KINDS}, rng)
        for a, b in shuffled(pairs(askable(graph)), rng):
            kinds = []
            for kind in KINDS:
                if kind != "width" and (is_flat(a.box) or is_flat(b.box)):
                    # a flat marking is lifted from its top face alone: its height (and so its
                    # volume) is not measured, only its extent on the ground
                    self.dropped["flat_object"] += 1
                elif not differs(measure(a, kind), measure(b, kind), MARGIN[kind]):
                    self.dropped["close_values"] += 1
                else:
                    kinds.append(kind)
            want = blocks.want(kinds)
            if want is None:
                if kinds:
                    self.dropped["other_kind_wanted"] += 1
                continue
            kind, label = want
            if (measure(a, kind) > measure(b, kind)) != (label == "more"):
                a, b = b, a
            q = Question(self.name, "mc", kind, objects=[a.id, b.id])
            if self.admit(q):
                yield from blocks.take(kind, label, q)

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """0 when A's and B's possible values cannot overlap (the comparison holds whatever the
        capture hid), else inf."""
        (alo, ahi), (blo, bhi) = (measure_bounds(graph.object(o), q.kind) for o in q.objects)
        return 0.0 if alo > bhi or ahi < blo else float("inf")

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        if not all(graph.has(o) for o in q.objects):
            raise Unanswerable("object missing")
        a, b = (graph.object(o) for o in q.objects)
        va, vb = measure(a, q.kind), measure(b, q.kind)
        label = "more" if va > vb else "less"
        prefix = "vol_" if q.kind == "volume" else "len_"
        ratio = max(va, vb) / max(min(va, vb), 1e-12)
        return Facts(label, {f"{prefix}a": va, f"{prefix}b": vb, "ratio": round(ratio, 2),
                             "verdict": WORDS[q.kind][0 if label == "more" else 1]})

    def choices(self, q, facts, graph, rng):
        # no "about the same": it is never asked (pairs differ by more than MARGIN), so an option
        # that is never right would leave a blind guess one choice in two
        return ["less" if facts.value == "more" else "more"]

    def describe(self, q, option, graph):
        return WORDS[q.kind][{"more": 0, "less": 1}[option]]
