"""Run a backend over benchmark items, scoring and saving each row as soon as it is answered.

``results.jsonl`` gets one line per finished item (flushed at once), so a killed run loses only
the items in flight; ``resume`` reads the file back (dropping a torn last line and duplicate ids),
asks only for the missing items and appends. A chunk whose backend call fails is not written,
so a later resume asks for it again.

Prompts are prepared on their own small thread pool, ahead of the requests (up to twice the
concurrency of chunks queued), so that image work overlaps the waiting for replies; frame files
go through a :class:`~spacevista.qa.framecache.FrameCache`, so that a frame several items send is
decoded, drawn, resized and encoded once.

When the backend reports its endpoint unreachable (:class:`~spacevista.errors.EndpointUnreachable`,
raised by the API backend's circuit breaker) no more chunks are sent: the ones in flight finish
(or fail at once), the run returns with ``stopped`` set, and the items never sent are left for a
``resume``.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from spacevista.errors import EndpointUnreachable
from spacevista.qa.framecache import FrameCache
from spacevista.qa.items import EvalItem
from spacevista.qa.prompts import build_prompt
from spacevista.eval.benchmarks import get_benchmark
from spacevista.eval.scoring import DEFAULT_SCORING, rescore_row
from spacevista.qa.types import Backend

RESULTS_FILE = "results.jsonl"
METRICS_FILE = "metrics.json"
RUN_FILE = "run.json"


@dataclass
class RunOptions:
    """How prompts are built and requests scheduled."""

    n_frames: int = 16
    max_side: int = 448
    mode: str = "think"
    max_new_tokens: int = 1024
    concurrency: int = 8
    batch_size: int = 1
    resume: bool = False
    with_images: bool = True
    #: scoring mode of each row's ``score`` (both modes are always stored in ``scores``)
    scoring: str = DEFAULT_SCORING
    #: memory for prepared frames shared between items, MiB (0: prepare every frame for every item)
    frame_cache_mb: int = 512
    #: threads preparing prompts ahead of the requests (0: as many as CPUs, at most 4)
    prepare_workers: int = 0


@dataclass
class RunSummary:
    """What a run did."""

    rows: list[dict[str, Any]]
    new: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: what the frame cache held and served (empty without one)
    frame_cache: dict[str, Any] = field(default_factory=dict)
    #: why the run stopped before sending every item (the endpoint's error), None when it did not
    stopped: str | None = None
    #: items of this run neither answered nor failed (not sent after a stop)
    unanswered: int = 0


def read_results(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a results file; a torn (unparsable) last line is dropped, one elsewhere raises;
    the first row of each id wins."""
    path = Path(path)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    last = max((i for i, ln in enumerate(lines) if ln.strip()), default=-1)
    for i, ln in enumerate(lines):
        if not ln.strip():
            continue
        try:
            row = json.loads(ln)
        except json.JSONDecodeError as e:
            if i == last:
                break
            raise ValueError(f"{path}:{i + 1}: malformed results row ({e})") from e
        if row.get("id") in seen:
            continue
        seen.add(row.get("id"))
        rows.append(row)
    return rows


def expected_items(results: str | Path) -> int | None:
    """How many items the run that wrote ``results`` was asked to answer, from the ``run.json``
    beside it (None when there is none, or it does not say)."""
    run = Path(results).with_name(RUN_FILE)
    try:
        n = json.loads(run.read_text(encoding="utf-8")).get("items")
    except (OSError, ValueError, AttributeError):
        return None
    return n if isinstance(n, int) and not isinstance(n, bool) else None


def _rewrite(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, path)


def make_row(item: EvalItem, prediction: str | None, scoring: str = DEFAULT_SCORING) -> dict[str, Any]:
    """A results row scored in both modes, ``score`` in ``scoring``."""
    row = item.result_fields()
    row["prediction"] = prediction
    return rescore_row(row, scoring)


def _chunks(items: list[EvalItem], n: int) -> Iterator[list[EvalItem]]:
    for i in range(0, len(items), max(1, n)):
        yield items[i:i + max(1, n)]


def run_items(items: list[EvalItem], backend: Backend, out_dir: str | Path, opts: RunOptions,
              on_row: Callable[[dict[str, Any]], None] | None = None,
              progress: Callable[[int, int], None] | None = None) -> RunSummary:
    """Answer and score every item not yet in ``out_dir/results.jsonl``; returns all rows in item
    order (those from before a resume included)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RESULTS_FILE
    done: dict[str, dict[str, Any]] = {}
    if path.exists():
        if not opts.resume:
            raise FileExistsError(f"{path} exists; pass --resume to continue it or choose another --out")
        old = read_results(path)
        _rewrite(path, old)
        done = {r["id"]: r for r in old}
    prepare = getattr(backend, "prepare", None)
    if callable(prepare):
        prepare(items)
    pending = [it for it in items if it.id not in done]
    summary = RunSummary(rows=[], skipped=len(items) - len(pending))
    total = len(pending)

    cache = FrameCache(opts.frame_cache_mb << 20) if opts.frame_cache_mb > 0 and opts.with_images else None
    quality = getattr(backend, "jpeg_quality", None)

    def prepare(chunk: list[EvalItem]) -> list:
        return [build_prompt(it, n_frames=opts.n_frames, max_side=opts.max_side, mode=opts.mode,
                             max_new_tokens=opts.max_new_tokens, with_images=opts.with_images,
                             text=get_benchmark(it.benchmark).prompt_text(it, opts.mode), cache=cache,
                             jpeg_quality=quality if opts.with_images else None)
                for it in chunk]

    stop = threading.Event()

    def work(chunk: list[EvalItem], prepared: Future) -> list[tuple[EvalItem, str]] | None:
        if stop.is_set():  # queued before the stop: not sent
            return None
        prompts = prepared.result()
        answers = backend.answer(prompts)
        if len(answers) != len(chunk):
            raise RuntimeError(f"backend returned {len(answers)} answers for {len(chunk)} prompts")
        return list(zip(chunk, answers))

    new_rows: dict[str, dict[str, Any]] = {}
    if progress is not None:
        progress(0, total)
    chunks = iter(list(_chunks(pending, opts.batch_size)))
    ex = ThreadPoolExecutor(max(1, opts.concurrency))
    prep = ThreadPoolExecutor(opts.prepare_workers or max(1, min(4, os.cpu_count() or 1)))
    inflight: dict[Future, list[EvalItem]] = {}
    try:
        with open(path, "a", encoding="utf-8") as f:
            # keep at most 2x concurrency chunks queued so that a kill loses little
            def fill() -> None:
                while not stop.is_set() and len(inflight) < 2 * max(1, opts.concurrency):
                    chunk = next(chunks, None)
                    if chunk is None:
                        return
                    inflight[ex.submit(work, chunk, prep.submit(prepare, chunk))] = chunk
            fill()
            while inflight:
                finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in finished:
                    chunk = inflight.pop(fut)
                    try:
                        pairs = fut.result()
                    except EndpointUnreachable as e:
                        # nothing more is sent; the chunks in flight still land or fail fast
                        summary.stopped = summary.stopped or str(e)
                        stop.set()
                        continue
                    except Exception as e:  # a backend failure must not lose the other items
                        summary.failed.extend((it.id, f"{type(e).__name__}: {e}") for it in chunk)
                        continue
                    if pairs is None:
                        continue
                    for it, pred in pairs:
                        row = make_row(it, pred, opts.scoring)
                        f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
                        f.flush()
                        new_rows[it.id] = row
                        summary.new += 1
                        if on_row is not None:
                            on_row(row)
                    if progress is not None:
                        progress(summary.new + len(summary.failed), total)
                fill()
    finally:
        ex.shutdown(wait=True, cancel_futures=True)
        prep.shutdown(wait=True, cancel_futures=True)
    summary.frame_cache = cache.stats() if cache is not None else {}
    summary.rows = [done.get(it.id) or new_rows[it.id] for it in items if it.id in done or it.id in new_rows]
    summary.unanswered = len(pending) - summary.new - len(summary.failed)
    return summary
