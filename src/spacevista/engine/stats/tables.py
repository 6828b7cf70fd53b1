"""Statistics of a built dataset: the numbers behind ``spacevista stats`` (tables; plots live in
``stats_plots``). Every function takes QA records and returns plain dicts."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable

from spacevista.engine.dataset.summary import SCALE_ORDER
from spacevista.records import QARecord

#: metres per unit of length; areas and volumes use the square and cube
_LENGTH = {"mm": 1e-3, "cm": 1e-2, "m": 1.0, "km": 1e3}


def load_records(dataset: str | Path) -> list[QARecord]:
    """Records of a dataset folder (its qa.jsonl) or of a qa.jsonl file."""
    from spacevista.io.jsonl import read_jsonl

    p = Path(dataset)
    path = p / "qa.jsonl" if p.is_dir() else p
    if not path.is_file():
        raise ValueError(f"{path}: no qa.jsonl here (build a dataset first: spacevista build)")
    return list(read_jsonl(path))


def scales_present(records: Iterable[QARecord]) -> list[str]:
    present = {r.scale for r in records}
    return [s for s in SCALE_ORDER if s in present] + sorted(present - set(SCALE_ORDER))


def task_scale_counts(records: list[QARecord]) -> dict[str, dict[str, int]]:
    """QA count per task and scale."""
    out: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        out[r.task][r.scale] += 1
    return {t: dict(out[t]) for t in sorted(out)}


def answer_type_counts(records: list[QARecord]) -> dict[str, dict[str, int]]:
    """Answer types per scale."""
    out: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        out[r.scale][r.answer_type] += 1
    return {s: dict(sorted(out[s].items())) for s in scales_present(records)}


def to_base_unit(value: float, unit: str) -> tuple[float, str]:
    """A numerical answer in metres (m2, m3 for areas and volumes); other units are kept."""
    power = 1
    base = unit
    if unit and unit[-1] in "23" and unit[:-1] in _LENGTH:
        base, power = unit[:-1], int(unit[-1])
    if base in _LENGTH:
        return value * _LENGTH[base] ** power, "m" if power == 1 else f"m{power}"
    return value, unit or "count"


def numeric_values(records: list[QARecord]) -> dict[str, dict[str, list[float]]]:
    """Numerical answers per task and base unit (metres for lengths); unparsable answers are left out."""
    out: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r.answer_type != "numerical":
            continue
        try:
            v = float(r.answer)
        except ValueError:
            continue
        if not math.isfinite(v):
            continue
        val, unit = to_base_unit(v, r.unit)
        out[r.task][unit].append(val)
    return {t: {u: sorted(v) for u, v in sorted(out[t].items())} for t in sorted(out)}


def numeric_summary(values: dict[str, dict[str, list[float]]]) -> list[dict[str, Any]]:
    """Per task and unit: n, min, median, max and the number of non-positive values (off a log axis)."""
    rows = []
    for task, by_unit in values.items():
        for unit, v in by_unit.items():
            n = len(v)
            med = v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])
            rows.append({"task": task, "unit": unit, "n": n, "min": v[0], "median": med, "max": v[-1],
                         "non_positive": sum(1 for x in v if x <= 0)})
    return rows


def letter_balance(records: list[QARecord]) -> dict[str, dict[str, int]]:
    """Correct-letter counts of multiple-choice items, per number of options."""
    out: dict[int, Counter] = defaultdict(Counter)
    for r in records:
        if r.answer_type == "mc":
            out[len(r.options)][r.answer] += 1
    return {str(k): {chr(65 + i): out[k].get(chr(65 + i), 0) for i in range(k)} for k in sorted(out)}


def categories_per_scale(records: list[QARecord], top: int = 10) -> dict[str, list[tuple[str, int]]]:
    """The most frequent object categories named in record anchors (``semantics``), per scale."""
    out: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        for c in (r.anchors or {}).get("semantics", []) or []:
            out[r.scale][str(c)] += 1
    return {s: sorted(out[s].items(), key=lambda kv: (-kv[1], kv[0]))[:top]
            for s in scales_present(records) if out[s]}


def truth_source_table(records: list[QARecord]) -> dict[str, dict[str, int]]:
    """Answers per task and truth source, for datasets built from scenes with their own 3D
    annotation (empty when no record states a source: every answer was lifted)."""
    if not any("truth_source" in r.metadata for r in records):
        return {}
    out: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        out[r.task][r.metadata.get("truth_source", "lifted")] += 1
    return {t: dict(sorted(out[t].items())) for t in sorted(out)}


def crosscheck_table(check: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Rows of the lifted-against-annotated distribution (``report.json["annotation_crosscheck"]``):
    the relative error of each lifted box dimension and the lifted points' distance to the
    annotated surface, as n, median, 10th/90th percentile and maximum."""
    header = ["measure", "n", "p10", "median", "p90", "max"]
    rows = []
    for key, name in (("longest_rel_error", "longest side, relative error"),
                      ("width_rel_error", "width, relative error"), ("height_rel_error", "height, relative error"),
                      ("surface_distance_m", "distance to annotated surface (m)")):
        q = check.get(key)
        if q:
            rows.append([name, q["n"], f"{q['p10']:.3g}", f"{q['median']:.3g}", f"{q['p90']:.3g}", f"{q['max']:.3g}"])
    return header, rows


def compute_stats(records: list[QARecord]) -> dict[str, Any]:
    """All statistics of a dataset as one JSON-ready dict."""
    values = numeric_values(records)
    out = {"qa_count": len(records), "scene_count": len({r.scene_id for r in records}),
           "scales": scales_present(records), "task_scale": task_scale_counts(records),
           "answer_types": answer_type_counts(records), "numeric": numeric_summary(values),
           "letters": letter_balance(records),
           "categories": {s: [list(x) for x in v] for s, v in categories_per_scale(records).items()}}
    sources = truth_source_table(records)
    if sources:
        out["truth_sources"] = sources
    return out
