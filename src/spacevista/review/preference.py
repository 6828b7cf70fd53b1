"""Preference rates from review judgements, laid out like the paper's Table B8.

The unit counted is one judgement: the latest verdict of one annotator on one item. The
preference rate of a cell is accepted / judged over the judgements of the items in that cell
(task x scale), with a Wilson 95% interval. ``majority_rejected`` lists items whose annotators
rejected them by strict majority (a tie keeps the item).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from spacevista.records import QARecord
from spacevista.review.agreement import PairAgreement, pairwise_agreement, wilson_interval
from spacevista.review.storage import Judgement

SCALE_ORDER = ("tiny", "tabletop", "indoor", "outdoor", "drone")
OVERALL = "overall"


@dataclass(frozen=True)
class Cell:
    """Accepted and judged counts of one table cell."""

    accepted: int = 0
    judged: int = 0

    @property
    def rate(self) -> float | None:
        return self.accepted / self.judged if self.judged else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.accepted, self.judged)

    def add(self, accepted: bool) -> "Cell":
        return Cell(self.accepted + int(accepted), self.judged + 1)

    def to_dict(self) -> dict[str, Any]:
        ci = self.interval
        return {"accepted": self.accepted, "judged": self.judged, "rate": self.rate,
                "ci95": None if ci is None else [ci[0], ci[1]]}

    def text(self) -> str:
        if not self.judged:
            return "–"
        lo, hi = self.interval or (0.0, 0.0)
        return f"{100 * (self.rate or 0):.0f}% ({self.accepted}/{self.judged}) [{100 * lo:.0f}–{100 * hi:.0f}]"


@dataclass
class PreferenceReport:
    """The table plus agreement and the majority-rejected ids."""

    tasks: list[str]
    scales: list[str]
    cells: dict[str, dict[str, Cell]]  # task (or OVERALL) -> scale (or OVERALL) -> Cell
    n_items: int
    annotators: list[str]
    agreement: list[PairAgreement]
    rejected: list[str]
    unknown_items: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": "latest judgement per (item, annotator)",
            "tasks": self.tasks, "scales": self.scales,
            "cells": {t: {s: c.to_dict() for s, c in row.items()} for t, row in self.cells.items()},
            "items_judged": self.n_items, "annotators": self.annotators,
            "agreement": [p.to_dict() for p in self.agreement],
            "majority_rejected": self.rejected, "unknown_items": self.unknown_items,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def to_markdown(self, title: str = "Human preference rate") -> str:
        cols = self.scales + [OVERALL]
        lines = [f"# {title}", "",
                 "Accepted / judged per task and scale (latest verdict of each annotator on each item), "
                 "with Wilson 95% confidence intervals.", "",
                 "| Task | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
        for t in self.tasks + [OVERALL]:
            name = f"**{t}**" if t == OVERALL else t.replace("_", " ")
            lines.append(f"| {name} | " + " | ".join(self.cells[t].get(s, Cell()).text() for s in cols) + " |")
        lines += ["", f"Items judged: {self.n_items}. Annotators: {', '.join(self.annotators) or 'none'}.", ""]
        lines += ["## Agreement between annotators", ""]
        if self.agreement:
            lines += ["| Annotator A | Annotator B | Items in common | Percent agreement | Cohen's kappa |",
                      "|---|---|---|---|---|"]
            for p in self.agreement:
                kappa = "undefined (one label only)" if p.kappa is None else f"{p.kappa:.3f}"
                lines.append(f"| {p.annotator_a} | {p.annotator_b} | {p.n_items} | {100 * p.percent:.1f}% | {kappa} |")
        else:
            lines.append("No two annotators judged the same item.")
        lines += ["", f"Items rejected by majority: {len(self.rejected)}.", ""]
        if self.unknown_items:
            lines += [f"Judged ids not in qa.jsonl (left out): {len(self.unknown_items)}.", ""]
        return "\n".join(lines)


def _order_scales(scales: Iterable[str]) -> list[str]:
    present = set(scales)
    return [s for s in SCALE_ORDER if s in present] + sorted(present - set(SCALE_ORDER))


def majority_rejected(judgements: Iterable[Judgement]) -> list[str]:
    """Ids of items that more annotators rejected than accepted (latest verdicts), sorted."""
    votes: dict[str, int] = {}
    for j in judgements:
        votes[j.item_id] = votes.get(j.item_id, 0) + (1 if j.verdict == "reject" else -1)
    return sorted(i for i, v in votes.items() if v > 0)


def build_report(records: Iterable[QARecord], latest: Iterable[Judgement]) -> PreferenceReport:
    """The preference table from the dataset's records and the latest judgements."""
    by_id = {r.id: r for r in records}
    latest = list(latest)
    known = [j for j in latest if j.item_id in by_id]
    unknown = sorted({j.item_id for j in latest if j.item_id not in by_id})
    scales = _order_scales(r.scale for r in by_id.values())
    tasks = sorted({by_id[j.item_id].task for j in known})
    cells: dict[str, dict[str, Cell]] = {t: {} for t in tasks + [OVERALL]}
    for j in known:
        r = by_id[j.item_id]
        ok = j.verdict == "accept"
        for t in (r.task, OVERALL):
            for s in (r.scale, OVERALL):
                cells[t][s] = cells[t].get(s, Cell()).add(ok)
    return PreferenceReport(
        tasks=tasks, scales=scales, cells=cells, n_items=len({j.item_id for j in known}),
        annotators=sorted({j.annotator for j in known}), agreement=pairwise_agreement(known),
        rejected=majority_rejected(known), unknown_items=unknown)
