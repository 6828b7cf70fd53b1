"""The blind-baseline audit finds each kind of tell it is built for, and passes a set without tells."""

from __future__ import annotations

import itertools
import json

import numpy as np
from click.testing import CliRunner

from spacevista.cli.audit import audit as audit_cmd
from spacevista.engine.dataset.audit import run_audit
from spacevista.io.jsonl import write_jsonl
from spacevista.records import QARecord

LETTERS = "ABCD"


def _rec(i: int, task: str, question: str, options: list[str], answer: int, kind: str = "k") -> QARecord:
    return QARecord(id=f"{task}-{i:04d}", scene_id=f"scene{i % 20}", source="t", scale="indoor",
                    category="Indoor", task=task, answer_type="mc", question=question, answer=LETTERS[answer],
                    options=options, metadata={"kind": kind})


def _numeric(n: int, rank_of_answer, seed: int = 0) -> list[QARecord]:
    """Numeric four-option items; the answer's sorted rank chosen by ``rank_of_answer(i)``."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        ladder = np.cumsum(rng.uniform(0.2, 0.9, 4)) + rng.uniform(0, 2)
        values = np.exp(ladder)
        rank = rank_of_answer(i)
        order = rng.permutation(4)
        opts = [f"{values[k]:.3g} m" for k in order]
        answer = int(np.flatnonzero(order == rank)[0])
        out.append(_rec(i, "size", "How long is the table?", opts, answer))
    return out


def test_median_tell_is_found():
    recs = _numeric(80, lambda i: 1 + i % 2)  # always a middle option
    rep = run_audit(recs)
    row = rep["tasks"]["size"]
    assert row["failed"] and not rep["passed"]
    assert row["baselines"]["rank"]["gain"] > 15 and row["baselines"]["median"]["gain"] > 15


def test_balanced_numeric_items_pass():
    ranks = [r for block in itertools.repeat(list(range(4)), 30) for r in block]
    recs = _numeric(120, lambda i: ranks[i], seed=1)
    # letters balanced too: rebuild options so each letter holds the answer equally often
    for i, r in enumerate(recs):
        want = i % 4
        cur = ord(r.answer) - 65
        r.options[cur], r.options[want] = r.options[want], r.options[cur]
        r.answer = LETTERS[want]
    rep = run_audit(recs)
    gains = rep["tasks"]["size"]["baselines"]
    assert abs(gains["letter"]["gain"]) < 5 and abs(gains["rank"]["gain"]) < 5


def test_template_prior_and_overlap_tells_are_found():
    recs = []
    for i in range(60):  # "no" is right 90% of the time for this template
        ans = 1 if i % 10 else 0
        recs.append(_rec(i, "exists", "Is there a lamp near the sofa?", ["yes", "no"], ans, kind="near"))
    for i in range(60):  # the answer is the option sharing most words with the others
        centre = "turn left then go forward 3 m then turn right"
        others = ["turn left then go forward 3 m then stop", "turn left then walk 3 m then turn right",
                  "go back 9 m"]
        pos = i % 4
        opts = others[:]
        opts.insert(pos, centre)
        recs.append(_rec(i, "route", "How do you reach the door?", opts, pos))
    rep = run_audit(recs)
    assert rep["tasks"]["exists"]["baselines"]["template"]["gain"] > 30
    assert rep["tasks"]["route"]["baselines"]["overlap"]["gain"] > 30
    assert {f["task"] for f in rep["failures"]} == {"exists", "route"}


def test_cli_exits_non_zero_and_writes_the_report(tmp_path):
    write_jsonl(_numeric(60, lambda i: 2), tmp_path / "qa.jsonl")
    (tmp_path / "report.json").write_text(json.dumps({"qa_count": 60}))
    res = CliRunner().invoke(audit_cmd, [str(tmp_path)])
    assert res.exit_code == 1 and "size" in res.output
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["qa_count"] == 60 and data["audit"]["failures"][0]["task"] == "size"


def _yes_no(n: int, no_if) -> list[QARecord]:
    recs = []
    for i in range(n):
        opts = ["yes", "no"] if i % 2 else ["no", "yes"]  # letters carry no tell
        recs.append(_rec(i, "exists", "Is there a lamp near the sofa?", opts, opts.index("no" if no_if(i) else "yes"),
                         kind="near"))
    return recs


def test_a_lucky_split_among_many_baselines_is_not_a_tell_but_a_strong_one_is():
    """24 of 36 two-option items right (p = 0.03) is what one of several guesses at a task reaches
    by chance often enough: the significance level is shared among the baselines tried. 30 of 36 is
    a tell whatever the number of baselines."""
    lucky = run_audit(_yes_no(36, lambda i: i % 3 != 0))
    row = lucky["tasks"]["exists"]
    assert row["baselines"]["template"]["gain"] > 15 and row["baselines"]["template"]["p"] < 0.05
    assert lucky["passed"]
    strong = run_audit(_yes_no(36, lambda i: i % 6 != 0))
    assert not strong["passed"] and strong["failures"][0]["task"] == "exists"
