"""What ``spacevista annotate`` says and returns when requests fail: no server stops the run at
once (exit 4, one line), some failed requests make a partial run (exit 3), and the piped table
keeps every task name whole."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from click.testing import CliRunner

from spacevista.annotate.loopback import ScriptedServer
from spacevista.cli.annotate import annotate
from spacevista.io.jsonl import read_jsonl

from .conftest import script_a


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_server_stops_at_once_with_one_line(demo: Path):
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    t0 = time.monotonic()
    r = CliRunner().invoke(annotate, [str(demo), "--model", "m", "--base-url", url, "--no-progress"])
    assert r.exit_code == 4, r.output
    assert time.monotonic() - t0 < 30.0
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and url in lines[0] and "connection refused" in lines[0], r.output
    assert not (demo / "annotations.jsonl").exists()


def test_failed_requests_make_a_partial_run_and_the_table_is_whole(tiny: Path):
    with ScriptedServer(script_a) as srv:  # the script refuses q11 for good (HTTP 400)
        r = CliRunner().invoke(annotate, [str(tiny), "--model", "m-a", "--base-url", srv.base_url,
                                          "--max-retries", "0", "--no-progress"])
    assert r.exit_code == 3, r.output
    assert "1 of 16 requests failed" in r.output
    for task in {rec.task for rec in read_jsonl(tiny / "qa.jsonl")}:
        assert f"| {task} |" in r.output, task
