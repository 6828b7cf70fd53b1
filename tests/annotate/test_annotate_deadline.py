"""``spacevista annotate --timeout`` is a deadline for each request: a model server that trickles its
reply cannot hold the run, the stalled request is recorded as a timeout, and a rerun sends it again."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from spacevista.annotate.loopback import ChatRequest, ScriptedServer, Trickle
from spacevista.cli.annotate import annotate

from .conftest import script_a

ARGS = ["--model", "m-a", "--limit", "3", "--no-instructions", "--no-rephrase", "--concurrency", "3",
        "--timeout", "1", "--max-retries", "0", "--no-progress"]


def test_trickling_model_is_cut_at_the_deadline(tiny: Path):
    def stalling(req: ChatRequest) -> str | int | Trickle:
        out = script_a(req)
        return Trickle(str(out), every_s=0.1) if "[q2]" in req.text else out

    with ScriptedServer(stalling) as srv:
        t0 = time.monotonic()
        res = CliRunner().invoke(annotate, [str(tiny), "--base-url", srv.base_url, *ARGS])
        took = time.monotonic() - t0
    assert res.exit_code == 3, res.output  # a partial run: one request failed
    assert took < 1.0 * 1.2 + 1.0, took  # one deadline, plus the run's own work
    assert "requests: 3 (2 sent, 0 cached, 1 failed)" in " ".join(res.output.split())
    rows = {r["id"]: r for r in map(json.loads, (tiny / "annotations.jsonl").read_text().splitlines())}
    assert rows["q2"]["reason"].startswith("error:") and "timeout after 1 s" in rows["q2"]["reason"]
    assert not rows["q1"]["reason"].startswith("error") and not rows["q3"]["reason"].startswith("error")

    with ScriptedServer(script_a) as srv:  # the model recovered: only the timed-out request goes again
        res = CliRunner().invoke(annotate, [str(tiny), "--base-url", srv.base_url, *ARGS])
        assert res.exit_code == 0, res.output
        assert srv.requests == 1
    rows = {r["id"]: r for r in map(json.loads, (tiny / "annotations.jsonl").read_text().splitlines())}
    assert not rows["q2"]["reason"].startswith("error")
