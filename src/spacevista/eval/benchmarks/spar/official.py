"""SPAR-Bench scored as its reference implementation scores it (lmms-eval's ``sparbench`` task),
quirks included. The reply is read as it is (no ``<answer>`` extraction).

- **multiple choice**: lower-cased, a reply scores 1 when it equals the truth, when it is a
  substring of it (so an empty reply scores 1) or when its first character equals the truth
  ("b) the chair" scores for ``B``);
- **numerical**: the numbers are the unsigned ``digits.digits`` or ``digits`` not preceded by ``^``
  ("-2" reads 2); single-view tasks take the first (none: 0), multi-view tasks (``*_mv``) the last
  (none: -1); MRA with the absolute error when the truth is 0;
- **view change**: the reply must be exactly ``key:value`` pairs joined by commas (anything else
  scores 0); the five signed axes are compared with the MRA, the prediction taken as the
  *reference* value (the reference passes its arguments swapped: the error is divided by the
  predicted value, or is the truth's absolute value when the prediction is 0).
"""

from __future__ import annotations

import re
from typing import Any

from spacevista.qa.metrics import Score, mra_of_error

MC_TASKS = ("obj_spatial_relation_oo", "obj_spatial_relation_oc_mv", "obj_spatial_relation_oo_mv",
            "spatial_imagination_oc", "spatial_imagination_oo", "spatial_imagination_oc_mv",
            "spatial_imagination_oo_mv", "position_matching", "camera_motion_infer",
            "distance_infer_center_oo", "distance_infer_center_oo_mv")
NUMERICAL_TASKS = ("depth_prediction_oc", "depth_prediction_oo", "distance_prediction_oc",
                   "distance_prediction_oo", "depth_prediction_oc_mv", "depth_prediction_oo_mv",
                   "distance_prediction_oo_mv", "distance_prediction_oc_mv")
_NUMBERS = re.compile(r"(?<!\^)\d+\.\d+|(?<!\^)\d+")
_AXES = (("move_right", "move_left"), ("move_up", "move_down"), ("move_forward", "move_backward"),
         ("rotate_right", "rotate_left"), ("rotate_up", "rotate_down"))
_MC_PROMPT = "Answer with the option's letter from the given choices directly."
_BOX_NOTE = ("The values represent the bounding box coordinates normalized to a 0-1000 scale, with the "
             "top-left corner as the origin of the image.")
_NA_PROMPT = "Please answer the question using a single word or phrase."


def _mra_zero_abs(pred: float, target: float) -> float:
    return mra_of_error(abs(pred - target) if target == 0.0 else abs((pred - target) / target))


def _mc(reply: str, answer: str) -> Score:
    p, t = reply.lower(), answer.lower()
    ok = p == t or p in t or p[0] == t
    return Score(1.0 if ok else 0.0, reply)


def _pairs(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in text.split(","):
        key, value = item.split(":")
        out[key] = float(value)
    return out


def _vci(reply: str, answer: str) -> Score:
    try:
        pred, truth = _pairs(reply), _pairs(answer)
    except ValueError as e:
        return Score(0.0, None, f"not a key:value list ({e})")
    axes = [(pred.get(a, 0) - pred.get(b, 0), truth.get(a, 0) - truth.get(b, 0)) for a, b in _AXES]
    # the reference passes (truth, prediction) where (prediction, truth) is meant
    return Score(sum(_mra_zero_abs(t, p) for p, t in axes) / len(axes), reply)


def score_official(prediction: str | None, fields: dict[str, Any]) -> Score:
    """One reply scored by SPAR-Bench's reference rules (see the module docstring)."""
    if prediction is None:
        return Score(0.0, None, "no prediction")
    task, answer = str(fields.get("task") or ""), str(fields["answer"])
    if task == "view_change_infer":
        return _vci(prediction, answer)
    if task in NUMERICAL_TASKS:
        found = [float(n) for n in _NUMBERS.findall(prediction)]
        if task.endswith("_mv"):
            value = found[-1] if found else -1.0
        elif found:
            value = found[0]
        else:
            return Score(0.0, None, "no number found")
        try:
            target = float(answer)
        except ValueError:
            return Score(0.0, value, "the truth is no number")
        return Score(_mra_zero_abs(value, target), value)
    return _mc(prediction, answer)


def official_prompt(question: str, task: str) -> str:
    """The text the reference sends: an empty pre-prompt line, the question, then the task's post-prompt."""
    if task in NUMERICAL_TASKS:
        return f"\n{question}\n{_NA_PROMPT}"
    if task in MC_TASKS:
        note = _BOX_NOTE if task in ("position_matching", "camera_motion_infer") else ""
        return f"\n{question}\n{note}\n{_MC_PROMPT}"
    return f"\n{question}\n\n"
