"""One self-contained HTML page of dataset statistics: tables plus the PNG plots embedded as base64."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

_CSS = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;"
        "text-align:right}th:first-child,td:first-child{text-align:left}img{max-width:100%;margin:0.5em 0}")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def tables(stats: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Header and rows of every statistics table (shared by the terminal and the HTML page)."""
    scales = stats["scales"]
    ts = stats["task_scale"]
    out = {"QA items per task and scale": (
        ["task", *scales, "total"],
        [[t, *[by.get(s, 0) for s in scales], sum(by.values())] for t, by in ts.items()]
        + [["total", *[sum(by.get(s, 0) for by in ts.values()) for s in scales], stats["qa_count"]]])}
    kinds = sorted({k for by in stats["answer_types"].values() for k in by})
    out["Answer types per scale"] = (["scale", *kinds],
                                     [[s, *[by.get(k, 0) for k in kinds]] for s, by in stats["answer_types"].items()])
    out["Numerical answers per task"] = (
        ["task", "unit", "n", "min", "median", "max", "<= 0"],
        [[r["task"], r["unit"], r["n"], f"{r['min']:.4g}", f"{r['median']:.4g}", f"{r['max']:.4g}", r["non_positive"]]
         for r in stats["numeric"]])
    out["Correct-letter balance (multiple choice)"] = (
        ["options", "letter", "items", "share", "uniform"],
        [[k, letter, c, f"{c / max(1, sum(counts.values())):.1%}", f"{1 / int(k):.1%}"]
         for k, counts in stats["letters"].items() for letter, c in counts.items()])
    out["Object categories per scale (top 10)"] = (
        ["scale", "categories (mentions)"],
        [[s, ", ".join(f"{c} ({n})" for c, n in items)] for s, items in stats["categories"].items()])
    if stats.get("audit"):
        from spacevista.engine.dataset.audit import audit_table

        out["Blind baselines: accuracy points above chance"] = audit_table(stats["audit"])
    if stats.get("truth_sources"):
        names = sorted({k for by in stats["truth_sources"].values() for k in by})
        out["Answers per truth source"] = (["task", *names], [[t, *[by.get(k, 0) for k in names]]
                                                              for t, by in stats["truth_sources"].items()])
    check = stats.get("annotation_crosscheck")
    if check:
        from spacevista.engine.stats.tables import crosscheck_table

        out["Lifted against annotated objects"] = crosscheck_table(check)
        out["Scenes whose poses disagree with their annotation"] = (
            ["scene", "reason"], [[f["scene"], "; ".join(f["reasons"])] for f in check["flagged_scenes"]])
    return out


def write_html(stats: dict[str, Any], plots: dict[str, Path], path: Path, title: str) -> Path:
    """Write the page to ``path`` (atomically) and return it."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>",
             f"<p>{stats['qa_count']} QA items from {stats['scene_count']} scenes.</p>"]
    order = [("QA items per task and scale", "task_scale"), ("Answer types per scale", "answer_types"),
             ("Numerical answers per task", "numeric"), ("Correct-letter balance (multiple choice)", "letters"),
             ("Object categories per scale (top 10)", "categories")]
    tabs = tables(stats)
    for name in ("Blind baselines: accuracy points above chance", "Answers per truth source",
                 "Lifted against annotated objects", "Scenes whose poses disagree with their annotation"):
        if name in tabs:
            order.append((name, ""))
    for name, plot in order:
        header, rows = tabs[name]
        parts.append(f"<h2>{html.escape(name)}</h2>")
        if plot in plots:
            parts.append(_img(plots[plot], name))
        parts.append(_table(header, rows))
    parts.append("</body></html>\n")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(parts), encoding="utf-8")
    tmp.replace(path)
    return path
