"""Piped (not a terminal), the tables of eval, score and leaderboard keep every task name whole."""

from __future__ import annotations

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
