"""Metrics from scored rows, and their tables (Markdown, CSV, JSON, terminal) and radar chart.

Overall is given three ways (:data:`OVERALL_LABELS`): ``item_mean`` (mean over items),
``task_mean`` (mean over task groups of the per-task means, the VSI-Bench convention) and
``category_mean`` (mean of the per-category means: the SpaceVista paper's Table 5 "Overall");
``primary`` names the one the benchmark reports and ``score`` holds it. The tables are those of
the run's scoring mode; ``modes`` holds the overall and per-category scores of every scoring mode,
shown side by side in every report.

A run is complete when every item it was asked to answer has a row: ``complete``, ``expected``
and ``failed`` (items without a row: failed for good, or never reached) say so. Incomplete runs
are flagged in every table and the leaderboard ranks them apart, below the complete ones, since
their scores cover only the items that happened to succeed.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from spacevista.eval.benchmarks import get_benchmark
from spacevista.eval.scoring import DEFAULT_SCORING, MODES

ALL = "ALL"
#: what each overall aggregation is, as reports name it
OVERALL_LABELS = {
    "item_mean": "mean over items",
    "task_mean": "mean over task types",
    "category_mean": "mean of the category means (paper Table 5 overall)",
}


def _mean(xs: list[float]) -> float:
    return math.fsum(xs) / len(xs) if xs else 0.0


def _cell(scores: list[float]) -> dict[str, Any]:
    return {"score": _mean(scores), "count": len(scores)}


def _overall(bench: Any, per_category: dict[str, dict[str, Any]], per_task: dict[str, dict[str, Any]],
             item_mean: float) -> dict[str, Any]:
    groups: dict[str, list[float]] = defaultdict(list)
    for task, cell in per_task.items():
        groups[bench.task_group(task)].append(cell["score"])
    task_mean = _mean([_mean(v) for v in groups.values()])
    category_mean = _mean([c["score"] for c in per_category.values()])
    values = {"item_mean": item_mean, "task_mean": task_mean, "category_mean": category_mean}
    return {**values, "primary": bench.primary, "score": values[bench.primary]}


def _mode_summary(rows: list[dict[str, Any]], bench: Any, mode: str) -> dict[str, Any]:
    """Overall and per-category scores of one scoring mode, from the rows' ``scores``."""
    by_cat: dict[str, list[float]] = defaultdict(list)
    by_task: dict[str, list[float]] = defaultdict(list)
    scores = []
    for r in rows:
        s = float(r["scores"][mode])
        scores.append(s)
        by_cat[r.get("category") or ""].append(s)
        by_task[r.get("task") or ""].append(s)
    per_category = {k: _cell(v) for k, v in sorted(by_cat.items())}
    per_task = {k: _cell(v) for k, v in sorted(by_task.items())}
    return {"overall": _overall(bench, per_category, per_task, _mean(scores)), "per_category": per_category}


def compute_metrics(rows: list[dict[str, Any]], benchmark: str | None = None,
                    scoring: str | None = None, expected: int | None = None) -> dict[str, Any]:
    """Metrics of scored rows: overall, per category, task, task group, answer type, and the
    category x task and category x answer-type tables of the rows' ``score`` (its mode is
    ``scoring``, else the rows' own), and under ``modes`` the overall and per-category scores of
    every mode whose score every row carries. ``expected`` is how many items the run was asked to
    answer (None: as many as there are rows); fewer rows mark the metrics incomplete."""
    name = benchmark if benchmark is not None else (rows[0].get("benchmark", "") if rows else "")
    bench = get_benchmark(name)
    if scoring is None:
        scoring = (rows[0].get("scoring") if rows else None) or DEFAULT_SCORING
    by: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    cross_task: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    cross_type: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    scores: list[float] = []
    failures = 0
    for r in rows:
        s = float(r["score"])
        scores.append(s)
        if r.get("parsed") is None:
            failures += 1
        cat, task, atype = r.get("category") or "", r.get("task") or "", r.get("answer_type") or ""
        by["category"][cat].append(s)
        by["task"][task].append(s)
        by["answer_type"][atype].append(s)
        cross_task[cat][task].append(s)
        cross_type[cat][atype].append(s)
    per_task = {k: _cell(v) for k, v in sorted(by["task"].items())}
    groups: dict[str, list[float]] = defaultdict(list)
    for task, cell in per_task.items():
        groups[bench.task_group(task)].append(cell["score"])
    per_group = {g: {"score": _mean(v), "tasks": len(v)} for g, v in sorted(groups.items())}
    per_category = {k: _cell(v) for k, v in sorted(by["category"].items())}
    modes = {m: _mode_summary(rows, bench, m) for m in MODES
             if rows and all(m in (r.get("scores") or {}) for r in rows)}
    expected = len(rows) if expected is None else max(int(expected), len(rows))
    return {
        "benchmark": name,
        "count": len(rows),
        "expected": expected,
        "failed": expected - len(rows),
        "complete": expected == len(rows),
        "parse_failures": failures,
        "scoring": scoring,
        "overall": _overall(bench, per_category, per_task, _mean(scores)),
        "modes": modes,
        "per_category": per_category,
        "per_task": per_task,
        "per_task_group": per_group,
        "per_answer_type": {k: _cell(v) for k, v in sorted(by["answer_type"].items())},
        "per_category_task": {c: {t: _cell(v) for t, v in sorted(d.items())} for c, d in sorted(cross_task.items())},
        "per_category_answer_type": {c: {t: _cell(v) for t, v in sorted(d.items())}
                                     for c, d in sorted(cross_type.items())},
    }


def long_table(m: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics as rows ``category, task, answer_type, count, score`` (``ALL`` aggregates)."""
    out = []
    for cat, d in m["per_category_task"].items():
        for task, c in d.items():
            out.append({"category": cat, "task": task, "answer_type": ALL, **c})
    for cat, d in m["per_category_answer_type"].items():
        for at, c in d.items():
            out.append({"category": cat, "task": ALL, "answer_type": at, **c})
    for cat, c in m["per_category"].items():
        out.append({"category": cat, "task": ALL, "answer_type": ALL, **c})
    for task, c in m["per_task"].items():
        out.append({"category": ALL, "task": task, "answer_type": ALL, **c})
    for at, c in m["per_answer_type"].items():
        out.append({"category": ALL, "task": ALL, "answer_type": at, **c})
    out.append({"category": ALL, "task": ALL, "answer_type": ALL, "count": m["count"],
                "score": m["overall"]["item_mean"]})
    return out


def to_csv(m: dict[str, Any]) -> str:
    """The long table as CSV."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["category", "task", "answer_type", "count", "score"], lineterminator="\n")
    w.writeheader()
    for r in long_table(m):
        w.writerow({**r, "score": f"{r['score']:.6f}"})
    return buf.getvalue()


def to_json(m: dict[str, Any]) -> str:
    return json.dumps(m, indent=2, sort_keys=True) + "\n"


def _grid(m: dict[str, Any], key: str, row_names: list[str]) -> tuple[list[str], list[list[str]]]:
    cats = list(m["per_category"])
    header = [key.replace("_", " ")] + cats + [ALL]
    lines = []
    per = m["per_category_task"] if key == "task" else m["per_category_answer_type"]
    totals = m["per_task"] if key == "task" else m["per_answer_type"]
    for r in row_names:
        cells = [r]
        for c in cats:
            cell = per.get(c, {}).get(r)
            cells.append(f"{100 * cell['score']:.1f} ({cell['count']})" if cell else "–")
        cells.append(f"{100 * totals[r]['score']:.1f} ({totals[r]['count']})")
        lines.append(cells)
    foot = ["ALL"] + [f"{100 * m['per_category'][c]['score']:.1f} ({m['per_category'][c]['count']})" for c in cats]
    foot.append(f"{100 * m['overall']['item_mean']:.1f} ({m['count']})")
    lines.append(foot)
    return header, lines


def incomplete_note(m: dict[str, Any]) -> str:
    """An empty string for complete metrics, else a line saying how many items have no result."""
    if m.get("complete", True):
        return ""
    return (f"INCOMPLETE: {m['failed']} of {m['expected']} items have no result; the scores cover "
            f"the {m['count']} that do")


def md_table(header: list[str], lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in lines]
    return "\n".join(out)


def mode_name(mode: str) -> str:
    """A scoring mode as reports name it, the default marked."""
    return f"{mode} (default)" if mode == DEFAULT_SCORING else mode


def modes_table(m: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Every overall aggregation and category (rows) in every scoring mode (columns), x100; the
    benchmark's primary aggregation is starred."""
    modes = m.get("modes") or {}
    names = list(modes) or [m.get("scoring", DEFAULT_SCORING)]
    got = {k: modes.get(k) or {"overall": m["overall"], "per_category": m["per_category"]} for k in names}
    header = ["aggregation"] + [mode_name(k) for k in names]
    lines = []
    for key, label in OVERALL_LABELS.items():
        star = " *" if key == m["overall"]["primary"] else ""
        lines.append([label + star] + [f"{100 * got[k]['overall'][key]:.2f}" for k in names])
    for cat in m["per_category"]:
        lines.append([f"category {cat or '–'}"] + [f"{100 * got[k]['per_category'][cat]['score']:.2f}"
                                                  if cat in got[k]["per_category"] else "–" for k in names])
    return header, lines


def to_markdown(m: dict[str, Any], title: str = "") -> str:
    """Scores x100 (item counts in brackets): overall in every scoring mode, then task x category
    and answer type x category in the run's mode."""
    o = m["overall"]
    parts = []
    if title:
        parts.append(f"## {title}\n")
    if incomplete_note(m):
        parts.append(f"**{incomplete_note(m)}**\n")
    scoring = m.get("scoring", DEFAULT_SCORING)
    parts.append(f"Overall ({OVERALL_LABELS[o['primary']]}, {mode_name(scoring)} scoring): "
                 f"**{100 * o['score']:.2f}**  \n"
                 f"{m['count']} items, {m['parse_failures']} unparsed; * marks the aggregation the "
                 f"benchmark reports; the tables below use {scoring} scoring\n")
    parts.append(md_table(*modes_table(m)) + "\n")
    parts.append(md_table(*_grid(m, "task", list(m["per_task"]))) + "\n")
    parts.append(md_table(*_grid(m, "answer_type", list(m["per_answer_type"]))) + "\n")
    if any(g["tasks"] > 1 for g in m["per_task_group"].values()):
        parts.append(md_table(["task group", "score", "tasks"],
                         [[g, f"{100 * v['score']:.1f}", str(v["tasks"])] for g, v in m["per_task_group"].items()]) + "\n")
    return "\n".join(parts)


def terminal_tables(m: dict[str, Any], title: str = "") -> tuple[list[tuple[str, list[str], list[list[str]]]],
                                                                 list[str]]:
    """What the terminal report shows: (title, header, rows) of the overall, task and answer-type
    tables, then the summary lines (overall score, and the incomplete note when there is one)."""
    tables = [("overall by scoring mode (* the aggregation the benchmark reports)", *modes_table(m))]
    for key, names in (("task", list(m["per_task"])), ("answer_type", list(m["per_answer_type"]))):
        tables.append(((title or "by task") if key == "task" else "by answer type", *_grid(m, key, names)))
    o = m["overall"]
    lines = [f"overall ({OVERALL_LABELS[o['primary']]}, {mode_name(m.get('scoring', DEFAULT_SCORING))} "
             f"scoring): {100 * o['score']:.2f}  ({m['count']} items, {m['parse_failures']} unparsed)"]
    if incomplete_note(m):
        lines.append(incomplete_note(m))
    return tables, lines


def render(m: dict[str, Any], fmt: str, title: str = "") -> str:
    """Text of the metrics in ``fmt`` (markdown, csv, json); the terminal tables are the command
    line's (:func:`terminal_tables`)."""
    if fmt == "markdown":
        return to_markdown(m, title)
    if fmt == "csv":
        return to_csv(m)
    if fmt == "json":
        return to_json(m)
    raise ValueError(f"unknown format {fmt!r}; expected markdown, csv or json")


# ----------------------------------------------------------------------------- several runs

def leaderboard(named: Iterable[tuple[str, dict[str, Any]]], by: str = "category") -> tuple[list[str], list[list[str]]]:
    """Rows per run: rank, run, the primary overall in every scoring mode side by side, the scoring
    mode of the other columns, item, task and category means and one column per ``by`` key.
    Complete runs come first, best overall first, ranked 1, 2, ...; incomplete runs follow,
    unranked ("–") and flagged in the run column, so a run whose items mostly failed cannot rank
    above (or among) runs that answered everything."""
    named = list(named)
    key = {"category": "per_category", "task": "per_task", "answer_type": "per_answer_type"}[by]
    cols = sorted({c for _, m in named for c in m[key]})
    header = (["rank", "run"] + [f"overall {mode_name(k)}" for k in MODES] + ["scoring"]
              + [OVERALL_LABELS[k] for k in OVERALL_LABELS] + cols)
    rows = []
    rank = 0
    for name, m in sorted(named, key=lambda nm: (not nm[1].get("complete", True), -nm[1]["overall"]["score"],
                                                  nm[0])):
        o, modes = m["overall"], m.get("modes") or {}
        if m.get("complete", True):
            rank += 1
            place, label = str(rank), name
        else:
            place, label = "–", f"{name} (incomplete: {m['failed']} of {m['expected']} items missing)"
        side = [f"{100 * modes[k]['overall']['score']:.2f}" if k in modes else "–" for k in MODES]
        rows.append([place, label] + side + [m.get("scoring", DEFAULT_SCORING)]
                    + [f"{100 * o[k]:.2f}" for k in OVERALL_LABELS]
                    + [f"{100 * m[key][c]['score']:.1f}" if c in m[key] else "–" for c in cols])
    return header, rows


def leaderboard_markdown(named: Iterable[tuple[str, dict[str, Any]]], by: str = "category") -> str:
    return md_table(*leaderboard(named, by)) + "\n"


def radar_chart(named: Iterable[tuple[str, dict[str, Any]]], path: str | Path, by: str = "task",
                title: str = "") -> Path:
    """A radar chart PNG with one polygon per run over the ``by`` axes (task or category)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    named = list(named)
    key = {"category": "per_category", "task": "per_task", "answer_type": "per_answer_type"}[by]
    axes = sorted({c for _, m in named for c in m[key]})
    if len(axes) < 3:
        raise ValueError(f"a radar chart needs at least 3 {by} axes, the runs have {len(axes)}")
    angles = np.linspace(0, 2 * np.pi, len(axes), endpoint=False).tolist()
    fig = plt.figure(figsize=(7, 7), dpi=100)
    ax = fig.add_subplot(111, polar=True)
    for name, m in named:
        vals = [100 * m[key][a]["score"] if a in m[key] else 0.0 for a in axes]
        label = name if m.get("complete", True) else f"{name} (incomplete)"
        ax.plot(angles + angles[:1], vals + vals[:1], linewidth=1.5, label=label)
        ax.fill(angles + angles[:1], vals + vals[:1], alpha=0.1)
    ax.set_xticks(angles)
    ax.set_xticklabels([a.replace("_", " ") for a in axes], fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_rlabel_position(180.0 / len(axes))  # radial scale between the first two axes
    ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.1), fontsize=8)
    if title:
        ax.set_title(title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return path
