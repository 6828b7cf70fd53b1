"""One annotation run over a dataset: build requests, send the uncached ones, judge, write results.

Files written in the dataset directory:

- ``annotate_cache.jsonl``: one line per reply received, ``{hash, model, kind, id, text, usage}``,
  appended and flushed as each reply arrives. A request whose prompt hash is there is never sent
  again: this is both the cache and the resume (an interrupted run loses at most the requests in
  flight).
- ``annotations.jsonl``: one line per (item, model, kind): id, task, kind, model, prompt_hash,
  rationale (the model's reasoning, or its instruction / rewritten question), answer (parsed),
  agrees, reason, confidence, kept. The computed answer and grounded rationale in ``qa.jsonl`` are
  never touched.
- ``annotate_report.json``: counts kept and dropped per task, tokens, cost, requests sent / cached.
- ``sft_distilled.json`` (with ``export=True``): ``sft.json``'s ShareGPT entries with the kept
  distilled rationale as the assistant turn where there is one, the grounded rationale elsewhere.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from spacevista.annotate.consistency import (PLANNING_TASKS, RELATION_TASKS, Judgement, choose,
                                             distilled_rationale, judge)
from spacevista.annotate.directions import check_instruction, check_rephrase
from spacevista.annotate.prompts import build_prompt, plan_text, prompt_hash
from spacevista.engine.dataset.exports import marked_frames, sharegpt_entry
from spacevista.errors import EndpointUnreachable, SceneError, SpaceVistaError
from spacevista.qa.types import Prompt
from spacevista.io.jsonl import read_jsonl
from spacevista.records import QARecord

CACHE = "annotate_cache.jsonl"
ANNOTATIONS = "annotations.jsonl"
REPORT = "annotate_report.json"
EXPORT = "sft_distilled.json"


class UsageBackend(Protocol):
    """What a run needs of a model client (``OpenAIChatBackend`` is one)."""

    model: str
    concurrency: int
    jpeg_quality: int

    def complete_with_usage(self, prompt: Prompt) -> tuple[str, dict[str, Any]]:
        ...


@dataclass
class AnnotateOptions:
    """What to annotate and how."""

    mode: str = "hinted"
    tasks: tuple[str, ...] | None = None
    limit: int | None = None
    n_frames: int = 8
    max_side: int = 448
    max_new_tokens: int = 1024
    instructions: bool = True
    rephrase: bool = True
    export: bool = False
    price_in: float = 0.0  # per 1k prompt tokens
    price_out: float = 0.0  # per 1k completion tokens
    chunk: int = 64  # items whose prompts are built and sent together


@dataclass
class Job:
    record: QARecord
    model: str
    kind: str
    prompt: Prompt
    hash: str


@dataclass
class RunResult:
    """Summary of a run (also written to ``annotate_report.json``)."""

    report: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)


class ReplyCache:
    """Append-only JSONL of replies keyed by prompt hash; safe to append from several threads."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        if path.exists():
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                        self.entries[row["hash"]] = row
                    except (json.JSONDecodeError, KeyError, TypeError):
                        # a line cut by an interrupted write: that request is simply sent again
                        continue

    def get(self, h: str) -> dict[str, Any] | None:
        return self.entries.get(h)

    def put(self, row: dict[str, Any]) -> None:
        line = json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"
        with self._lock:
            self.entries[row["hash"]] = row
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line)
                f.flush()


def load_records(root: Path, tasks: tuple[str, ...] | None, limit: int | None) -> list[QARecord]:
    """The dataset's records, restricted to ``tasks`` and cut to the first ``limit``."""
    qa = root / "qa.jsonl"
    if not qa.exists():
        raise SpaceVistaError(f"{root}: no qa.jsonl (not a dataset directory)")
    recs = list(read_jsonl(qa))
    if tasks:
        known = {r.task for r in recs}
        unknown = [t for t in tasks if t not in known]
        if len(unknown) == len(tasks):
            raise SpaceVistaError(f"{qa}: none of the tasks {list(tasks)} occur (present: {sorted(known)})")
        recs = [r for r in recs if r.task in tasks]
    return recs[:limit] if limit is not None else recs


def kinds_for(record: QARecord, opts: AnnotateOptions) -> list[str]:
    kinds = ["rationale"]
    if opts.instructions and record.task in PLANNING_TASKS:
        kinds.append("instruction")
    if opts.rephrase and record.task in RELATION_TASKS:
        kinds.append("rephrase")
    return kinds


def build_jobs(records: list[QARecord], root: Path, backends: list[UsageBackend],
               opts: AnnotateOptions) -> list[Job]:
    """Every request of the run, in record, model, kind order."""
    jobs: list[Job] = []
    for r in records:
        try:
            prompts = {k: build_prompt(r, root, k, opts.mode, n_frames=opts.n_frames, max_side=opts.max_side,
                                       max_new_tokens=opts.max_new_tokens) for k in kinds_for(r, opts)}
        except (ValueError, OSError) as e:
            # a missing or unreadable frame or mask: the dataset is broken here; replies already
            # cached stay, so a rerun after the fix resumes
            raise SceneError(r.scene_id, str(root / "qa.jsonl"), f"item {r.id}: {e}") from e
        for b in backends:
            for k, p in prompts.items():
                jobs.append(Job(r, b.model, k, p, prompt_hash(b.model, p, b.jpeg_quality)))
    return jobs


def send(jobs: list[Job], backends: list[UsageBackend], cache: ReplyCache,
         progress: Callable[[int, int], None] | None = None) -> tuple[set[str], int, dict[str, str]]:
    """Send the jobs whose hash is not cached, each model on its own pool of ``concurrency`` threads
    (the models' pools run side by side).
    Returns (hashes answered in this call, requests found in the cache, {hash: error} of requests
    that failed for good). Raises :class:`EndpointUnreachable` when a model's server cannot be
    reached: the requests not yet sent are dropped, those in flight land in the cache first."""
    by_model = {b.model: b for b in backends}
    todo: dict[str, list[Job]] = {}
    seen: set[str] = set()
    cached = 0
    for j in jobs:
        if j.hash in seen:
            continue
        seen.add(j.hash)
        if cache.get(j.hash) is None:
            todo.setdefault(j.model, []).append(j)
        else:
            cached += 1
    total = sum(len(v) for v in todo.values())
    done = 0
    answered: set[str] = set()
    errors: dict[str, str] = {}
    lock = threading.Lock()
    stopped: list[EndpointUnreachable] = []

    def one(j: Job) -> None:
        nonlocal done
        if stopped:
            return
        try:
            text, usage = by_model[j.model].complete_with_usage(j.prompt)
        except EndpointUnreachable as e:
            with lock:
                stopped.append(e)
            return
        except SpaceVistaError as e:
            with lock:
                errors[j.hash] = str(e)
            return
        cache.put({"hash": j.hash, "model": j.model, "kind": j.kind, "id": j.record.id, "text": text,
                   "usage": usage})
        with lock:
            done += 1
            answered.add(j.hash)
            if progress:
                progress(done, total)

    pools = {m: ThreadPoolExecutor(max(1, min(by_model[m].concurrency, len(js)))) for m, js in todo.items()}
    try:
        futures = [pools[m].submit(one, j) for m, js in todo.items() for j in js]
        for fut in futures:
            fut.result()
    finally:
        # on an interruption, requests not started are dropped; those in flight finish and land
        # in the cache, so a rerun sends neither twice
        for ex in pools.values():
            ex.shutdown(wait=True, cancel_futures=True)
    if stopped:
        raise stopped[0]
    return answered, cached, errors


def _usage(row: dict[str, Any] | None) -> tuple[int, int]:
    u = (row or {}).get("usage") or {}
    return int(u.get("prompt_tokens") or 0), int(u.get("completion_tokens") or 0)


def _text_row(job: Job, text: str | None, ok: bool, why: str) -> dict[str, Any]:
    return {"id": job.record.id, "task": job.record.task, "kind": job.kind, "model": job.model,
            "prompt_hash": job.hash, "rationale": (text or "").strip(), "answer": None, "agrees": ok,
            "reason": why, "confidence": None, "kept": False}


def judge_all(jobs: list[Job], cache: ReplyCache,
              errors: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, Judgement]]:
    """Annotation rows for every job (in job order), and the kept rationale per item id."""
    rows: list[dict[str, Any]] = []
    by_item: dict[str, list[tuple[Judgement, dict[str, Any]]]] = {}
    first_ok: dict[tuple[str, str], dict[str, Any]] = {}
    for j in jobs:
        hit = cache.get(j.hash)
        if hit is None:
            rows.append(_text_row(j, None, False, f"error: {errors.get(j.hash, 'no reply')}"))
            if j.kind == "rationale":
                by_item.setdefault(j.record.id, [])
            continue
        text = hit["text"]
        if j.kind == "rationale":
            jd = judge(j.record, j.model, text)
            row = {"id": j.record.id, "task": j.record.task, "kind": j.kind, "model": j.model,
                   "prompt_hash": j.hash, "rationale": jd.rationale, "answer": jd.parsed, "agrees": jd.agrees,
                   "reason": jd.reason, "confidence": jd.confidence, "kept": False}
            by_item.setdefault(j.record.id, []).append((jd, row))
        elif j.kind == "instruction":
            ok, why = check_instruction(text, plan_text(j.record))
            row = _text_row(j, text, ok, "agrees" if ok else f"disagrees: {why}")
            if ok and (j.record.id, j.kind) not in first_ok:
                first_ok[(j.record.id, j.kind)] = row
        else:
            names = [s for s in (j.record.anchors or {}).get("semantics", []) if isinstance(s, str)]
            names = [n for n in names if n.lower() in j.record.question.lower()]
            ok, why = check_rephrase(text, j.record.question, names)
            row = _text_row(j, text, ok, "agrees" if ok else f"disagrees: {why}")
            if ok and (j.record.id, j.kind) not in first_ok:
                first_ok[(j.record.id, j.kind)] = row
        rows.append(row)
    for row in first_ok.values():
        row["kept"] = True
    kept: dict[str, Judgement] = {}
    for item_id, pairs in by_item.items():
        best = choose([jd for jd, _ in pairs])
        if best is not None:
            kept[item_id] = best
            for jd, row in pairs:
                if jd is best:
                    row["kept"] = True
    return rows, kept


def summarise(rows: list[dict[str, Any]], records: list[QARecord], all_hashes: set[str], cache: ReplyCache,
              sent: set[str], cached: int, opts: AnnotateOptions, models: list[str]) -> dict[str, Any]:
    """Per-task counts, tokens and cost."""
    per: dict[str, dict[str, int]] = {}
    for r in records:
        per.setdefault(r.task, {"items": 0, "kept": 0, "dropped": 0, "disagree": 0, "malformed": 0, "error": 0,
                                "instruction_kept": 0, "instruction_dropped": 0,
                                "rephrase_kept": 0, "rephrase_dropped": 0,
                                "instruction_mismatch": 0, "rephrase_mismatch": 0})["items"] += 1
    item_kept: dict[str, bool] = {}
    for row in rows:
        t = per[row["task"]]
        if row["kind"] == "rationale":
            item_kept[row["id"]] = item_kept.get(row["id"], False) or row["kept"]
            if not row["agrees"]:
                key = row["reason"].split(":", 1)[0]
                t[key if key in ("malformed", "error") else "disagree"] += 1
        elif row["reason"].startswith("disagrees"):
            t[f"{row['kind']}_mismatch"] += 1  # replies whose directions / relation words differ
    for r in records:
        per[r.task]["kept" if item_kept.get(r.id) else "dropped"] += 1
    for kind in ("instruction", "rephrase"):
        got: dict[str, bool] = {}
        task_of: dict[str, str] = {}
        for row in rows:
            if row["kind"] == kind:
                got[row["id"]] = got.get(row["id"], False) or row["kept"]
                task_of[row["id"]] = row["task"]
        for i, ok in got.items():
            per[task_of[i]][f"{kind}_{'kept' if ok else 'dropped'}"] += 1
    def tokens(hashes: set[str]) -> tuple[int, int]:
        tin = tout = 0
        for h in hashes:
            a, b = _usage(cache.get(h))
            tin, tout = tin + a, tout + b
        return tin, tout
    tin, tout = tokens(sent)
    ain, aout = tokens(all_hashes)
    total = {k: sum(v[k] for v in per.values()) for k in next(iter(per.values()), {})}
    def cost(a: int, b: int) -> float:
        return round(a / 1000 * opts.price_in + b / 1000 * opts.price_out, 6)
    # tokens / cost: what this run paid (sent requests); *_all: what the replies used cost in total,
    # cached ones included
    return {"models": models, "mode": opts.mode, "items": len(records), "requests": len(all_hashes),
            "sent": len(sent), "cached": cached,
            "tokens": {"prompt": tin, "completion": tout}, "cost": cost(tin, tout),
            "tokens_all": {"prompt": ain, "completion": aout}, "cost_all": cost(ain, aout),
            "price_per_1k": {"in": opts.price_in, "out": opts.price_out},
            "per_task": dict(sorted(per.items())), "total": total}


def _dump(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_export(records: list[QARecord], kept: dict[str, Judgement], root: Path,
                 rows: list[dict[str, Any]] = ()) -> int:
    """``sft_distilled.json``; returns how many entries carry a distilled rationale. Entries of
    planning items with an accepted instruction get ``instruction``, relation items with an
    accepted rephrasing ``rephrased_question`` (extra keys; the conversation is unchanged)."""
    extra = {(row["id"], row["kind"]): row["rationale"] for row in rows
             if row["kept"] and row["kind"] in ("instruction", "rephrase")}
    entries = []
    n = 0
    for r in records:
        e = sharegpt_entry(r, root, marked_frames(r, root))
        if (r.id, "instruction") in extra:
            e["instruction"] = extra[(r.id, "instruction")]
        if (r.id, "rephrase") in extra:
            e["rephrased_question"] = extra[(r.id, "rephrase")]
        if r.id in kept:
            e["messages"][1]["content"] = distilled_rationale(r, kept[r.id])
            e["rationale_source"] = kept[r.id].model
            n += 1
        else:
            e["rationale_source"] = "engine"
        entries.append(e)
    _dump(entries, root / EXPORT)
    return n


def annotate(root: str | Path, backends: list[UsageBackend], opts: AnnotateOptions = AnnotateOptions(),
             progress: Callable[[int], None] | None = None) -> RunResult:
    """Annotate the dataset in ``root`` with every backend; see the module docstring for the files.
    ``progress(n)`` is called with the number of replies received so far in this run. An
    unreachable server raises :class:`EndpointUnreachable` with the replies received so far in
    the cache and the earlier annotations and report left as they were."""
    root = Path(root)
    if not backends:
        raise ValueError("annotate needs at least one model")
    models = [b.model for b in backends]
    if len(set(models)) != len(models):
        raise ValueError(f"each --model once: {models}")
    records = load_records(root, opts.tasks, opts.limit)
    cache = ReplyCache(root / CACHE)
    rows: list[dict[str, Any]] = []
    kept: dict[str, Judgement] = {}
    sent: set[str] = set()
    all_hashes: set[str] = set()
    cached, errors = 0, {}
    step = max(1, opts.chunk)
    done_before = 0
    for start in range(0, len(records), step):
        # prompts (with their frames) are built per chunk so memory stays flat on large sets
        jobs = build_jobs(records[start:start + step], root, backends, opts)
        all_hashes.update(j.hash for j in jobs)

        def chunk_progress(done: int, total: int, base: int = done_before) -> None:
            progress(base + done)
        s_c, c_c, e_c = send(jobs, backends, cache, chunk_progress if progress else None)
        sent |= s_c
        cached += c_c
        errors.update(e_c)
        done_before += len(s_c)
        r_c, k_c = judge_all(jobs, cache, errors)
        rows += r_c
        kept.update(k_c)
    tmp = root / (ANNOTATIONS + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, root / ANNOTATIONS)
    report = summarise(rows, records, all_hashes, cache, sent, cached, opts, models)
    report["errors"] = len(errors)
    if opts.export:
        report["exported"] = write_export(records, kept, root, rows)
    _dump(report, root / REPORT)
    return RunResult(report, rows)
