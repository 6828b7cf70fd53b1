"""Scene graph -> QA records, with exact answers and self-scores where ground truth exists."""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spacevista import __version__
from spacevista.engine.scene.clips import CLIP_FRAMES, choose_clip, restrict, sync_trees
from spacevista.graph import SceneGraph
from spacevista.qa.metrics import score_answer
from spacevista.records import QARecord
from spacevista.scene import Scale
from spacevista.tasks.base import TASKS, Task, Unanswerable
from spacevista.tasks.compose import compose


def rng_for(seed: int, *keys: str) -> np.random.Generator:
    """A generator determined by the seed and stable string keys (crc32, not Python's salted hash)."""
    return np.random.default_rng([seed, *(zlib.crc32(k.encode()) for k in keys)])


@dataclass
class SceneQA:
    """What the engine produced for one scene: records, skipped tasks with reasons, filter drops."""

    scene_id: str
    scale: str
    records: list[QARecord] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    #: the recovered metric scale of an SfM capture (engine.scene.metric_scale), None for others
    metric_scale: dict[str, Any] | None = None


def tasks_for(scale: Scale, names: list[str] | None = None) -> list[Task]:
    """Instances of the registered tasks that apply to ``scale`` (optionally restricted by name)."""
    out = []
    for name, cls in TASKS.items():
        if names is not None and name not in names:
            continue
        if scale in cls.scales:
            out.append(cls())
    return out


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


#: a metric answer holds under the scale's uncertainty when one sigma of it moves the answer by at
#: most this much (relative): the tolerance within which a numerical answer keeps full credit
SCALE_SHIFT = 0.05
#: the power of length in the numerical answers' units (an area moves twice as much as the scale)
_POWER = {"mm": 1, "cm": 1, "m": 1, "km": 1, "mm2": 2, "cm2": 2, "m2": 2, "km2": 2, "mm3": 3, "cm3": 3, "m3": 3}


def holds_under_scale(unit: str, sigma: float | None) -> bool:
    """Whether an answer in ``unit`` (a number, or a choice among values) moves by at most
    ``SCALE_SHIFT`` when the scene's scale moves by its relative uncertainty ``sigma``; always true
    without one and for answers that are no length, area or volume."""
    return sigma is None or _POWER.get(unit, 0) * sigma <= SCALE_SHIFT


def generate_qa(est: SceneGraph, exact: SceneGraph | None, seed: int, task_names: list[str] | None = None,
                provenance: dict[str, Any] | None = None, lifted: bool = True,
                clip_frames: int = CLIP_FRAMES, not_metric: str | None = None,
                scale_sigma: float | None = None) -> SceneQA:
    """Propose questions from the estimated graph; give each its clip (at most ``clip_frames``
    frames, see :mod:`~spacevista.engine.scene.clips`); answer it from both graphs as seen through
    the clip; word and score it.

    ``not_metric`` is the reason metric tasks are refused on a non-metric scene (default "scene is
    not metric"); ``scale_sigma`` the relative uncertainty of a recovered scale, under which every
    metric answer must hold (:func:`holds_under_scale`) or is dropped."""
    result = SceneQA(est.scene_id, est.scale.value)
    frame_order = [c.frame for c in est.cameras]
    path_of = dict(zip(frame_order, est.frame_paths))
    seen: set[tuple[str, str]] = set()
    for task in tasks_for(est.scale, task_names):
        if task.metric and not est.metric:
            result.skipped.append({"task": task.name, "reason": not_metric or "scene is not metric"})
            continue
        if task.needs and not lifted:
            result.skipped.append({"task": task.name, "reason": "needs depth and instance masks, "
                                   "which the source lacks (no perception specialist configured)"})
            continue
        rng = rng_for(seed, est.scene_id, task.name)
        try:
            questions = task.propose(est, rng)
        except Unanswerable as e:
            result.skipped.append({"task": task.name, "reason": str(e)})
            continue
        if not questions:
            result.skipped.append({"task": task.name, "reason": "no unambiguous question in this scene"})
            continue
        result.dropped.update({f"{task.name}:{k}": v for k, v in getattr(task, "dropped", {}).items()})
        for n, q in enumerate(questions):
            try:
                clip = choose_clip(task, q, est, frame_order, clip_frames)
            except Unanswerable:
                result.dropped["clip_too_small"] += 1
                continue
            seen_est = restrict(est, clip)
            try:
                facts = task.answer(q, seen_est)
            except Unanswerable:
                result.dropped["unanswerable"] += 1
                continue
            finally:
                sync_trees(seen_est, est)
            exact_facts = None
            if exact is not None:
                seen_exact = restrict(exact, clip)
                try:
                    exact_facts = task.answer(q, seen_exact)
                except Unanswerable:
                    exact_facts = None
                finally:
                    sync_trees(seen_exact, exact)
            composed = compose(task, q, facts, exact_facts, seen_est, clip, rng)
            if task.metric and not holds_under_scale(composed.unit, scale_sigma):
                result.dropped["scale_uncertain"] += 1
                continue
            score = None
            if exact is not None:
                if composed.exact_answer is None:  # the exact graph could not answer it
                    composed.exact_answer = ""
                # the engine's answer scored exactly as a model's prediction would be
                score = 0.0 if not composed.exact_answer else score_answer(
                    composed.answer, composed.exact_answer, composed.answer_type, unit=composed.unit,
                    options=composed.options).score
            key = (normalise(composed.question), composed.answer)
            if key in seen:
                result.dropped["duplicate"] += 1
                continue
            seen.add(key)
            result.records.append(QARecord(
                id=f"{est.scene_id}-{task.name}-{n:03d}", scene_id=est.scene_id, source=est.source,
                scale=est.scale.value, category=est.scale.category, task=task.name,
                answer_type=composed.answer_type, question=composed.question, answer=composed.answer,
                options=composed.options, unit=composed.unit, rationale=composed.rationale,
                anchors=composed.anchors, input_type=composed.input_type, annotations=composed.annotations,
                frames=[path_of[f] for f in clip] if est.frame_paths else [], frame_indices=clip,
                reference_frame=q.frames[0] if q.frames else None,
                original_type=getattr(task, "original_type_of", lambda q: task.original_type)(q),
                exact_answer=composed.exact_answer, engine_score=score,
                metadata=composed.metadata,
                provenance={"engine_version": __version__, "seed": seed, **(provenance or {})}))
    return result
