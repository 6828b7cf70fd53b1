"""Scorer table, edge cases, and MRA against the reference formula."""

from __future__ import annotations

import numpy as np
import pytest

from spacevista.qa.answers import (extract_answer, normalize_text, parse_choice, parse_number,
                                     unit_in_question)
from spacevista.qa.metrics import answer_type_of, mean_relative_accuracy, score_answer


def reference_abs_dist_norm(pred, target):
    # lmms-eval VSI-Bench, as written there (current form: |target| and a zero guard)
    if target == 0:
        return 0.0 if pred == 0 else float("inf")
    return abs(pred - target) / abs(target)


def reference_mra(pred, target, start=0.5, end=0.95, interval=0.05):
    num_pts = (end - start) / interval + 2
    conf_intervs = np.linspace(start, end, int(num_pts))
    accuracy = reference_abs_dist_norm(pred, target) <= 1 - conf_intervs
    return accuracy.mean()


TABLE = [
    # (prediction, ground truth, answer type, unit, options, score)
    ("B", "B", "mc", "", 4, 1.0),
    ("(B)", "B", "mc", "", 4, 1.0),
    ("b.", "B", "mc", "", 4, 1.0),
    ("Answer: B", "B", "mc", "", 4, 1.0),
    ("B) the red chair", "B", "mc", "", 4, 1.0),
    ("<think>A or B?</think><answer>C</answer>", "C", "mc", "", 4, 1.0),
    ("<ANSWER>\n e \n</answer>", "E", "mc", "", 5, 1.0),          # option E, tags across lines
    ("<answer>E", "E", "mc", "", 5, 1.0),                          # malformed: no closing tag
    ("E</answer>", "E", "mc", "", 5, 1.0),                         # malformed: no opening tag
    ("the answer is a chair", "A", "mc", "", 4, 0.0),              # "a" is a word, no letter
    ("E", "E", "mc", "", 4, 0.0),                                  # E not among 4 options
    ("A", "B", "mc", "", 4, 0.0),
    ("3.5", "3.5", "numerical", "m", 0, 1.0),
    ("about 3.5 m", "3.5", "numerical", "m", 0, 1.0),
    ("35 cm", "0.35", "numerical", "m", 0, 1.0),                   # unit converted
    ("1.2k", "1200", "numerical", "", 0, 1.0),
    ("1,200", "1200", "numerical", "", 0, 1.0),
    ("three", "3", "numerical", "", 0, 1.0),
    ("a chair", "1", "numerical", "", 0, 0.0),                     # "a" is never 1
    ("1.5", "1", "numerical", "", 0, 0.1),                         # error 0.5: only θ=0.50 passes
    ("0.5", "1", "numerical", "", 0, 0.1),
    ("1.05", "1", "numerical", "", 0, 1.0),                        # error 0.05 <= 1-0.95 in float64
    ("1.0501", "1", "numerical", "", 0, 0.9),
    ("1.5000001", "1", "numerical", "", 0, 0.0),
    ("0", "0", "numerical", "", 0, 1.0),                           # zero ground truth
    ("0.001", "0", "numerical", "", 0, 0.0),
    ("-2", "-2", "numerical", "", 0, 1.0),                         # negative ground truth
    ("5", "-2", "numerical", "", 0, 0.0),
    ("-3", "-2", "numerical", "", 0, 0.1),
    ("nan", "2", "numerical", "", 0, 0.0),
    ("<answer></answer>", "2", "numerical", "", 0, 0.0),
    ("The Left side.", "left side", "text", "", 0, 1.0),
    ("right", "left", "text", "", 0, 0.0),
]


@pytest.mark.parametrize("pred,gt,atype,unit,n,expected", TABLE)
def test_score_table(pred, gt, atype, unit, n, expected):
    s = score_answer(pred, gt, atype, unit=unit, n_options=n)
    assert s.score == pytest.approx(expected, abs=1e-12)
    if s.parsed is None:
        assert s.reason  # every failure says why
    else:
        assert s.reason is None


def test_mra_matches_reference_on_random_pairs():
    rng = np.random.default_rng(0)
    y = rng.uniform(-50, 50, 10_000)
    y[::97] = 0.0
    rel = rng.uniform(-1.2, 1.2, 10_000)
    yhat = y * (1 + rel)
    yhat[::89] = 0.0
    # exact boundaries: relative errors of 0.05, 0.1, ..., 0.5
    yhat[:10] = 1.0 + np.arange(1, 11) * 0.05
    y[:10] = 1.0
    for p, t in zip(yhat.tolist(), y.tolist()):
        ref = float(reference_mra(p, t))
        assert mean_relative_accuracy(p, t) == ref, (p, t)
        # the scorer's inlined fast path, from text, agrees too
        assert score_answer(repr(p), repr(t), "numerical").score == ref, (p, t)
        assert score_answer(f"<answer>about {p!r}</answer>", repr(t), "numerical").score == ref, (p, t)


@pytest.mark.parametrize("text,expected", [
    ("<answer>B</answer>", "B"), ("<Answer>\nB\n</ANSWER>", "B"),
    ("<answer>A</answer> then <answer>C</answer>", "C"), ("<think>long</think>\nD", "D"),
    ("plain", "plain"), ("<answer> 3 m", "3 m"),
])
def test_extract_answer(text, expected):
    assert extract_answer(text) == expected


@pytest.mark.parametrize("text,letter", [
    ("B", "B"), ("(c)", "C"), ("D.", "D"), ("**A**", "A"), ("Option E", "E"), ("choice: (b)", "B"),
    ("I would pick C here", "C"), ("A chair", None), ("I think so", None), ("Both B and C", None),
    ("F", "F"), ("e.g. the lamp", None), ("Answer: A cat", None), ("The answer is A because it is left", "A"),
    ("I think so", None), ("answer is (d)", "D"), ("Answer: E.", "E"),
])
def test_parse_choice(text, letter):
    got, why = parse_choice(text, 6)
    assert got == letter
    assert (why is None) == (letter is not None)


def test_parse_choice_by_option_text():
    assert parse_choice("the lamp", 3, ["chair", "lamp", "table"])[0] == "B"


@pytest.mark.parametrize("text,unit,value", [
    ("about 3.5 m", "m", 3.5), ("35 cm", "m", 0.35), ("0.5 km", "m", 500.0), ("350 mm", "cm", 35.0),
    ("2 ft", "m", 0.6096), ("twenty-five", "", 25.0), ("a dozen", "", 12.0), ("3-4 m", "m", 3.5),
    ("between 3 and 4", "", 3.5), ("150 cm", "m2", 0.015), ("2 m²", "cm2", 20000.0),
    ("-1.5e2", "", -150.0), ("There are 2 chairs, so 5 objects", "", 5.0), ("12 m2", "m2", 12.0),
])
def test_parse_number(text, unit, value):
    got, why = parse_number(text, unit)
    assert why is None
    assert got == pytest.approx(value)


@pytest.mark.parametrize("text", ["a", "an apple", "none", "", "inf"])
def test_parse_number_failures(text):
    got, why = parse_number(text, "m")
    assert got is None and why


def test_answer_type_of():
    assert [answer_type_of(a) for a in ["A", "E", "F", "3.5", 2, "left"]] == \
        ["mc", "mc", "text", "numerical", "numerical", "text"]


def test_normalize_text():
    assert normalize_text("  The  Red, chair! ") == "red chair"


@pytest.mark.parametrize("q,unit", [
    ("How far apart are they (in meters)?", "m"), ("Give the length in centimetres.", "cm"),
    ("What is the size of this room (in square meters)?", "m2"), ("Answer in mm.", "mm"),
    ("What is the area in m^2?", "m2"), ("By how many degrees did it turn?", None),
    ("Rotation in degrees?", "deg"), ("How many chairs are in the room?", None),
    ("Is it in my hand?", None),
])
def test_unit_in_question(q, unit):
    assert unit_in_question(q) == unit
