"""``--timeout`` is a deadline for a whole request: a server that trickles its reply byte by byte
cannot hold a request (or an eval run) past it."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from chatserver import ChatServer
from spacevista.cli.eval import eval_cmd
from spacevista.eval.backends.deadline import Deadline, DeadlineExceeded, DeadlineHTTPConnection
from spacevista.eval.backends.openai_api import BackendError, OpenAIChatBackend
from spacevista.eval.runner import read_results
from spacevista.io.jsonl import write_jsonl
from spacevista.qa.types import Prompt
from spacevista.records import QARecord


def _backend(url: str, timeout: float, retries: int) -> OpenAIChatBackend:
    return OpenAIChatBackend("m", url, "sk", timeout=timeout, max_retries=retries, backoff_base=0.001,
                             backoff_max=0.01)


def test_deadline_counts_down_and_raises():
    t = [10.0]
    d = Deadline(2.0, clock=lambda: t[0])
    assert d.remaining() == pytest.approx(2.0)
    t[0] = 11.5
    assert d.remaining() == pytest.approx(0.5)
    t[0] = 12.0
    with pytest.raises(DeadlineExceeded, match="within 2 s"):
        d.remaining()
    assert issubclass(DeadlineExceeded, TimeoutError)


def test_trickled_reply_fails_at_the_deadline():
    """One byte every 0.2 s keeps each read far inside the timeout; the request still ends at 2 s."""
    with ChatServer({"x": "A"}, {"x": ["trickle"]}, trickle_s=0.2) as srv:
        b = _backend(srv.base_url, timeout=2.0, retries=0)
        t0 = time.monotonic()
        with pytest.raises(BackendError, match="timeout after 2 s"):
            b.complete(Prompt(id="x", text="ITEM<x>"))
        took = time.monotonic() - t0
    assert 1.6 <= took <= 2.4, took
    assert b.requests == 1 and srv.ok["x"] == 0


def test_trickled_reply_is_retried_like_a_timeout():
    with ChatServer({"x": "B"}, {"x": ["trickle"]}, trickle_s=0.2) as srv:
        b = _backend(srv.base_url, timeout=1.0, retries=2)
        t0 = time.monotonic()
        assert b.complete(Prompt(id="x", text="ITEM<x>")).endswith("<answer>B</answer>")
        took = time.monotonic() - t0
    assert srv.requests["x"] == 2 and b.retries == 1
    assert 0.8 <= took <= 2.0, took


def test_a_connection_closed_after_the_headers_still_reads_its_body():
    """``Connection: close`` makes http.client close the connection before the body is read; the
    body must still arrive under the deadline."""
    lsock = socket.create_server(("127.0.0.1", 0))
    port = lsock.getsockname()[1]
    body = json.dumps({"choices": [{"message": {"content": "fine"}}]}).encode()

    def serve() -> None:
        conn, _ = lsock.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
            time.sleep(0.1)
            conn.sendall(body)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        b = _backend(f"http://127.0.0.1:{port}/v1", timeout=5.0, retries=0)
        assert b.complete(Prompt(id="x", text="hi")) == "fine"
    finally:
        t.join(5)
        lsock.close()


def test_connect_needs_a_live_deadline():
    """Connecting runs under the deadline too; a connection without one refuses to connect."""
    c = DeadlineHTTPConnection("127.0.0.1", 9)
    with pytest.raises(RuntimeError, match="deadline"):
        c.connect()
    c.deadline = Deadline(0.0)
    with pytest.raises(DeadlineExceeded):
        c.connect()


def test_eval_cli_timeout_is_a_deadline(tmp_path: Path):
    """``spacevista eval --timeout 2 --max-retries 0`` against a trickling server: each item fails at
    its deadline as a timeout, the others are scored, and the run ends in about one deadline."""
    root = tmp_path / "set"
    root.mkdir()
    recs = [QARecord(id=f"k{i}", scene_id="s", source="synth", scale="indoor", category="indoor", task="t",
                     answer_type="numerical", question=f"ITEM<k{i}> how far?", answer=str(2.0 + i), unit="m")
            for i in range(4)]
    write_jsonl(recs, root / "qa.jsonl")
    out = tmp_path / "out"
    with ChatServer({r.id: r.answer for r in recs}, {"k1": ["trickle"], "k2": ["trickle"]}, trickle_s=0.25) as srv:
        t0 = time.monotonic()
        r = CliRunner().invoke(eval_cmd, ["--bench", str(root), "--backend", "openai", "--model", "m",
                                          "--base-url", srv.base_url, "--out", str(out), "--timeout", "2",
                                          "--max-retries", "0", "--concurrency", "4", "--no-progress",
                                          "--table", "json"])
        took = time.monotonic() - t0
    assert r.exit_code == 3, r.output  # a partial run
    # one deadline, plus the run's own start-up (up to 3 s on two loaded cores); a trickle read
    # without a deadline would never end
    assert 1.6 <= took <= 2.4 + 3.0, took
    assert "2 items failed" in r.output and "timeout after 2 s" in r.output
    assert sorted(x["id"] for x in read_results(out / "results.jsonl")) == ["k0", "k3"]
