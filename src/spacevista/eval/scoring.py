"""Score a prediction for an item or for a saved results row (no benchmark files needed).

Two scoring modes:

- ``official``: each benchmark's reference scorer reproduced item by item, quirks included
  (SpaceVista-Bench: the official release's; VSI-Bench: lmms-eval's; MMSI-Bench: its authors';
  SPAR-Bench: lmms-eval's; STI-Bench: the SpaceVista release's; engine sets: SpaceVista-Bench's, as
  their exported ``bench.json`` is scored). Its numbers are comparable with published tables.
- ``robust``: this project's lenient parsing (letters in any common wrapping, numbers with units
  converted, number words, normalised text; see docs/eval.md).

Every results row carries both scores; ``score`` is the one of the run's mode.
"""

from __future__ import annotations

from typing import Any, Callable

from spacevista.eval.benchmarks import get_benchmark
from spacevista.qa.answers import extract_answer, parse_number
from spacevista.eval.benchmarks.spar.scorer import score_view_change
from spacevista.qa.items import EvalItem
from spacevista.qa.metrics import Score, mean_relative_accuracy, score_answer

MODES = ("official", "robust")
#: the mode runs and reports use unless told otherwise
DEFAULT_SCORING = "official"


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


#: robust scorer name -> function(prediction, item fields)
SCORERS: dict[str, Callable[[str | None, dict[str, Any]], Score]] = {
    "default": _default, "mra_zero_abs": _mra_zero_abs, "vci": _vci}


def _robust(prediction: str | None, fields: dict[str, Any]) -> Score:
    name = fields.get("scorer") or "default"
    if name not in SCORERS:
        raise ValueError(f"item {fields.get('id')}: unknown scorer {name!r}; known: {sorted(SCORERS)}")
    return SCORERS[name](prediction, fields)


def score_fields(prediction: str | None, fields: dict[str, Any], mode: str = DEFAULT_SCORING) -> Score:
    """Score ``prediction`` against a results row's item fields (``benchmark``, ``task``, ``answer``,
    ``answer_type``, ``unit``, ``options``, ``n_options``, ``scorer``) in ``mode``."""
    if mode == "robust":
        return _robust(prediction, fields)
    if mode != "official":
        raise ValueError(f"unknown scoring mode {mode!r}; expected one of {MODES}")
    s = get_benchmark(fields.get("benchmark") or "").score_official(prediction, fields)
    return _robust(prediction, fields) if s is None else s


def score_modes(prediction: str | None, fields: dict[str, Any]) -> dict[str, Score]:
    """The score in every mode."""
    return {m: score_fields(prediction, fields, m) for m in MODES}


def rescore_row(row: dict[str, Any], mode: str = DEFAULT_SCORING) -> dict[str, Any]:
    """``row`` (a results row) with ``score``, ``parsed`` and ``reason`` of ``mode``, ``scores`` of
    every mode and ``scoring`` set from its saved prediction; returns the row."""
    both = score_modes(row.get("prediction"), row)
    s = both[mode]
    row.update(score=s.score, parsed=s.parsed, reason=s.reason, scoring=mode,
               scores={m: v.score for m, v in both.items()})
    return row


def score_item(item: EvalItem, prediction: str | None, mode: str = DEFAULT_SCORING) -> Score:
    """Score ``prediction`` for ``item`` in ``mode``."""
    return score_fields(prediction, item.result_fields(), mode)
