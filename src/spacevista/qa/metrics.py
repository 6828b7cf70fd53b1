"""Scores of one prediction: Mean Relative Accuracy, choice accuracy, normalised exact match.

MRA follows VSI-Bench as implemented in lmms-eval, float for float: the thresholds are
``numpy.linspace(0.50, 0.95, 10)`` and an item passes threshold θ when
``abs(ŷ - y) / abs(y) <= 1 - θ`` with ``1 - θ`` computed in float64 exactly as there
(e.g. ``1 - 0.95 = 0.050000000000000044``, so a relative error of exactly 0.05 passes).
Decisions where the reference is silent or inconsistent (see docs/eval.md):
zero ground truth scores 1 only for a prediction of exactly 0; negative values use ``|y|``.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

import numpy as np

from spacevista.qa.answers import (_LETTERS, _WRAP, extract_answer, normalize_text, parse_choice,
                                     parse_number_text)

#: the ten confidence thresholds θ of MRA
MRA_THRESHOLDS: tuple[float, ...] = tuple(float(t) for t in np.linspace(0.50, 0.95, 10))
# tolerances 1 - θ, exactly as numpy computes them, sorted ascending for bisection
_TOL_ASC: tuple[float, ...] = tuple(sorted(float(x) for x in (1.0 - np.linspace(0.50, 0.95, 10))))
_N_TOL = len(_TOL_ASC)


def relative_error(pred: float, target: float, zero_absolute: bool = False) -> float:
    """``|pred - target| / |target|``. For ``target == 0``: 0 if ``pred == 0`` else infinity
    (lmms-eval's VSI-Bench rule), or ``|pred|`` with ``zero_absolute`` (SPAR-Bench's rule)."""
    if target == 0:
        if zero_absolute:
            return abs(pred)
        return 0.0 if pred == 0 else math.inf
    return abs(pred - target) / abs(target)


def mra_of_error(err: float) -> float:
    """MRA of a given error: the share of the ten tolerances ``1 - θ`` that ``err <= 1 - θ`` passes
    (a negative error passes all, NaN none), the same comparisons as the references make."""
    if err != err:
        return 0.0
    return (_N_TOL - bisect_left(_TOL_ASC, err)) / _N_TOL


def mean_relative_accuracy(pred: float | None, target: float, zero_absolute: bool = False) -> float:
    """MRA over the ten thresholds; ``None`` or a non-finite prediction scores 0."""
    if pred is None or pred != pred or pred in (math.inf, -math.inf):
        return 0.0
    err = relative_error(pred, target, zero_absolute)
    # number of tolerances t with err <= t, i.e. the same comparisons as the reference
    return (_N_TOL - bisect_left(_TOL_ASC, err)) / _N_TOL


@dataclass(slots=True)
class Score:
    """One scored prediction: the score in [0, 1], what was parsed, and why parsing failed."""

    score: float
    parsed: Any
    reason: str | None = None


def score_answer(prediction: str | None, answer: str, answer_type: str, *, unit: str = "",
                 options: list[str] | None = None, n_options: int = 0) -> Score:
    """Score a raw completion against the ground truth ``answer``.

    ``answer_type``: ``mc`` (letter, case-insensitive exact match), ``numerical`` (MRA after
    parsing and unit conversion to ``unit``) or ``text`` (exact match after normalisation).
    """
    if prediction is None:
        return Score(0.0, None, "no prediction")
    ans = prediction.strip() if "<" not in prediction else extract_answer(prediction)
    if answer_type == "mc":
        n = n_options or (len(options) if options else 0)
        bare = ans.strip(_WRAP)
        if len(bare) == 1:  # fast path: a lone letter
            c = bare.upper()
            if c in (_LETTERS[:n] if n else _LETTERS):
                return Score(1.0 if c == answer.strip().upper() else 0.0, c)
        letter, why = parse_choice(ans, n, options)
        if letter is None:
            return Score(0.0, None, why)
        return Score(1.0 if letter == answer.strip().upper() else 0.0, letter)
    if answer_type == "numerical":
        try:  # fast path: a bare number
            value = float(ans)
        except ValueError:
            value, why = parse_number_text(ans, unit)
            if value is None:
                return Score(0.0, None, why)
        else:
            if value != value or value in (math.inf, -math.inf):
                return Score(0.0, None, f"not a finite number: {ans!r}")
        target = float(answer)
        if target == 0:
            err = 0.0 if value == 0 else math.inf
        else:
            err = abs(value - target) / abs(target)
        return Score((_N_TOL - bisect_left(_TOL_ASC, err)) / _N_TOL, value)
    if answer_type == "text":
        norm = normalize_text(ans)
        if not norm:
            return Score(0.0, None, "empty answer")
        return Score(1.0 if norm == normalize_text(answer) else 0.0, norm)
    raise ValueError(f"unknown answer_type {answer_type!r}; expected mc, numerical or text")


def answer_type_of(answer: Any) -> str:
    """Answer type of an official SpaceVista-Bench answer: one letter A–E is ``mc``, a float is
    ``numerical``, anything else ``text``."""
    s = str(answer).strip()
    if len(s) == 1 and s in "ABCDE":
        return "mc"
    try:
        v = float(s)
    except ValueError:
        return "text"
    return "numerical" if math.isfinite(v) else "text"


def official_answer_type(answer: Any) -> str:
    """The answer type as the official SpaceVista-Bench scripts classify a ground truth (prompt and
    scorer alike): one of ``A``–``E`` is ``mc``, anything ``float()`` reads (``nan`` too) is
    ``numerical``, the rest ``text``."""
    s = str(answer).strip()
    if s in ("A", "B", "C", "D", "E"):
        return "mc"
    try:
        float(s)
    except ValueError:
        return "text"
    return "numerical"
