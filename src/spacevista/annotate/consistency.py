"""The consistency filter: a distilled rationale is kept only when its answer agrees with the engine's.

Agreement uses the benchmark scorer (``spacevista.qa.metrics.score_answer``): multiple choice and
text need an exact match (score 1); a number agrees when its mean relative accuracy against the
engine's number is at least ``MRA_KEEP`` (0.9: within 5 % relative error), after unit parsing.
Free-text answers of planning tasks (a route in words) agree when their direction words give the
planner's action sequence (``spacevista.annotate.directions``).

Several models: each model's rationale is judged alone; among those that agree, the one with the
highest self-reported confidence (``<confidence>0-100</confidence>``; a missing confidence counts as
0) is kept, ties going to the model listed first. When no model agrees the item keeps its grounded
rationale only and is counted as dropped. A rationale whose think part is empty or whose answer
cannot be parsed is "malformed" and never kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacevista.annotate.directions import check_instruction
from spacevista.qa.answers import extract_answer
from spacevista.qa.metrics import score_answer
from spacevista.records import QARecord

MRA_KEEP = 0.9
#: tasks whose answer is a planned path; their free-text answers agree when the actions match
PLANNING_TASKS = ("route_planning", "navigation", "manipulation_planning")
#: tasks whose questions are rephrased (the relation must survive the rewording)
RELATION_TASKS = ("spatial_relation", "position_comparison", "object_location", "destination_location")

_THINK_RE = re.compile(r"<think>(.*?)</think>", re.DOTALL | re.IGNORECASE)
_CONF_RE = re.compile(r"<confidence>\s*([0-9]+(?:\.[0-9]+)?)\s*%?\s*</confidence>", re.IGNORECASE)


@dataclass
class Judgement:
    """One model's rationale for one item, judged against the engine's answer."""

    model: str
    rationale: str
    parsed: str | None
    agrees: bool
    reason: str
    confidence: float | None
    score: float


def split_reply(text: str) -> tuple[str, str, float | None]:
    """(think text, answer text, confidence in [0, 100] or None) of a completion."""
    m = _THINK_RE.search(text)
    think = m.group(1).strip() if m else ""
    rest = _CONF_RE.sub("", text)
    c = _CONF_RE.search(text)
    conf = min(100.0, float(c.group(1))) if c else None
    return think, extract_answer(rest), conf


def judge(record: QARecord, model: str, text: str) -> Judgement:
    """Judge one completion against ``record``'s computed answer."""
    think, answer, conf = split_reply(text)
    if not think:
        # kept for inspection only: a reply without reasoning is never distilled
        return Judgement(model, text.strip(), None, False, "malformed: no <think> reasoning", conf, 0.0)
    if record.answer_type == "text" and record.task in PLANNING_TASKS:
        ok, why = check_instruction(answer, record.answer)
        return Judgement(model, think, answer, ok, "agrees" if ok else f"disagrees: {why}", conf, float(ok))
    sc = score_answer(answer, record.answer, record.answer_type, unit=record.unit,
                      options=record.options, n_options=len(record.options))
    parsed = None if sc.parsed is None else str(sc.parsed)
    if parsed is None:
        return Judgement(model, think, None, False, f"malformed: {sc.reason}", conf, 0.0)
    need = MRA_KEEP if record.answer_type == "numerical" else 1.0
    if sc.score >= need:
        return Judgement(model, think, parsed, True, "agrees", conf, sc.score)
    if record.answer_type == "numerical":
        why = f"disagrees: {parsed} vs {record.answer} (MRA {sc.score:.2f} < {MRA_KEEP})"
    else:
        why = f"disagrees: {parsed} vs {record.answer}"
    return Judgement(model, think, parsed, False, why, conf, sc.score)


def choose(judgements: list[Judgement]) -> Judgement | None:
    """The kept judgement among several models' (in model order), or None when none agrees."""
    best: Judgement | None = None
    for j in judgements:
        if not j.agrees:
            continue
        if best is None or (j.confidence or 0.0) > (best.confidence or 0.0):
            best = j
    return best


def distilled_rationale(record: QARecord, kept: Judgement) -> str:
    """The training rationale built from a kept judgement: the model's reasoning, the engine's answer."""
    return f"<think>{kept.rationale}</think><answer>{record.answer}</answer>"
