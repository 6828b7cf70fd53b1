"""``--scoring official``: each benchmark's reference rules, quirks included, on reply patterns
written from those rules (the expected scores are the references' readings, not ours)."""

from __future__ import annotations

import pytest

from spacevista.eval.report import compute_metrics
from spacevista.eval.scoring import rescore_row, score_fields

# (reply, truth, official score, robust score) for SpaceVista-Bench; the truth fixes the answer type
SPACEVISTA = [
    ("<answer>B</answer>", "B", 1.0, 1.0),                       # clean tag
    ("B", "B", 1.0, 1.0),
    ("b", "B", 1.0, 1.0),                                        # lower-case letter
    ("B) because it is nearer", "B", 1.0, 1.0),                  # a leading letter and a word boundary
    ("b. the chair", "B", 1.0, 1.0),
    ("(B)", "B", 0.0, 1.0),                                      # bracketed
    ("**B**", "B", 0.0, 1.0),                                    # bold
    ("Option B", "B", 0.0, 1.0),
    ("The answer is B.", "B", 0.0, 1.0),
    ("B.", "B", 1.0, 1.0),
    ("A chair", "A", 1.0, 0.0),                                  # "A" followed by a word is still A
    ("E", "E", 1.0, 1.0),                                        # E only as the bare letter
    ("E.", "E", 0.0, 1.0),
    ("<answer>A</answer> <answer>B</answer>", "B", 0.0, 1.0),    # the first tag, not the last
    ("<answer>A</answer> <answer>B</answer>", "A", 1.0, 0.0),
    ("<ANSWER>\n  C \n</Answer>", "C", 1.0, 1.0),                # tags in any case, across lines
    ("<think>A or B?</think><answer>C</answer>", "C", 1.0, 1.0),
    ("<think>C</think>", "C", 0.0, 1.0),                         # no tag: the whole reply
    ("3.5", "3.5", 1.0, 1.0),
    ("<answer>3.5</answer>", "3.5", 1.0, 1.0),
    ("45 cm", "0.45", 0.0, 1.0),                                 # no unit conversion
    ("0.45 m", "0.45", 1.0, 1.0),
    ("a value of 12", "12", 0.0, 1.0),                           # "a" reads 1
    ("about 12", "12", 1.0, 1.0),
    ("three", "3", 1.0, 1.0),                                    # number words
    ("two or three", "3", 0.4, 1.0),                             # first word in list order: 2
    ("about three", "3.5", 0.8, 0.8),
    ("1,200", "1200", 0.0, 1.0),                                 # reads 1
    ("-2", "-2", 1.0, 1.0),
    ("0.03", "0", 1.0, 0.0),                                     # zero truth: absolute error
    ("0", "0", 1.0, 1.0),
    ("0.06", "0", 0.9, 0.0),
    ("1.5", "1", 0.1, 0.1),                                      # the MRA thresholds are shared
    ("1.05", "1", 1.0, 1.0),
    ("There are 4 chairs and 2 tables", "4", 1.0, 0.0),          # first number (robust: last)
    ("left side", "Left side", 1.0, 1.0),                        # text: case-insensitive
    ("Left side.", "Left side", 0.0, 1.0),                       # punctuation counts
    ("the left side", "Left side", 0.0, 1.0),                    # articles count
    ("", "B", 0.0, 0.0),
]


@pytest.mark.parametrize("reply,truth,official,robust", SPACEVISTA)
def test_spacevista_official_rules(reply: str, truth: str, official: float, robust: float):
    atype = "mc" if truth in "ABCDE" else "numerical" if truth.lstrip("-").replace(".", "").isdigit() else "text"
    fields = {"benchmark": "spacevista", "answer": truth, "answer_type": atype, "n_options": 5,
              "unit": "m" if atype == "numerical" else ""}
    assert score_fields(reply, fields, "official").score == pytest.approx(official)
    assert score_fields(reply, fields, "robust").score == pytest.approx(robust)
    # engine sets are scored as their exported bench.json is
    assert score_fields(reply, {**fields, "benchmark": "engine"}, "official").score == pytest.approx(official)


def test_official_answer_type_comes_from_the_truth():
    # a letter beyond E is text to the official script: only the exact letter scores
    f = {"benchmark": "spacevista", "answer": "F", "answer_type": "mc", "n_options": 6}
    assert score_fields("F", f, "official").score == 1.0
    assert score_fields("(F)", f, "official").score == 0.0 and score_fields("(F)", f, "robust").score == 1.0
    assert score_fields(None, f, "official").score == 0.0


OTHERS = [
    # (benchmark, task, truth, reply, official score)
    ("vsibench", "route_planning", "B", "B", 1.0),
    ("vsibench", "route_planning", "B", "b.", 1.0),
    ("vsibench", "route_planning", "B", "B. because", 1.0),              # the first space-separated token
    ("vsibench", "route_planning", "B", "(B)", 0.0),
    ("vsibench", "route_planning", "B", "<answer>B</answer>", 0.0),      # no tag extraction
    ("vsibench", "object_counting", "3", "3", 1.0),
    ("vsibench", "object_counting", "3", "3 chairs", 1.0),
    ("vsibench", "object_counting", "3", "three", 0.0),
    ("vsibench", "object_abs_distance", "2.0", "2.0m", 0.0),
    ("vsibench", "object_abs_distance", "2.0", "about 2", 0.0),
    ("vsibench", "object_abs_distance", "-2", "9", 1.0),                 # divides by the signed truth
    ("vsibench", "object_abs_distance", "0", "0", 0.0),                  # the reference divides by zero
    ("mmsi", "MSR", "C", "`C`", 1.0),
    ("mmsi", "MSR", "C", "The answer is ``C``.", 1.0),
    ("mmsi", "MSR", "C", "C is correct", 0.0),                           # a letter followed by a word
    ("mmsi", "MSR", "C", "c", 0.0),                                      # upper case only
    ("mmsi", "MSR", "C", "(C)", 1.0),
    ("mmsi", "MSR", "C", "{B}", 0.0),
    ("spar", "obj_spatial_relation_oo", "B", "b) the chair", 1.0),       # first character
    ("spar", "obj_spatial_relation_oo", "B", "", 1.0),                   # "" is in every truth
    ("spar", "obj_spatial_relation_oo", "B", "The answer is B", 0.0),
    ("spar", "depth_prediction_oc", "1.5", "1.5 m, not 3", 1.0),         # single view: first number
    ("spar", "depth_prediction_oc_mv", "1.5", "3 or 1.5", 1.0),          # multi-view: last number
    ("spar", "depth_prediction_oc_mv", "1.5", "unsure", 0.0),            # none: -1
    ("spar", "depth_prediction_oc", "1.5", "-1.5", 1.0),                 # the sign is not read
    ("spar", "depth_prediction_oc", "0", "0.03", 1.0),                   # zero truth: absolute error
    ("spar", "view_change_infer", "move_right:0.5", "move_right:0.5", 1.0),
    ("spar", "view_change_infer", "move_right:0.5", "move_right: 0.5, done", 0.0),   # not a key:value list
    # swapped arguments: the prediction's value is the reference one; a predicted 0 scores by |truth|
    ("spar", "view_change_infer", "move_right:0.03", "move_left:0", 1.0),
    ("stibench", "Spatial Relation", "D", "(D)", 1.0),
    ("stibench", "Spatial Relation", "D", "Option d", 1.0),
    ("stibench", "Spatial Relation", "D", "<answer>Answer: D</answer>", 1.0),
    ("stibench", "Spatial Relation", "D", "I think D", 0.0),
    ("stibench", "Spatial Relation", "D", "(A) or (D)", 0.0),            # the first match
]


@pytest.mark.parametrize("bench,task,truth,reply,official", OTHERS)
def test_other_benchmarks_official_rules(bench: str, task: str, truth: str, reply: str, official: float):
    atype = "mc" if truth.isalpha() and len(truth) == 1 else "numerical"
    fields = {"benchmark": bench, "task": task, "answer": truth, "answer_type": atype, "n_options": 4,
              "scorer": "vci" if task == "view_change_infer" else "default"}
    assert score_fields(reply, fields, "official").score == pytest.approx(official)


def test_rows_carry_both_scores_and_metrics_show_both():
    rows = [{"id": f"r{i}", "benchmark": "spacevista", "task": "t", "category": cat, "answer": "B",
             "answer_type": "mc", "prediction": pred}
            for i, (cat, pred) in enumerate([("Indoor", "B"), ("Indoor", "(B)"), ("Outdoor", "(B)"),
                                             ("Tabletop", "B"), ("TinyTabletop", "B"), ("TinyTabletop", "B"),
                                             ("TinyTabletop", "B"), ("TinyTabletop", "A")])]
    for r in rows:
        rescore_row(r, "official")
    assert rows[1]["scores"] == {"official": 0.0, "robust": 1.0} and rows[1]["score"] == 0.0
    m = compute_metrics(rows)
    off, rob = m["modes"]["official"]["overall"], m["modes"]["robust"]["overall"]
    assert m["scoring"] == "official"
    assert off["item_mean"] == pytest.approx(5 / 8) and rob["item_mean"] == pytest.approx(7 / 8)
    # the paper's Table 5 overall: the plain mean of the four category means
    assert off["category_mean"] == pytest.approx((0.5 + 0.0 + 1.0 + 0.75) / 4)
    assert off["primary"] == "category_mean" and m["overall"]["score"] == off["category_mean"]


def test_cli_scoring_modes_and_reports(engine_set, tmp_path):
    import json

    from click.testing import CliRunner

    from spacevista.cli.eval import eval_cmd, leaderboard, score

    runner = CliRunner()
    out = tmp_path / "run"
    r = runner.invoke(eval_cmd, ["--bench", str(engine_set), "--backend", "chance", "--out", str(out), "--no-progress",
                                 "--table", "markdown", "--scoring", "robust", "--mode", "official"])
    assert r.exit_code == 0, r.output
    assert "robust scoring" in r.output and "official (default)" in r.output
    assert "mean of the category means (paper Table 5 overall)" in r.output
    m = json.loads((out / "metrics.json").read_text())
    assert m["scoring"] == "robust" and set(m["modes"]) == {"official", "robust"}
    assert json.loads((out / "run.json").read_text())["scoring"] == "robust"
    r = runner.invoke(score, [str(out / "results.jsonl"), "--scoring", "official", "--table", "json"])
    assert r.exit_code == 0, r.output
    rescored = json.loads((out / "metrics.official.rescored.json").read_text())
    assert rescored["scoring"] == "official"
    assert rescored["overall"]["item_mean"] == rescored["modes"]["official"]["overall"]["item_mean"]
    r = runner.invoke(leaderboard, [str(out), "--table", "csv"])
    assert r.exit_code == 0, r.output
    header = r.output.splitlines()[0].split(",")
    assert header[2:5] == ["overall official (default)", "overall robust", "scoring"]
