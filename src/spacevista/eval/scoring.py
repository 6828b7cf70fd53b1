"""Score a prediction for an item or for a saved results row (no benchmark files needed)."""

from __future__ import annotations

from typing import Any, Callable

from spacevista.qa.answers import extract_answer, parse_number
from spacevista.eval.benchmarks.spar.scorer import score_view_change
from spacevista.qa.items import EvalItem
from spacevista.qa.metrics import Score, mean_relative_accuracy, score_answer


def _default(prediction: str | None, f: dict[str, Any]) -> Score:
    return score_answer(prediction, f["answer"], f["answer_type"], unit=f.get("unit") or "",
                        options=f.get("options") or None, n_options=f.get("n_options") or 0)


def _mra_zero_abs(prediction: str | None, f: dict[str, Any]) -> Score:
    if prediction is None:
        return Score(0.0, None, "no prediction")
    value, why = parse_number(extract_answer(prediction), f.get("unit") or "")
    if value is None:
        return Score(0.0, None, why)
    return Score(mean_relative_accuracy(value, float(f["answer"]), zero_absolute=True), value)


def _vci(prediction: str | None, f: dict[str, Any]) -> Score:
    if prediction is None:
        return Score(0.0, None, "no prediction")
    return score_view_change(prediction, f["answer"])


#: scorer name -> function(prediction, item fields)
SCORERS: dict[str, Callable[[str | None, dict[str, Any]], Score]] = {
    "default": _default, "mra_zero_abs": _mra_zero_abs, "vci": _vci}


def score_fields(prediction: str | None, fields: dict[str, Any]) -> Score:
    """Score ``prediction`` against a results row's item fields (``answer``, ``answer_type``,
    ``unit``, ``options``, ``n_options``, ``scorer``)."""
    name = fields.get("scorer") or "default"
    if name not in SCORERS:
        raise ValueError(f"item {fields.get('id')}: unknown scorer {name!r}; known: {sorted(SCORERS)}")
    return SCORERS[name](prediction, fields)


def score_item(item: EvalItem, prediction: str | None) -> Score:
    """Score ``prediction`` for ``item``."""
    return score_fields(prediction, item.result_fields())
