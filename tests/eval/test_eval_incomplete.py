"""Runs with items missing are marked incomplete and not ranked among complete runs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from chatserver import ChatServer
from spacevista.cli.eval import eval_cmd, leaderboard, score
from spacevista.eval.report import compute_metrics, leaderboard as board, to_markdown
from spacevista.io.jsonl import read_jsonl


def _eval(bench: Path, out: Path, *args: str):
    return CliRunner().invoke(eval_cmd, ["--bench", str(bench), "--out", str(out), "--no-progress",
                                         "--table", "json", *args])


def test_metrics_say_how_many_items_are_missing():
    rows = [{"score": 1.0, "parsed": "A", "category": "c", "task": "t", "answer_type": "mc"}] * 3
    m = compute_metrics(rows, expected=5)
    assert (m["complete"], m["expected"], m["failed"], m["count"]) == (False, 5, 2, 3)
    assert "INCOMPLETE: 2 of 5 items" in to_markdown(m)
    m = compute_metrics(rows)
    assert (m["complete"], m["expected"], m["failed"]) == (True, 3, 0)
    assert "INCOMPLETE" not in to_markdown(m)


def test_run_where_every_item_fails_is_incomplete(engine_set: Path, tmp_path: Path):
    ids = [r.id for r in read_jsonl(engine_set / "qa.jsonl")]
    out = tmp_path / "down"
    # the engine set's questions carry no ITEM<id> tag: the server files every request under "?"
    with ChatServer({}, {"?": ["500"] * len(ids)}) as srv:
        r = _eval(engine_set, out, "--backend", "openai", "--model", "m", "--base-url", srv.base_url,
                  "--max-retries", "0", "--frames", "2")
    assert r.exit_code == 3 and f"{len(ids)} items failed" in r.output
    m = json.loads((out / "metrics.json").read_text())
    assert m["count"] == 0 and m["complete"] is False and m["failed"] == m["expected"] == len(ids)
    # ``score`` of the same results knows the run's size from run.json
    r = CliRunner().invoke(score, [str(out / "results.jsonl"), "--table", "markdown"])
    assert r.exit_code == 0 and "INCOMPLETE" in r.output
    assert json.loads((out / "metrics.official.rescored.json").read_text())["complete"] is False


def test_leaderboard_ranks_complete_runs_only(engine_set: Path, tmp_path: Path):
    oracle, chance, down = tmp_path / "oracle", tmp_path / "chance", tmp_path / "down"
    assert _eval(engine_set, oracle, "--backend", "oracle", "--frames", "2").exit_code == 0
    assert _eval(engine_set, chance, "--backend", "chance").exit_code == 0
    # a run that answered only its first 4 items, all correctly: a perfect score on a fraction
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "results.jsonl").write_text("".join((oracle / "results.jsonl").read_text().splitlines(True)[:4]))
    (partial / "run.json").write_text((oracle / "run.json").read_text())
    # and one where every item failed: an empty results file, as ``eval`` leaves it
    down.mkdir()
    (down / "results.jsonl").write_text("")
    (down / "run.json").write_text((oracle / "run.json").read_text())
    r = CliRunner().invoke(leaderboard, [str(partial), str(down), str(chance), str(oracle), "--table", "csv"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("rank,run,overall")
    ranked = [ln.split(",")[:2] for ln in lines[1:]]
    assert ranked[:2] == [["1", "oracle"], ["2", "chance"]]
    assert ranked[2] == ["–", "partial (incomplete: 26 of 30 items missing)"]
    assert ranked[3] == ["–", "down (incomplete: 30 of 30 items missing)"]


def test_incomplete_runs_never_rank_above_complete_ones():
    def m(score: float, complete: bool) -> dict:
        return {"overall": {"score": score, "item_mean": score, "task_mean": score, "category_mean": score}, "per_category": {},
                "complete": complete, "failed": 0 if complete else 1, "expected": 2}
    _, rows = board([("a", m(0.9, False)), ("b", m(0.1, True)), ("c", m(0.5, True)), ("d", m(0.0, False))])
    assert [(r[0], r[1].split()[0]) for r in rows] == [("1", "c"), ("2", "b"), ("–", "a"), ("–", "d")]
