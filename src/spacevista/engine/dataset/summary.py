"""Summaries of a build: counts per task and scale, engine accuracy, drops and skips."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Iterable

import numpy as np

from spacevista.engine.dataset.audit import run_audit
from spacevista.engine.scene.crosscheck import summarise_crosschecks
from spacevista.engine.scene.questions import SceneQA
from spacevista.records import QARecord
from spacevista.scene import Scale
from spacevista.tasks.wording import template_count

SCALE_ORDER = [s.value for s in Scale]


def engine_accuracy(records: Iterable[QARecord]) -> dict[str, dict[str, float]]:
    """Mean self-score per task and scale over records that have an exact answer."""
    acc: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r.engine_score is not None:
            acc[r.task][r.scale].append(r.engine_score)
    return {t: {s: round(float(np.mean(v)), 4) for s, v in sorted(by.items(), key=lambda kv: SCALE_ORDER.index(kv[0]))}
            for t, by in sorted(acc.items())}


def truth_source_counts(records: Iterable[QARecord]) -> dict[str, Any]:
    """Answers per truth source ("annotation": a source's own 3D annotation; "lifted": depth and
    masks of the frames, which every record of a scene without annotation is), overall and per task."""
    total: Counter = Counter()
    by_task: dict[str, Counter] = defaultdict(Counter)
    for r in records:
        src = r.metadata.get("truth_source", "lifted")
        total[src] += 1
        by_task[r.task][src] += 1
    return {"total": dict(sorted(total.items())),
            "by_task": {t: dict(sorted(c.items())) for t, c in sorted(by_task.items())}}


def refusals(results: list[SceneQA]) -> dict[str, dict[str, dict[str, int]]]:
    """Gate refusals per task, scale and reason (``refused:<task>:<reason>`` entries of ``dropped``)."""
    out: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for res in results:
        for key, n in res.dropped.items():
            if key.startswith("refused:"):
                _, task, reason = key.split(":", 2)
                out[task][res.scale][reason] += n
    return {t: {s: dict(sorted(c.items())) for s, c in sorted(by.items(), key=lambda kv: SCALE_ORDER.index(kv[0]))}
            for t, by in sorted(out.items())}


def precision_yield(records: list[QARecord], refused: dict[str, dict[str, dict[str, int]]]
                    ) -> dict[str, dict[str, dict[str, Any]]]:
    """Per task and scale: candidate questions (emitted + refused by a gate), items emitted, yield
    (emitted / candidates) and, where exact truth exists, precision (the engine's mean accuracy)."""
    emitted: dict[str, Counter] = defaultdict(Counter)
    scores: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        emitted[r.task][r.scale] += 1
        if r.engine_score is not None:
            scores[r.task][r.scale].append(r.engine_score)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for task in sorted(set(emitted) | set(refused)):
        scales = set(emitted.get(task, {})) | set(refused.get(task, {}))
        cells = {}
        for s in sorted(scales, key=SCALE_ORDER.index):
            n = emitted[task][s]
            cand = n + sum(refused.get(task, {}).get(s, {}).values())
            sc = scores[task][s]
            cells[s] = {"candidates": cand, "emitted": n, "yield": round(n / cand, 4) if cand else None,
                        "precision": round(float(np.mean(sc)), 4) if sc else None}
        out[task] = cells
    return out


def summarise(results: list[SceneQA], errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The report.json of a build."""
    records = [r for res in results for r in res.records]
    dropped: Counter = Counter()
    skipped: dict[str, list[dict[str, str]]] = {}
    for res in results:
        dropped.update(res.dropped)
        if res.skipped:
            skipped[res.scene_id] = res.skipped
    n_dup = dropped.get("duplicate", 0)
    checks = [(res.scene_id, res.crosscheck) for res in results if res.crosscheck]
    extra = {"annotation_crosscheck": summarise_crosschecks(checks)} if checks else {}
    refused = refusals(results)
    return {**extra,
        "qa_count": len(records),
        "scene_count": len(results),
        "scales": {s: c for s, c in sorted(Counter(r.scale for r in records).items(),
                                           key=lambda kv: SCALE_ORDER.index(kv[0]))},
        "tasks": dict(sorted(Counter(r.task for r in records).items())),
        "answer_types": dict(sorted(Counter(r.answer_type for r in records).items())),
        "task_scale": {t: dict(sorted(Counter(r.scale for r in records if r.task == t).items()))
                       for t in sorted({r.task for r in records})},
        "engine_accuracy": engine_accuracy(records),
        "truth_sources": truth_source_counts(records),
        "refusals": refused,
        "precision_yield": precision_yield(records, refused),
        "dropped": {k: v for k, v in sorted(dropped.items()) if not k.startswith("refused:")},
        "duplicate_rate": n_dup / max(1, n_dup + len(records)),
        "skipped": skipped,
        "errors": errors or [],
        "templates": template_count(),
        "audit": run_audit(records),
    }


def accuracy_table(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows (task x scale, mean per task) for printing or Markdown."""
    acc = report["engine_accuracy"]
    header = ["task"] + SCALE_ORDER + ["mean", "n"]
    rows = []
    for task in sorted(acc):
        vals = [acc[task].get(s) for s in SCALE_ORDER]
        present = [v for v in vals if v is not None]
        rows.append([task] + ["-" if v is None else f"{v:.3f}" for v in vals]
                    + [f"{np.mean(present):.3f}" if present else "-", str(report["tasks"].get(task, 0))])
    return header, rows


def precision_yield_table(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows: per task and scale "precision / yield" (engine accuracy against exact truth,
    share of candidate questions emitted), then the task's mean precision, total yield and items."""
    py = report["precision_yield"]
    header = ["task"] + SCALE_ORDER + ["precision", "yield", "n"]
    rows = []
    for task in sorted(py):
        cells, precs, cand, n = [], [], 0, 0
        for s in SCALE_ORDER:
            c = py[task].get(s)
            if not c or not c["candidates"]:
                cells.append("-")
                continue
            cand += c["candidates"]
            n += c["emitted"]
            p = c["precision"]
            if p is not None:
                precs.append(p)
            cells.append(f"{'-' if p is None else f'{p:.3f}'} / {c['yield']:.0%}")
        rows.append([task] + cells + [f"{np.mean(precs):.3f}" if precs else "-",
                                      f"{n / cand:.0%}" if cand else "-", str(n)])
    return header, rows


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
