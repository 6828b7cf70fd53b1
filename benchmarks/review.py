"""Throughput of the review app: sampling, SQLite writes, HTTP judgements, the report.

Run: ``.venv/bin/python benchmarks/review.py``. Prints one line per figure. Uses a temporary
folder; the dataset has no frames (the figures measure the server, not image decoding).
"""

from __future__ import annotations

import http.client
import json
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from spacevista.io.jsonl import write_jsonl
from spacevista.records import QARecord
from spacevista.review.preference import build_report
from spacevista.review.sample import stratified_sample
from spacevista.review.server import ReviewApp, ReviewConfig, ReviewServer
from spacevista.review.storage import JudgementStore

TASKS = [f"task_{k:02d}" for k in range(19)]
SCALES = ["tiny", "tabletop", "indoor", "outdoor", "drone"]


def records(n: int, rng: np.random.Generator) -> list[QARecord]:
    """``n`` numerical records spread unevenly over 19 tasks x 5 scales."""
    weights = rng.dirichlet(np.ones(len(TASKS) * len(SCALES)))
    cells = rng.choice(len(weights), size=n, p=weights)
    return [QARecord(id=f"q{i:07d}", scene_id=f"s{i // 20}", source="bench", scale=SCALES[c % 5],
                     category=SCALES[c % 5], task=TASKS[c // 5], answer_type="numerical",
                     question="How far?", answer="1.0", unit="m", frames=[f"frames/s{i // 20}/00000.jpg"])
            for i, c in enumerate(cells)]


def bench_sample(recs: list[QARecord]) -> None:
    t = time.perf_counter()
    s = stratified_sample(recs, 1000, seed=0)
    dt = time.perf_counter() - t
    print(f"stratified sample of 1000 from {len(recs)} records in 95 strata: {dt * 1000:.0f} ms "
          f"({len({(r.task, r.scale) for r in s})} strata hit)")


def bench_store(root: Path) -> None:
    store = JudgementStore(root / "store.sqlite")
    n = 500
    t = time.perf_counter()
    for i in range(n):
        store.record(f"q{i:07d}", "ann", "accept")
    dt = time.perf_counter() - t
    print(f"SQLite judgement write (WAL, connection per call), 1 thread: {dt / n * 1000:.2f} ms each, "
          f"{n / dt:.0f}/s")


def bench_http(root: Path, recs: list[QARecord], threads: int = 4, per_thread: int = 100) -> None:
    write_jsonl(recs[:2000], root / "qa.jsonl")
    srv = ReviewServer(ReviewApp(ReviewConfig(root, db_path=root / "http.sqlite", sample=400)), "127.0.0.1", 0)
    srv.serve_in_thread()
    ids = [i["id"] for i in srv.app.items]
    lat: list[float] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        for j in range(per_thread):
            body = json.dumps({"item_id": ids[j % len(ids)], "verdict": "accept", "annotator": f"a{k}"}).encode()
            t0 = time.perf_counter()
            con = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
            con.request("POST", "/api/judge", body, {"Content-Type": "application/json",
                                                     "X-CSRF-Token": srv.app.csrf_token})
            res = con.getresponse()
            res.read()
            con.close()
            assert res.status == 200, res.status
            with lock:
                lat.append(time.perf_counter() - t0)

    t = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    dt = time.perf_counter() - t
    srv.shutdown()
    srv.server_close()
    stored = len(JudgementStore(root / "http.sqlite").history())
    lat_ms = np.array(lat) * 1000
    print(f"HTTP POST /api/judge, {threads} concurrent clients: {len(lat) / dt:.0f} judgements/s, "
          f"latency median {np.median(lat_ms):.1f} ms, p95 {np.percentile(lat_ms, 95):.1f} ms; "
          f"{stored}/{threads * per_thread} stored")


def bench_report(root: Path, recs: list[QARecord]) -> None:
    store = JudgementStore(root / "report.sqlite")
    rng = np.random.default_rng(1)
    with store._connect() as con:  # bulk insert: the benchmark measures the report, not writes
        con.executemany("INSERT INTO judgements (item_id, annotator, verdict, comment, created_at) "
                        "VALUES (?, ?, ?, '', '2026-01-01T00:00:00+00:00')",
                        [(recs[i].id, a, "accept" if rng.random() < 0.83 else "reject")
                         for i in range(5000) for a in ("ann", "bob")])
    t = time.perf_counter()
    latest = store.latest()
    t1 = time.perf_counter()
    rep = build_report(recs, latest)
    t2 = time.perf_counter()
    print(f"report over {len(latest)} judgements: read latest {1000 * (t1 - t):.0f} ms, "
          f"table + agreement {1000 * (t2 - t1):.0f} ms (overall {100 * rep.cells['overall']['overall'].rate:.1f}%)")


def main() -> None:
    rng = np.random.default_rng(0)
    recs = records(100_000, rng)
    bench_sample(recs)
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        bench_store(root)
        bench_http(root, recs)
        bench_report(root, recs)


if __name__ == "__main__":
    main()
