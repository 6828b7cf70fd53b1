"""Throughput of the evaluation harness.

1. API backend: 400 items against a loopback chat-completions server that answers each request
   after 50 ms, at concurrency 1 and 16 (the runner writes and scores every row as it goes).
2. Frames: a SpaceVista-Bench file with images (the demo's ``bench.json``: 450 items, 16 frames
   each, marks drawn) at 8 requests in flight against the same server, without and with the frame
   cache (every frame decoded, drawn, resized and encoded for every item, or once).
3. Scoring: items per second of the scorer on a realistic mix of completions.

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/eval_backend.py [--bench D/bench.json]
[--items 400] [--delay 0.05]; without --bench the demo is built first (about a minute).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import json
import socket
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from spacevista.eval.backends.openai_api import OpenAIChatBackend
from spacevista.eval.benchmarks import load_benchmark
from spacevista.qa.items import EvalItem
from spacevista.qa.metrics import score_answer
from spacevista.eval.runner import RunOptions, run_items


def serve(delay: float) -> ThreadingHTTPServer:
    """A chat-completions server that sleeps ``delay`` seconds, then answers ``<answer>A</answer>``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # as production servers do: without it Nagle + delayed ACK add ~40 ms per reply
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(delay)
            body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "<answer>A</answer>"}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def _serve_forever(delay: float, port: "multiprocessing.Queue") -> None:
    httpd = serve(delay)
    port.put(httpd.server_address[1])
    threading.Event().wait()


def serve_process(delay: float) -> tuple[multiprocessing.Process, str]:
    """:func:`serve` in a process of its own (as a real server is: it takes no CPU time from the
    client's interpreter); returns the process and the API root."""
    ctx = multiprocessing.get_context("fork")
    port = ctx.Queue()
    proc = ctx.Process(target=_serve_forever, args=(delay, port), daemon=True)
    proc.start()
    return proc, f"http://127.0.0.1:{port.get(timeout=30)}/v1"


def api_run(n: int, concurrency: int, url: str) -> float:
    items = [EvalItem(id=f"i{i}", benchmark="engine", question=f"q{i}", answer="A", answer_type="mc",
                      task="t", n_options=4) for i in range(n)]
    backend = OpenAIChatBackend("bench", url, timeout=30, concurrency=concurrency)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        s = run_items(items, backend, Path(d), RunOptions(concurrency=concurrency, with_images=False))
        dt = time.perf_counter() - t0
    assert len(s.rows) == n and all(r["score"] == 1.0 for r in s.rows)
    return dt


def frames_run(bench: Path, url: str, cache_mb: int, concurrency: int = 8) -> tuple[float, float, int, dict]:
    """Wall and CPU seconds (this process) to answer every item of ``bench`` with its frames at
    ``concurrency``; items; cache stats."""
    _, items = load_benchmark(bench)
    backend = OpenAIChatBackend("bench", url, timeout=60, concurrency=concurrency)
    with tempfile.TemporaryDirectory() as d:
        t0, c0 = time.perf_counter(), time.process_time()
        s = run_items(items, backend, Path(d), RunOptions(concurrency=concurrency, frame_cache_mb=cache_mb))
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(s.rows) == len(items) and not s.failed
    return dt, cpu, len(items), s.frame_cache


def demo_bench(folder: Path) -> Path:
    """The demo set's bench.json, built into ``folder``."""
    from spacevista.engine.build.demo import DemoConfig, run_demo

    run_demo(folder, DemoConfig())
    return folder / "bench.json"


MIX = [  # (completion, answer, type, unit)
    ("B", "B", "mc", ""), ("<answer>C</answer>", "C", "mc", ""), ("3.5", "3.2", "numerical", "m"),
    ("<think>the table is long</think><answer>1.8</answer>", "2.0", "numerical", "m"),
    ("(A)", "A", "mc", ""), ("about 35 cm", "0.4", "numerical", "m"), ("12", "12", "numerical", ""),
    ("<answer>on top of</answer>", "on top of", "text", ""),
]


def scoring_rate(n: int) -> tuple[float, float]:
    """Items per wall-clock second and per CPU second of this process (the second is the fair
    figure on a shared machine)."""
    work = (MIX * (n // len(MIX) + 1))[:n]
    t0, c0 = time.perf_counter(), time.process_time()
    for pred, ans, at, unit in work:
        score_answer(pred, ans, at, unit=unit, n_options=4)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=400)
    ap.add_argument("--delay", type=float, default=0.05)
    ap.add_argument("--score-items", type=int, default=400_000)
    ap.add_argument("--bench", type=Path, default=None, help="a bench.json with frames (default: build the demo)")
    a = ap.parse_args()
    httpd = serve(a.delay)
    url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    t1 = api_run(a.items, 1, url)
    t16 = api_run(a.items, 16, url)
    print(f"api backend, {a.items} items, server reply {1000 * a.delay:.0f} ms")
    print(f"  concurrency  1: {t1:7.2f} s  ({a.items / t1:7.1f} items/s)")
    print(f"  concurrency 16: {t16:7.2f} s  ({a.items / t16:7.1f} items/s)")
    print(f"  speed-up: {t1 / t16:.1f}x")
    httpd.shutdown()
    with tempfile.TemporaryDirectory() as d:
        bench = a.bench or demo_bench(Path(d) / "demo")
        proc, url = serve_process(a.delay)
        cold, cold_cpu, n, _ = frames_run(bench, url, cache_mb=0)
        warm, warm_cpu, _, stats = frames_run(bench, url, cache_mb=512)
        proc.kill()
    print(f"frames: {n} items of {bench}, 8 in flight, server (own process) reply {1000 * a.delay:.0f} ms")
    print(f"  without frame cache: {cold:7.2f} s  ({n / cold:7.1f} items/s, {cold_cpu:.2f} CPU s)")
    print(f"  with frame cache:    {warm:7.2f} s  ({n / warm:7.1f} items/s, {warm_cpu:.2f} CPU s; "
          f"{stats['misses']} frames prepared, {stats['hits']} reused)")
    print(f"  speed-up: {cold / warm:.1f}x (floor at this latency: {n / 8 * a.delay:.2f} s)")
    runs = [scoring_rate(a.score_items) for _ in range(3)]
    wall, cpu = max(r[0] for r in runs), max(r[1] for r in runs)
    print(f"scoring: {wall:,.0f} items/s wall, {cpu:,.0f} items per CPU second "
          f"(mix of {len(MIX)} completion shapes, best of 3)")
    if hasattr(os, "getloadavg"):
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
