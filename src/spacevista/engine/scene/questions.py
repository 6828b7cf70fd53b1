"""Scene graph -> QA records, with exact answers and self-scores where ground truth exists."""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spacevista import __version__
from spacevista.engine.scene.gates import answer_interval, distractor_refusal, evidence_refusal, scale_refusal
from spacevista.engine.scene.clips import CLIP_FRAMES, choose_clip, named_objects, restrict, sync_trees
from spacevista.graph import SceneGraph
from spacevista.qa.metrics import score_answer
from spacevista.records import QARecord
from spacevista.scene import Scale
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.compose import compose
from spacevista.tasks.wording import to_unit

#: where a record's answer came from (``record.metadata["truth_source"]`` on scenes with annotations)
TRUTH_SOURCES = ("annotation", "lifted")


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
    #: lifted against annotated objects (``crosscheck.compare_graphs``), for scenes with annotations
    crosscheck: dict[str, Any] | None = None
    #: the recovered metric scale of an SfM capture (engine.scene.metric_scale), None for others
    metric_scale: dict[str, Any] | None = None
    #: frames lifting left out, with the reason (depth in the wrong unit)
    dropped_frames: list[dict[str, Any]] = field(default_factory=list)


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


def shown(q: Question, graph: SceneGraph, clip: list[int]) -> bool:
    """Whether the clip shows every object the question names (in ``graph``, the lifted graph)."""
    keep = set(clip)
    return all(graph.has(o) and keep.intersection(graph.object(o).views) for o in named_objects(q))


def answer_with_truth(task: Task, q: Question, seen_est: SceneGraph, annotated: SceneGraph | None,
                      clip: list[int]) -> tuple[Facts, str]:
    """The answer to ``q`` and its truth source: the annotated graph as seen through the clip when
    the task measures geometry (``Task.from_annotation``), every object it names is annotated and
    the annotation answers it; else the lifted graph. The lifted answer is always computed first,
    so whether a question is asked never depends on the annotation (raises ``Unanswerable``)."""
    facts = task.answer(q, seen_est)
    if annotated is None or not task.from_annotation or not all(annotated.has(o) for o in named_objects(q)):
        return facts, "lifted"
    seen_ann = restrict(annotated, clip)
    try:
        return task.answer(q, seen_ann), "annotation"
    except Unanswerable:
        return facts, "lifted"
    finally:
        sync_trees(seen_ann, annotated)


def generate_qa(est: SceneGraph, exact: SceneGraph | None, seed: int, task_names: list[str] | None = None,
                provenance: dict[str, Any] | None = None, lifted: bool = True,
                clip_frames: int = CLIP_FRAMES, annotated: SceneGraph | None = None,
                not_metric: str | None = None) -> SceneQA:
    """Propose questions from the estimated graph; refuse those the evidence gates find undetermined
    (:mod:`~spacevista.engine.scene.gates`); give each its clip (at most ``clip_frames`` frames, see
    :mod:`~spacevista.engine.scene.clips`); refuse it when the clip does not show an object it names;
    answer it from both graphs as seen through the clip (metric answers from ``annotated``, the graph
    of the source's own 3D annotation, when given: see :func:`answer_with_truth`); word and score
    it. Refusals go to ``dropped`` as ``refused:<task>:<reason>``. With ``annotated``, every record
    states its truth source in ``metadata["truth_source"]``.

    ``not_metric`` is the reason metric tasks are refused on a non-metric scene (default "scene is
    not metric"). On a scene posed at a recovered scale (``est.metadata["scale_sigma"]``), a metric
    answer the scale's uncertainty could move too far is refused (``gates.scale_refusal``)."""
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
        task.refused = Counter()
        task.gate = lambda q, task=task: evidence_refusal(task, q, est)
        try:
            questions = task.propose(est, rng)
        except Unanswerable as e:
            result.skipped.append({"task": task.name, "reason": str(e)})
            continue
        # a task left with no question still says why its candidates fell away
        result.dropped.update({f"{task.name}:{k}": v for k, v in getattr(task, "dropped", {}).items()})
        if not questions:
            result.skipped.append({"task": task.name, "reason": "no unambiguous question in this scene"})
            _count_refusals(result, task)
            continue
        _ask(task, questions, est, exact, annotated, frame_order, path_of, clip_frames, seed, provenance, rng,
             seen, result)
        _count_refusals(result, task)
    return result


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _count_refusals(result: SceneQA, task: Task) -> None:
    """Gate refusals go to ``dropped`` as ``refused:<task>:<reason>`` (the report splits them out)."""
    result.dropped.update({f"refused:{task.name}:{k}": v for k, v in task.refused.items()})


def _ask(task: Task, questions: list, est: SceneGraph, exact: SceneGraph | None, annotated: SceneGraph | None,
         frame_order: list[int], path_of: dict[int, str], clip_frames: int, seed: int,
         provenance: dict[str, Any] | None, rng: np.random.Generator, seen: set[tuple[str, str]],
         result: SceneQA) -> None:
    """Give each question its clip, refuse it when the clip does not show an object it names,
    answer it on both graphs (from the annotation where :func:`answer_with_truth` can), word it,
    score it, keep it unless a duplicate of one already kept."""
    for n, q in enumerate(questions):
        refusal = evidence_refusal(task, q, est)
        asked_as_choice = False
        choice = task.as_choice(q) if refusal else None
        if choice is not None and evidence_refusal(task, choice, est) is None:
            # held by its options' spacing (gates.choice_refusal): asked as that choice instead
            q, refusal, asked_as_choice = choice, None, True
        if refusal:
            task.refuse(refusal)
            continue
        try:
            clip = choose_clip(task, q, est, frame_order, clip_frames)
        except Unanswerable:
            task.refuse("clip_too_small")
            continue
        if not shown(q, est, clip):
            task.refuse("not_shown")
            continue
        seen_est = restrict(est, clip)
        try:
            facts, truth_source = answer_with_truth(task, q, seen_est, annotated, clip)
        except Unanswerable:
            task.refuse("unanswerable")
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
        refusal = scale_refusal(task, composed.unit, est)
        if refusal:
            task.refuse(refusal)
            continue
        if _is_number(facts.value) and (q.form == "numerical" or not task.label_options(q)):
            quantity = task.quantity_of(q)
            factor = 1.0 if quantity in ("count", "angle") else to_unit(1.0, composed.unit or "m")
            lo, hi = answer_interval(task, q, seen_est, float(facts.value))
            band = (lo * factor, hi * factor)
            if q.form == "mc":
                refusal = distractor_refusal(composed.options, composed.answer, band)
                if refusal:
                    task.refuse(refusal)
                    continue
            else:
                composed.metadata["interval"] = [round(v, 6) for v in band]
        score = None
        if exact is not None:
            if composed.exact_answer is None:  # the exact graph could not answer it
                composed.exact_answer = ""
            # the engine's answer scored exactly as a model's prediction would be
            score = 0.0 if not composed.exact_answer else score_answer(
                composed.answer, composed.exact_answer, composed.answer_type, unit=composed.unit,
                options=composed.options).score
        if asked_as_choice:
            composed.metadata["asked_as_choice"] = True
        key = (normalise(composed.question), composed.answer)
        if key in seen:
            result.dropped["duplicate"] += 1
            continue
        seen.add(key)
        if annotated is not None:
            composed.metadata["truth_source"] = truth_source
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
