"""Unit tests: sampling, statistics, storage, report, rejected list and the report command."""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from spacevista.cli.review import review_report
from spacevista.io.rejected import load_rejected, write_rejected
from spacevista.review.preference import OVERALL, build_report, majority_rejected
from spacevista.review.sample import allocate, load_dataset, stratified_sample, visual_prompts
from spacevista.review.agreement import cohens_kappa, pairwise_agreement, percent_agreement, wilson_interval
from spacevista.review.storage import Judgement, JudgementStore

from review_fixtures import make_dataset


# --- sampling --------------------------------------------------------------------------------

def test_allocate_is_as_even_as_sizes_allow() -> None:
    rng = np.random.default_rng(0)
    assert allocate({("a", "x"): 10, ("b", "x"): 10, ("c", "x"): 1}, 9, rng) == \
        {("a", "x"): 4, ("b", "x"): 4, ("c", "x"): 1}
    got = allocate({("a", "x"): 10, ("b", "x"): 10, ("c", "x"): 1}, 10, rng)
    assert sum(got.values()) == 10 and sorted(got.values()) == [1, 4, 5]
    got = allocate({("a", "x"): 3, ("b", "x"): 50, ("c", "x"): 50}, 40, rng)
    assert got == {("a", "x"): 3, ("b", "x"): 19, ("c", "x"): 18} or \
        got == {("a", "x"): 3, ("b", "x"): 18, ("c", "x"): 19}
    assert sum(allocate({("a", "x"): 2}, 99, rng).values()) == 2
    with pytest.raises(ValueError):
        allocate({("a", "x"): 2}, -1, rng)


def test_stratified_sample_is_deterministic_and_even(tmp_path: Path) -> None:
    records = make_dataset(tmp_path, per_stratum=4)  # 9 strata of 4
    a = stratified_sample(records, 20, seed=7)
    b = stratified_sample(list(reversed(records)), 20, seed=7)
    assert [r.id for r in a] == [r.id for r in b]  # independent of file order
    assert len({r.id for r in a}) == 20
    counts = Counter((r.task, r.scale) for r in a)
    assert len(counts) == 9 and max(counts.values()) - min(counts.values()) <= 1
    c = stratified_sample(records, 20, seed=8)
    assert [r.id for r in c] != [r.id for r in a]
    assert len(stratified_sample(records, None, seed=0)) == len(records)
    assert len(stratified_sample(records, 1000, seed=0)) == len(records)


def test_load_dataset_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="qa.jsonl"):
        load_dataset(tmp_path)
    records = make_dataset(tmp_path, per_stratum=1)
    line = records[0].to_json()
    (tmp_path / "qa.jsonl").write_text(line + "\n" + line + "\n")
    with pytest.raises(ValueError, match="appears twice"):
        load_dataset(tmp_path)


def test_visual_prompts_and_warnings(tmp_path: Path) -> None:
    records = make_dataset(tmp_path, per_stratum=2)
    mask_rec = next(r for r in records if r.input_type == "image_mask_text")
    prompts, warnings = visual_prompts(mask_rec)
    assert warnings == [] and [(p.kind, p.frame) for p in prompts] == [("mask", 1)]
    rec = next(r for r in records if r.input_type == "image_point_text")
    rec.annotations = {"points": [{"coords": [1, 2], "image_index": 9}, {"coords": [1], "image_index": 0},
                                  {"coords": [3, 4], "image_index": 0}],
                       "bboxes": [{"coords": [0, 0, 5, 5], "image_index": 2}], "masks": [{"oops": 1}]}
    prompts, warnings = visual_prompts(rec)
    assert [(p.kind, p.frame, p.coords) for p in prompts] == [("point", 0, [3.0, 4.0]), ("box", 2, [0, 0, 5, 5])]
    assert len(warnings) == 3


# --- statistics ------------------------------------------------------------------------------

def test_wilson_interval_known_values() -> None:
    lo, hi = wilson_interval(8, 10)
    assert math.isclose(lo, 0.4902, abs_tol=1e-4) and math.isclose(hi, 0.9433, abs_tol=1e-4)
    lo, hi = wilson_interval(0, 5)
    assert lo == 0.0 and math.isclose(hi, 0.4345, abs_tol=1e-4)
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_cohens_kappa_known_value() -> None:
    # 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15 -> p_o 0.7, p_e 0.5, kappa 0.4
    a = ["accept"] * 25 + ["reject"] * 25
    b = ["accept"] * 20 + ["reject"] * 5 + ["accept"] * 10 + ["reject"] * 15
    assert math.isclose(percent_agreement(a, b), 0.7)
    assert math.isclose(cohens_kappa(a, b), 0.4)
    assert cohens_kappa(["accept"] * 3, ["accept"] * 3) is None
    assert math.isclose(cohens_kappa(["accept", "reject"], ["reject", "accept"]), -1.0)


def test_pairwise_agreement_only_on_overlap() -> None:
    js = [Judgement("i1", "ann", "accept", "", ""), Judgement("i2", "ann", "reject", "", ""),
          Judgement("i1", "bob", "accept", "", ""), Judgement("i2", "bob", "accept", "", ""),
          Judgement("i9", "cy", "accept", "", "")]
    pairs = pairwise_agreement(js)
    assert [(p.annotator_a, p.annotator_b, p.n_items, p.percent) for p in pairs] == [("ann", "bob", 2, 0.5)]


# --- storage ---------------------------------------------------------------------------------

def test_store_wal_latest_wins_and_history(tmp_path: Path) -> None:
    store = JudgementStore(tmp_path / "r.sqlite")
    assert store.journal_mode() == "wal"
    store.record("i1", "ann", "accept")
    store.record("i1", "ann", "reject", "bad box")
    store.record("i1", "bob", "accept")
    latest = {(j.item_id, j.annotator): j for j in store.latest()}
    assert latest[("i1", "ann")].verdict == "reject" and latest[("i1", "ann")].comment == "bad box"
    assert len(store.history()) == 3 and store.annotators() == ["ann", "bob"]
    assert [j.verdict for j in store.latest("ann")] == ["reject"]
    assert latest[("i1", "ann")].created_at.endswith("+00:00")
    with pytest.raises(ValueError):
        store.record("i1", "ann", "maybe")
    with sqlite3.connect(tmp_path / "r.sqlite") as con:  # the CHECK constraint guards the table too
        with pytest.raises(sqlite3.IntegrityError):
            con.execute("INSERT INTO judgements (item_id, annotator, verdict, created_at) VALUES ('x','y','z','t')")


# --- report ----------------------------------------------------------------------------------

def test_build_report_counts_and_majority(tmp_path: Path) -> None:
    records = make_dataset(tmp_path, per_stratum=1)
    r0, r1, r2 = records[0], records[1], records[4]
    js = [Judgement(r0.id, "ann", "accept", "", ""), Judgement(r0.id, "bob", "reject", "", ""),  # tie
          Judgement(r1.id, "ann", "reject", "", ""), Judgement(r1.id, "bob", "reject", "", ""),
          Judgement(r2.id, "ann", "accept", "", ""), Judgement("ghost", "ann", "reject", "", "")]
    rep = build_report(records, js)
    assert rep.cells[OVERALL][OVERALL].accepted == 2 and rep.cells[OVERALL][OVERALL].judged == 5
    assert rep.cells[r0.task][r0.scale].judged == 2 and rep.cells[r0.task][r0.scale].accepted == 1
    assert rep.rejected == [r1.id] == majority_rejected(js[:5])
    assert rep.unknown_items == ["ghost"] and rep.n_items == 3
    assert rep.scales == ["tabletop", "indoor", "outdoor"]
    md = rep.to_markdown()
    assert "| Task | tabletop | indoor | outdoor | overall |" in md and "40% (2/5)" in md
    data = json.loads(rep.to_json())
    assert data["cells"][OVERALL][OVERALL]["accepted"] == 2 and len(data["agreement"]) == 1


def test_rejected_file_roundtrip(tmp_path: Path) -> None:
    assert load_rejected(tmp_path) == set()
    write_rejected(tmp_path, ["b", "a", "b"])
    assert (tmp_path / "rejected.txt").read_text() == "a\nb\n"
    (tmp_path / "rejected.txt").write_text("# reviewed\na\n\n c \n")
    assert load_rejected(tmp_path) == {"a", "c"}


def test_review_report_command(tmp_path: Path) -> None:
    records = make_dataset(tmp_path, per_stratum=2)
    store = JudgementStore(tmp_path / "review.sqlite")
    for k, r in enumerate(records):
        store.record(r.id, "ann", "accept" if k % 3 else "reject")
        store.record(r.id, "bob", "accept" if k % 4 else "reject")
    out = tmp_path / "out" / "report.md"
    res = CliRunner().invoke(review_report, [str(tmp_path), "--out", str(out), "--mark-rejected"])
    assert res.exit_code == 0, res.output
    assert "Human preference rate" in res.output and "overall" in res.output
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["cells"][OVERALL][OVERALL]["judged"] == 2 * len(records)
    assert (tmp_path / "out" / "report.md").read_text().startswith("# Human preference rate")
    expected = {r.id for k, r in enumerate(records) if k % 3 == 0 and k % 4 == 0}
    assert load_rejected(tmp_path) == expected and expected
    again = CliRunner().invoke(review_report, [str(tmp_path), "--out", str(out)])
    assert again.exit_code == 0 and (tmp_path / "out" / "report.json").read_text() == json.dumps(
        data, indent=2, sort_keys=True) + "\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    res = CliRunner().invoke(review_report, [str(empty)])
    assert res.exit_code != 0 and "no judgements" in res.output
