"""The circuit breaker: a run against a server that is not there stops at once, with one line
naming the URL and the cause, and exit code 4; a server that goes away mid-run stops it after a
few failures in a row, the answered items kept for --resume."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from chatserver import ChatServer
from evalfixtures import make_records
from spacevista.errors import EndpointUnreachable
from spacevista.eval.backends.breaker import CircuitBreaker
from spacevista.eval.backends.openai_api import OpenAIChatBackend
from spacevista.eval.runner import RunOptions, read_results, run_items
from spacevista.io.jsonl import write_jsonl
from spacevista.qa.items import EvalItem
from spacevista.qa.types import Prompt

SRC = str(Path(__file__).resolve().parents[2] / "src")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_before_any_reply_trips_at_once():
    b = CircuitBreaker("http://x/v1", threshold=3)
    b.failure("connection refused", definite=True)
    assert b.tripped
    with pytest.raises(EndpointUnreachable, match="cannot reach http://x/v1: connection refused"):
        b.check()


def test_after_a_reply_it_takes_failures_in_a_row():
    b = CircuitBreaker("http://x/v1", threshold=3)
    b.success()
    b.failure("connection refused", definite=True)
    b.failure("connection refused", definite=True)
    b.success()  # the server answered in between: the count starts again
    b.failure("connection refused", definite=True)
    b.failure("connection refused", definite=True)
    assert not b.tripped
    b.failure("connection refused", definite=True)
    assert b.tripped and "3 requests in a row" in str(b.error)


def test_slow_failures_need_the_threshold_even_first():
    b = CircuitBreaker("http://x/v1", threshold=2)
    b.failure("no connection within 1 s")
    assert not b.tripped
    b.failure("no connection within 1 s")
    assert b.tripped


def test_wait_ends_when_the_breaker_trips():
    b = CircuitBreaker("http://x/v1")
    threading.Timer(0.1, lambda: b.failure("connection refused", definite=True)).start()
    t0 = time.monotonic()
    b.wait(20.0)
    assert time.monotonic() - t0 < 5.0


def test_closed_port_fails_on_the_first_attempt():
    url = f"http://127.0.0.1:{closed_port()}/v1"
    b = OpenAIChatBackend("m", url, max_retries=8)  # the real backoff: a retry would take seconds
    t0 = time.monotonic()
    with pytest.raises(EndpointUnreachable, match=f"cannot reach {url}: connection refused"):
        b.complete(Prompt(id="x", text="ITEM<x>"))
    assert b.requests == 1 and b.retries == 0 and time.monotonic() - t0 < 2.0
    with pytest.raises(EndpointUnreachable):  # and every later request, without sending it
        b.complete(Prompt(id="y", text="ITEM<y>"))
    assert b.requests == 1


def test_wrong_path_trips_after_three_requests():
    with ChatServer({}) as srv:
        b = OpenAIChatBackend("m", srv.base_url.replace("/v1", "/nope"), backoff_base=0.001)
        for _ in range(2):
            with pytest.raises(Exception, match="HTTP 404"):
                b.complete(Prompt(id="x", text="ITEM<x>"))
        with pytest.raises(EndpointUnreachable, match="HTTP 404"):
            b.complete(Prompt(id="x", text="ITEM<x>"))
        with pytest.raises(EndpointUnreachable):
            b.complete(Prompt(id="x", text="ITEM<x>"))
        assert b.requests == 3


class _Vanishing:
    """A one-request-per-connection server that answers ``n`` requests, then stops listening (a
    model server that went away mid-run)."""

    def __init__(self, answers: dict[str, str], n: int):
        served = [0]

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                served[0] += 1
                if served[0] == n:  # stop listening before the last reply: the next connection is refused
                    self.server.socket.close()
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                text = req["messages"][-1]["content"][-1]["text"]
                item = text.split("ITEM<", 1)[1].split(">", 1)[0]
                body = json.dumps({"choices": [{"message": {"content": f"<answer>{answers[item]}</answer>"}}]})
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

        def serve() -> None:
            for _ in range(n):
                self.httpd.handle_request()
            self.httpd.server_close()
        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()


def _items(n: int) -> list[EvalItem]:
    return [EvalItem(id=f"i{i}", benchmark="engine", question=f"ITEM<i{i}> how far?", answer=str(1.5 + i),
                     answer_type="numerical", task="t", category="Indoor", unit="m") for i in range(n)]


def test_server_gone_mid_run_stops_and_resume_finishes(tmp_path: Path):
    items = _items(30)
    answers = {it.id: it.answer for it in items}
    srv = _Vanishing(answers, 5)
    backend = OpenAIChatBackend("m", srv.url, backoff_base=0.001, backoff_max=0.01, max_retries=8)
    t0 = time.monotonic()
    s = run_items(items, backend, tmp_path, RunOptions(concurrency=1, with_images=False))
    assert time.monotonic() - t0 < 10.0
    assert s.new == 5 and not s.failed and s.unanswered == 25
    assert s.stopped and srv.url in s.stopped and "connection refused" in s.stopped and "in a row" in s.stopped
    assert backend.requests == 5 + 3  # three refused connections in a row, then nothing more
    assert len(read_results(tmp_path / "results.jsonl")) == 5
    with ChatServer(answers) as up:
        s2 = run_items(items, OpenAIChatBackend("m", up.base_url), tmp_path,
                       RunOptions(concurrency=4, resume=True, with_images=False))
        assert s2.new == 25 and s2.skipped == 5 and s2.stopped is None
        assert sum(up.requests.values()) == 25


def test_eval_against_a_closed_port_stops_at_once(tmp_path: Path):
    """The demo-sized case of the issue: 450 items, nothing listening."""
    root = tmp_path / "bench"
    write_jsonl(make_records(root, n=450), root / "qa.jsonl")
    url = f"http://127.0.0.1:{closed_port()}/v1"
    cmd = [sys.executable, "-m", "spacevista.cli", "eval", "--bench", str(root), "--backend", "openai",
           "--model", "m", "--base-url", url, "--out", str(tmp_path / "out")]
    t0 = time.monotonic()
    r = subprocess.run(cmd, env={**os.environ, "PYTHONPATH": SRC}, capture_output=True, text=True, timeout=120)
    took = time.monotonic() - t0
    assert r.returncode == 4, r.stderr
    assert took < 30.0, took
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert url in lines[0] and "connection refused" in lines[0] and "0 of 450 items answered" in lines[0]
    m = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert m["complete"] is False and m["expected"] == 450
