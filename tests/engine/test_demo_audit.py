"""A small demo, audited: the guesses that read the letters, the ranks, the paraphrases and the
options' words are at chance on its label tasks, and numeric options fill rank cycles per scene."""

from __future__ import annotations

from collections import defaultdict

import pytest
from click.testing import CliRunner

from spacevista.cli.audit import audit as audit_cmd
from spacevista.engine.build.demo import DemoConfig, run_demo
from spacevista.io.jsonl import read_jsonl

LABEL_TASKS = ("view_change", "size_comparison", "position_comparison", "existence_estimation", "object_matching")
NUMERIC_TASKS = ("object_size", "absolute_distance")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_audit")
    report = run_demo(out, DemoConfig(seed=3, scenes_per_scale=2, frames=8, width=160, height=120, workers=1,
                                      tasks=LABEL_TASKS + NUMERIC_TASKS))
    return out, report


def test_label_tasks_give_no_guess_an_edge(demo):
    _, report = demo
    rows = report["audit"]["tasks"]
    for task in LABEL_TASKS:
        assert rows[task]["n"] >= 10, task
        for baseline in ("letter", "template", "overlap"):
            score = rows[task]["baselines"][baseline]
            assert score["n"] == 0 or score["gain"] == 0.0, (task, baseline, score)


def test_numeric_options_fill_rank_cycles_per_scene(demo):
    out, _ = demo
    ranks = defaultdict(list)
    for r in read_jsonl(out / "qa.jsonl"):
        if r.task in NUMERIC_TASKS and r.answer_type == "mc":
            values = [float(o.split()[0]) for o in r.options]
            ranks[r.scene_id, r.task].append(sorted(values).index(values[ord(r.answer) - 65]))
    assert ranks
    for seq in ranks.values():
        assert len(set(seq[:4])) == len(seq[:4]), seq


def test_records_name_their_paraphrase(demo):
    out, _ = demo
    for r in read_jsonl(out / "qa.jsonl"):
        form, kind, index = r.metadata["template"].split("/")
        assert (form, kind) == (r.answer_type, r.metadata["kind"]) and index.isdigit()


def test_audit_command_reads_the_demo(demo):
    out, report = demo
    res = CliRunner().invoke(audit_cmd, [str(out), "--min-items", "10", "--no-write"])
    assert "view_change" in res.output and res.exit_code == (1 if report["audit"]["failures"] else 0)
