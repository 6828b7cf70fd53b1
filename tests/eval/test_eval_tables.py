"""Piped (not a terminal), the tables of eval, score and leaderboard keep every task name whole;
``score`` leaves the run's own metrics.json alone."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from spacevista.cli.eval import eval_cmd, leaderboard, score
from spacevista.io.jsonl import read_jsonl


def test_piped_tables_name_every_task_in_full(engine_set: Path, tmp_path: Path):
    tasks = {r.task for r in read_jsonl(engine_set / "qa.jsonl")}
    assert max(map(len, tasks)) >= 16  # names a narrow terminal table would cut
    out = tmp_path / "oracle"
    r = CliRunner().invoke(eval_cmd, ["--bench", str(engine_set), "--backend", "oracle", "--out", str(out),
                                      "--no-progress"])
    assert r.exit_code == 0, r.output
    r2 = CliRunner().invoke(score, [str(out / "results.jsonl"), "--out", str(tmp_path / "m.json")])
    r3 = CliRunner().invoke(leaderboard, [str(out), "--by", "task"])
    for res in (r, r2, r3):
        assert res.exit_code == 0, res.output
        for t in tasks:
            assert f" {t} |" in res.output, (t, res.output)


def test_score_writes_beside_the_runs_metrics_not_over_them(engine_set: Path, tmp_path: Path):
    out = tmp_path / "chance"
    r = CliRunner().invoke(eval_cmd, ["--bench", str(engine_set), "--backend", "chance", "--out", str(out),
                                      "--no-progress", "--table", "json"])
    assert r.exit_code == 0, r.output
    before = (out / "metrics.json").read_bytes()
    r = CliRunner().invoke(score, [str(out / "results.jsonl"), "--scoring", "robust", "--table", "json"])
    assert r.exit_code == 0, r.output
    assert (out / "metrics.json").read_bytes() == before
    assert json.loads((out / "metrics.robust.rescored.json").read_text())["scoring"] == "robust"
    assert "metrics.robust.rescored.json" in r.output
    r = CliRunner().invoke(score, [str(out / "results.jsonl"), "--scoring", "robust", "--overwrite"])
    assert r.exit_code == 0, r.output
    assert json.loads((out / "metrics.json").read_text())["scoring"] == "robust"
