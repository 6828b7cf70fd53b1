"""SPAR-Bench's special scorer: view-change inference, mean MRA over five motion axes.

An answer is a list ``move_right:0.5,move_forward:1.2,rotate_left:30`` (any order, any subset).
Each axis is the signed difference of its two directions (right - left, up - down,
forward - backward, and the two rotations); the score is the mean MRA over the five axes. SPAR-Bench
uses the absolute error for axes whose ground truth is 0, and so does this scorer.
"""

from __future__ import annotations

import re

from spacevista.qa.answers import extract_answer
from spacevista.qa.metrics import Score, mean_relative_accuracy

AXES = (("move_right", "move_left"), ("move_up", "move_down"), ("move_forward", "move_backward"),
        ("rotate_right", "rotate_left"), ("rotate_up", "rotate_down"))
_PAIR_RE = re.compile(r"((?:move|rotate)_(?:right|left|up|down|forward|backward))\s*[:=]\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)",
                      re.IGNORECASE)


def parse_motion(text: str) -> dict[str, float]:
    """``{action: amount}`` from a view-change answer; repeated actions add up."""
    out: dict[str, float] = {}
    for key, val in _PAIR_RE.findall(text):
        k = key.lower()
        out[k] = out.get(k, 0.0) + float(val)
    return out


def axis_values(motion: dict[str, float]) -> list[float]:
    """The five signed axis values of a motion."""
    return [motion.get(a, 0.0) - motion.get(b, 0.0) for a, b in AXES]


def score_view_change(prediction: str, answer: str) -> Score:
    """Mean MRA over the five axes; an answer with no ``action:amount`` pair scores 0."""
    pred = parse_motion(extract_answer(prediction))
    if not pred:
        return Score(0.0, None, "no action:amount pairs found")
    gt = axis_values(parse_motion(answer))
    pv = axis_values(pred)
    s = sum(mean_relative_accuracy(p, g, zero_absolute=True) for p, g in zip(pv, gt)) / len(AXES)
    return Score(s, ",".join(f"{k}:{v:g}" for k, v in sorted(pred.items())))
