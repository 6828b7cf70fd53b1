"""Compose one QA item from a task, a question, its estimated facts and (optionally) exact facts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spacevista.graph import SceneGraph
from spacevista.tasks.base import Facts, Question, Task
from spacevista.tasks.wording import (Referrer, fill, format_number, letters, pick_template,
                                      rationale_template, shown_factor, to_unit, unit_for, unit_words)

N_OPTIONS = 4


@dataclass
class Composed:
    """Everything of a QA record that depends on the question (the engine adds ids and provenance)."""

    question: str
    answer_type: str
    answer: str
    options: list[str]
    unit: str
    rationale: str
    anchors: dict[str, Any]
    input_type: str
    annotations: dict[str, Any]
    exact_answer: str | None
    metadata: dict[str, Any] = field(default_factory=dict)


def format_fact(key: str, value: Any, graph: SceneGraph) -> str:
    """Facts whose key starts with ``len_``/``area_``/``vol_`` are in SI and written in the scale's
    unit with the unit symbol; ``deg_`` are angles; anything else is written as is."""
    for prefix, quantity in (("len_", "length"), ("area_", "area"), ("vol_", "volume")):
        if key.startswith(prefix):
            unit = unit_for(graph.scale, quantity)
            return f"{format_number(to_unit(value, unit))} {unit.replace('2', '²').replace('3', '³')}"
    if key.startswith("deg_"):
        return f"{format_number(value)} degrees"
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def compose(task: Task, q: Question, est: Facts, exact: Facts | None, graph: SceneGraph,
            frame_order: list[int], rng: np.random.Generator) -> Composed:
    """Word ``q``, build options for mc, write the grounded rationale, and word the exact answer."""
    ref = Referrer(graph, frame_order, rng)
    slots: dict[str, Any] = task_slots(task, q, graph, ref, frame_order)
    where = f"templates/{task.name}.yaml {q.form}/{q.kind}"
    layout = task.layout_for(rng)
    label = task.answer_label(q, est.value)
    template_id, template = pick_template(task.name, q.form, q.kind, layout, label, q.params.get("round"))
    if len(q.frames) == 1 and "{frame}" in template:
        # the question already names the frame its objects are marked on: "the car inside the red
        # box in frame 12 in frame 12" says it once
        said = f" in frame {slots['frame']}"
        for key, r in zip("abcdefgh", ref.refs[:len(q.objects)]):
            if r.pattern and r.frame == q.frames[0] and slots.get(key) == r.text and r.text.endswith(said):
                slots[key] = r.text[:-len(said)]
    question = fill(template, slots, where)
    numeric = q.form == "numerical" or (_is_numeric(est.value) and not task.label_options(q))
    unit = unit_for(graph.scale, task.quantity_of(q)) if numeric else ""

    options: list[str] = []
    exact_answer: str | None = None
    if q.form == "numerical":
        shown = _in_unit(est.value, task.quantity_of(q), unit)
        answer = format_number(shown)
        if exact is not None:
            exact_shown = _in_unit(exact.value, task.quantity_of(q), unit)
            exact_answer = format_number(exact_shown)
    elif q.form == "mc":
        values = list(task.choices(q, est, graph, rng)[: N_OPTIONS - 1])
        if label is not None:
            # labels in one order per scene and kind (Layout.place): a round of questions reads
            # alike and each label, so each letter, is the answer once
            values.append(est.value)
            values.sort(key=lambda v: layout.place(("order", q.kind), task.answer_label(q, v)))
            pos = values.index(est.value)
        else:
            # the correct letter from the scene's cycle for this many options: even by construction
            pos = layout.draw(("letter", len(values) + 1), range(len(values) + 1))
            values.insert(pos, est.value)
        if numeric:
            options = [_option_number(v, task.quantity_of(q), unit) for v in values]
        else:
            options = [task.describe(q, v, graph) for v in values]
        if len(set(options)) != len(options):
            raise ValueError(f"{task.name}: duplicate options {options}")
        answer = letters(len(options))[pos]
        if exact is not None:
            hit = _exact_index(task, q, values, exact.value, numeric)
            exact_answer = letters(len(options))[hit] if hit is not None else ""
    else:
        answer = task.describe(q, est.value, graph)
        if exact is not None:
            exact_answer = task.describe(q, exact.value, graph)

    facts = {k: format_fact(k, v, graph) for k, v in est.facts.items()}
    rslots = {**slots, **facts, "answer": answer if q.form != "mc" else f"{answer}. {options[letters(len(options)).index(answer)]}"}
    if q.form == "numerical":
        rslots["answer_with_unit"] = f"{answer} {unit}".strip()
    else:
        rslots["answer_with_unit"] = rslots["answer"]
    thinking = fill(rationale_template(task.name, q.kind), rslots, f"templates/{task.name}.yaml rationale/{q.kind}")
    rationale = f"<think>{thinking}</think><answer>{answer}</answer>"
    anchors = {"semantics": [r.name for r in ref.refs] or list(q.params.get("semantics", [])),
               "scale": round(graph.extent, 6)}
    return Composed(question=question, answer_type=q.form, answer=answer, options=options, unit=unit,
                    rationale=rationale, anchors=anchors, input_type=ref.input_type(),
                    annotations=ref.annotations(), exact_answer=exact_answer,
                    metadata={"kind": q.kind, "objects": list(q.objects), "frames": list(q.frames),
                              "template": template_id})


def task_slots(task: Task, q: Question, graph: SceneGraph, ref: Referrer,
               frame_order: list[int]) -> dict[str, Any]:
    """Default slots: objects as {a}, {b}, {c}...; frames as {frame}, {frame2}... (1-based);
    unit words; plus whatever the task adds through ``extra_slots``."""
    slots: dict[str, Any] = {}
    pinned = q.params.get("prompt_frames")  # optional: mark object i on frame pinned[i]
    keys = []
    for i, oid in enumerate(q.objects):
        key = "abcdefgh"[i]
        keys.append(key)
        if pinned:
            r = ref.refer(graph.object(oid), frame=pinned[i], pin=True)
        else:
            # a question about one frame prompts its objects on that frame when they are seen there
            r = ref.refer(graph.object(oid), frame=q.frames[0] if len(q.frames) == 1 else None)
        slots[f"{key}_name"] = r.name
    ref.number_prompts()
    for key, r in zip(keys, ref.refs):
        slots[key] = r.text
    for i, f in enumerate(q.frames):
        slots["frame" if i == 0 else f"frame{i + 1}"] = frame_order.index(f) + 1
    unit = unit_for(graph.scale, task.quantity_of(q))
    slots["unit"] = unit_words(unit)
    slots["unit_symbol"] = unit
    extra = getattr(task, "extra_slots", None)
    if extra is not None:
        slots.update(extra(q, graph))
    return slots


def _is_numeric(v: Any) -> bool:
    return isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool)


def _in_unit(value: float, quantity: str, unit: str) -> float:
    return float(value) / shown_factor(quantity, unit)


def _option_number(v: float, quantity: str, unit: str) -> str:
    text = format_number(_in_unit(v, quantity, unit))
    return f"{text} {unit}".strip() if quantity != "count" else text


def _exact_index(task: Task, q: Question, values: list[Any], exact: Any, numeric: bool) -> int | None:
    """Option that stands for the exact value: the nearest in log ratio for numbers, else equality."""
    if numeric and _is_numeric(exact):
        if exact <= 0:
            return None
        ratios = [abs(math.log(max(v, 1e-12) / exact)) for v in values]
        return int(np.argmin(ratios))
    for i, v in enumerate(values):
        if task.matches(q, v, exact):
            return i
    return None
