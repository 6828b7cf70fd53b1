"""The OpenAI-compatible backend against a real loopback server: faults, retries, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from chatserver import ChatServer
from spacevista.eval.backends.openai_api import BackendError, OpenAIChatBackend, RateLimiter
from spacevista.qa.items import EvalItem
from spacevista.eval.runner import RunOptions, read_results, run_items
from spacevista.qa.types import Prompt
from spacevista.records import QARecord
from spacevista.io.jsonl import write_jsonl

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _items(n: int) -> list[EvalItem]:
    out = []
    for i in range(n):
        if i % 2:
            out.append(EvalItem(id=f"i{i}", benchmark="engine", question=f"ITEM<i{i}> which?", answer="BCDA"[i % 4],
                                answer_type="mc", task="t_mc", category="Indoor", options=list("wxyz"), n_options=4))
        else:
            out.append(EvalItem(id=f"i{i}", benchmark="engine", question=f"ITEM<i{i}> how far?", answer=str(1.5 + i),
                                answer_type="numerical", task="t_num", category="Outdoor", unit="m"))
    return out


def _backend(url: str, **kw) -> OpenAIChatBackend:
    kw.setdefault("timeout", 2.0)
    kw.setdefault("max_retries", 6)
    return OpenAIChatBackend("test-model", url, "sk-test", backoff_base=0.001, backoff_max=0.01, **kw)


def test_faults_every_item_scored_once(tmp_path: Path):
    items = _items(40)
    rng = np.random.default_rng(0)
    kinds = ["429", "500", "503", "slow", "drop", "malformed", "badshape"]
    faults = {it.id: [kinds[j] for j in rng.integers(0, len(kinds), int(rng.integers(0, 4)))] for it in items}
    faults["i0"] = list(kinds)  # every kind of fault on one item
    with ChatServer({it.id: it.answer for it in items}, faults, slow_s=1.5) as srv:
        injected = sum(len(v) for v in faults.values())
        # max_retries leaves room for a reply that a loaded machine delays past the timeout
        backend = _backend(srv.base_url, timeout=1.0, concurrency=8, max_retries=len(kinds) + 3)
        s = run_items(items, backend, tmp_path, RunOptions(concurrency=8, with_images=False))
    rows = read_results(tmp_path / "results.jsonl")
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert len(lines) == len(rows) == 40 and not s.failed
    assert sorted(r["id"] for r in rows) == sorted(it.id for it in items)
    assert all(r["score"] == 1.0 for r in rows)
    # each fault costs one extra request (a loaded machine may add a timeout of its own)
    assert 40 + injected <= sum(srv.requests.values()) <= 40 + injected + 4
    assert backend.retries == sum(srv.requests.values()) - 40
    assert srv.requests["i0"] >= len(kinds) + 1


def test_client_error_is_not_retried(tmp_path: Path):
    with ChatServer({}) as srv:
        b = OpenAIChatBackend("m", srv.base_url.replace("/v1", "/nope"), backoff_base=0.001)
        with pytest.raises(BackendError, match="HTTP 404"):
            b.complete(Prompt(id="x", text="ITEM<x>"))
        assert b.requests == 1


def test_retries_exhausted_item_left_for_resume(tmp_path: Path):
    items = _items(4)
    with ChatServer({it.id: it.answer for it in items}, {"i1": ["500"] * 10}) as srv:
        s = run_items(items, _backend(srv.base_url, max_retries=2), tmp_path, RunOptions(concurrency=2, with_images=False))
        assert [i for i, _ in s.failed] == ["i1"] and len(s.rows) == 3
        s2 = run_items(items, _backend(srv.base_url, max_retries=8), tmp_path,
                       RunOptions(concurrency=2, resume=True, with_images=False))
        assert s2.new == 1 and len(s2.rows) == 4
        assert srv.requests["i0"] == 1 and srv.requests["i1"] == 3 + 8


def test_interrupted_run_resumes_without_repeats(tmp_path: Path):
    items = _items(40)
    with ChatServer({it.id: it.answer for it in items}, delay_s=0.01) as srv:
        seen = []

        def crash(row):
            seen.append(row["id"])
            if len(seen) == 12:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            run_items(items, _backend(srv.base_url), tmp_path, RunOptions(concurrency=4, with_images=False), on_row=crash)
        first = {r["id"] for r in read_results(tmp_path / "results.jsonl")}
        assert len(first) == 12
        before = dict(srv.requests)
        s = run_items(items, _backend(srv.base_url), tmp_path, RunOptions(concurrency=4, resume=True, with_images=False))
    rows = read_results(tmp_path / "results.jsonl")
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 40
    assert sorted(r["id"] for r in rows) == sorted(it.id for it in items)
    assert s.skipped == 12 and s.new == 28
    for i in first:  # finished items were never asked again
        assert srv.requests[i] == before[i] == 1


def test_killed_subprocess_resumes(tmp_path: Path):
    root = tmp_path / "set"
    root.mkdir()
    recs = [QARecord(id=f"k{i}", scene_id="s", source="synth", scale="indoor", category="indoor", task="t",
                     answer_type="numerical", question=f"ITEM<k{i}> how far?", answer=str(2.0 + i), unit="m")
            for i in range(30)]
    write_jsonl(recs, root / "qa.jsonl")
    out = tmp_path / "out"
    with ChatServer({r.id: r.answer for r in recs}, delay_s=0.05) as srv:
        cmd = [sys.executable, "-c", "from spacevista.cli import main; main()", "eval", "--bench", str(root),
               "--backend", "openai", "--model", "m", "--base-url", srv.base_url, "--out", str(out),
               "--concurrency", "2", "--no-progress", "--table", "json"]
        env = {**os.environ, "PYTHONPATH": SRC, "OMP_NUM_THREADS": "1"}
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        res = out / "results.jsonl"
        deadline = time.time() + 60
        while time.time() < deadline:
            if res.exists() and len(res.read_text().splitlines()) >= 6:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        done = {r["id"] for r in read_results(res)}
        assert 6 <= len(done) < 30
        with open(res, "a") as f:  # a torn last line, as a kill during a write leaves
            f.write('{"id": "k29", "predic')
        before = dict(srv.requests)
        r = subprocess.run(cmd + ["--resume"], env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
    rows = read_results(res)
    assert len(res.read_text().splitlines()) == 30 and len({x["id"] for x in rows}) == 30
    assert all(x["score"] == 1.0 for x in rows)
    for i in done:
        assert srv.requests[i] == before[i] == 1
    m = json.loads((out / "metrics.json").read_text())
    assert m["count"] == 30 and m["overall"]["item_mean"] == 1.0


def test_images_sent_as_jpeg_parts():
    captured = {}
    with ChatServer({"x": "A"}) as srv:
        b = _backend(srv.base_url)
        img = np.zeros((8, 10, 3), dtype=np.uint8)
        assert b.answer([Prompt(id="x", text="ITEM<x>", images=[img, img])]) == ["<think>hm</think><answer>A</answer>"]
        from spacevista.eval.backends.openai_api import chat_messages
        captured = chat_messages(Prompt(id="x", text="t", images=[img], system="s"))
    assert captured[0] == {"role": "system", "content": "s"}
    parts = captured[1]["content"]
    assert parts[0]["image_url"]["url"].startswith("data:image/jpeg;base64,/9j/")
    assert parts[-1] == {"type": "text", "text": "t"}


def test_rate_limiter_spaces_requests():
    t = [0.0]
    slept = []

    def sleep(d):
        slept.append(d)
        t[0] += d

    lim = RateLimiter(10.0, clock=lambda: t[0], sleep=sleep)
    for _ in range(5):
        lim.wait()
    assert t[0] == pytest.approx(0.4)
