"""``eval --tasks/--scales/--limit``: filters, and a limit drawn over task and scale, not the
head of the file."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from evalfixtures import make_records
from spacevista.cli.eval import eval_cmd
from spacevista.eval.select import select_items
from spacevista.io.jsonl import write_jsonl
from spacevista.qa.items import record_to_item
from spacevista.qa.sampling import stratified_sample


@pytest.fixture
def big_set(tmp_path: Path) -> Path:
    """450 items, 3 tasks x 5 scales, listed scale by scale so the head of the file is one scale."""
    root = tmp_path / "set"
    recs = sorted(make_records(root, n=450), key=lambda r: (r.scale, r.id))
    write_jsonl(recs, root / "qa.jsonl")
    return root


def test_sample_covers_every_stratum_before_repeating_one():
    strata = ["a"] * 50 + ["b"] * 3 + ["c"] * 1
    for seed in range(5):
        got = stratified_sample(strata, 3, seed=seed)
        assert Counter(strata[i] for i in got) == {"a": 1, "b": 1, "c": 1}
        got = stratified_sample(strata, 5, seed=seed)
        assert got == sorted(got) and len(set(got)) == 5
        assert Counter(strata[i] for i in got) == {"a": 2, "b": 2, "c": 1}


def test_sample_is_seeded():
    strata = [i % 7 for i in range(200)]
    assert stratified_sample(strata, 30, seed=1) == stratified_sample(strata, 30, seed=1)
    assert stratified_sample(strata, 30, seed=1) != stratified_sample(strata, 30, seed=2)
    assert stratified_sample(strata, 500, seed=1) == list(range(200))


def test_select_filters_and_names_what_is_missing(big_set: Path):
    items = [record_to_item(r, big_set) for r in make_records(big_set, n=450)]
    got = select_items(items, tasks=["object_size"], scales=["drone", "tiny"])
    assert got and {it.task for it in got} == {"object_size"}
    assert {it.extra["scale"] for it in got} == {"drone", "tiny"}
    with pytest.raises(ValueError, match=r"no items of task\(s\) \['nope'\]; the benchmark has"):
        select_items(items, tasks=["nope"])
    with pytest.raises(ValueError, match="no items at scale"):
        select_items(items, scales=["planet"])


def test_cli_tasks_and_limit_spread_over_scales(big_set: Path, tmp_path: Path):
    out = tmp_path / "out"
    r = CliRunner().invoke(eval_cmd, ["--bench", str(big_set), "--backend", "oracle", "--tasks", "object_size",
                                      "--limit", "20", "--out", str(out), "--no-progress", "--table", "json"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(ln) for ln in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 20 and {x["task"] for x in rows} == {"object_size"}
    assert Counter(x["category"] for x in rows) == {c: 4 for c in ("TinyTabletop", "Tabletop", "Indoor",
                                                                   "Outdoor", "Drone")}
    run = json.loads((out / "run.json").read_text())
    assert run["tasks"] == ["object_size"] and run["limit"] == 20 and run["items"] == 20
    # the file lists the items scale by scale: its first 20 object_size items are of one scale
    first = [x for x in map(json.loads, (big_set / "qa.jsonl").read_text().splitlines())
             if x["task"] == "object_size"][:20]
    assert len({x["scale"] for x in first}) == 1


def test_cli_unknown_task_is_refused(big_set: Path, tmp_path: Path):
    r = CliRunner().invoke(eval_cmd, ["--bench", str(big_set), "--backend", "oracle", "--tasks", "object_sise",
                                      "--out", str(tmp_path / "o"), "--no-progress"])
    assert r.exit_code == 1 and "object_sise" in r.output and "object_size" in r.output
