"""The click command on the demo dataset, against the loopback model."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from spacevista.cli.annotate import annotate
from spacevista.annotate.loopback import ChatRequest, ScriptedServer
from spacevista.io.jsonl import read_jsonl


def produced(recs, k: int) -> str | None:
    """The scripted answer for item ``k``: None (no tags) for every fifth, a wrong one for every
    third, else the engine's answer."""
    r = recs[k]
    if k % 5 == 4:
        return None
    if k % 3 == 2:
        return ("A" if r.answer != "A" else "B") if r.answer_type == "mc" else str(float(r.answer) * 2 + 1)
    return r.answer


def demo_script(root: Path):
    """The scripted model of the demo set. Items are told apart by question and options; among
    identical ones the first (``key``) is answered, whatever the frames."""
    recs = list(read_jsonl(root / "qa.jsonl"))

    def script(req: ChatRequest) -> str:
        q = req.text.split("Question: ")[-1]
        k = [k for k, r in enumerate(recs) if q.startswith(r.question) and all(o in q for o in r.options)][0]
        ans = produced(recs, k)
        if ans is None:
            return "The answer is unclear."
        return f"<think>Looking at the frames for item {k}.</think><answer>{ans}</answer><confidence>70</confidence>"
    return script, recs


def key(recs, i: int) -> int:
    r = recs[i]
    return [k for k, x in enumerate(recs) if x.question == r.question and x.options == r.options][0]


def expected_kept(recs) -> int:
    n = 0
    for i, r in enumerate(recs):
        ans = produced(recs, key(recs, i))
        if ans is None:
            continue
        if r.answer_type == "mc":
            n += ans == r.answer
        else:
            n += abs(float(ans) - float(r.answer)) <= 0.05 * abs(float(r.answer))
    return n


def test_cli_on_demo(demo: Path):
    script, recs = demo_script(demo)
    with ScriptedServer(script) as srv:
        res = CliRunner().invoke(annotate, [str(demo), "--model", "m", "--base-url", srv.base_url,
                                            "--no-rephrase", "--export", "--concurrency", "4",
                                            "--price-in", "0.01", "--price-out", "0.03"])
        assert res.exit_code == 0, res.output
        assert srv.requests == len(recs)
        again = CliRunner().invoke(annotate, [str(demo), "--model", "m", "--base-url", srv.base_url,
                                              "--no-rephrase"])
        assert again.exit_code == 0 and srv.requests == len(recs)
        assert f"{len(recs)} cached" in again.output
    rep = json.loads((demo / "annotate_report.json").read_text())
    want_kept = expected_kept(recs)
    assert 0 < want_kept < len(recs)
    assert rep["total"]["kept"] == want_kept and rep["total"]["dropped"] == len(recs) - want_kept
    assert rep["total"]["malformed"] == sum(1 for i in range(len(recs)) if key(recs, i) % 5 == 4)
    assert "total" in res.output and re.search(r"tokens this run: \d+ in", res.output)
    export = json.loads((demo / "sft_distilled.json").read_text())
    assert len(export) == len(recs)
    assert sum(e["rationale_source"] == "m" for e in export) == want_kept


def test_cli_errors(demo: Path, tmp_path: Path):
    r = CliRunner().invoke(annotate, [str(demo), "--model", "m", "--base-url", "ftp://x", "--limit", "1"])
    assert r.exit_code != 0 and "must be http(s)" in r.output
    r = CliRunner().invoke(annotate, [str(tmp_path), "--model", "m", "--base-url", "http://127.0.0.1:9/v1"])
    assert r.exit_code != 0 and "no qa.jsonl" in r.output
