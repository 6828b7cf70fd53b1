"""Gates: a question is asked only when what the capture showed determines its answer.

Each task states what its answers rest on: ``Task.evidence`` (the kinds of question whose objects
must have been seen whole), ``Task.unseen_spread`` (how far the answer could move because of what the
capture never showed: the hidden back of an object seen from one side, a hidden bottom) and
``Task.room_coverage`` (how much of the room's walls must have been seen). A candidate question that
falls short is refused, and the refusal is counted with its reason (see ``Task.refuse``).
"""

from __future__ import annotations

from spacevista.evidence import evidence_of
from spacevista.graph import SceneGraph
from spacevista.tasks.base import Question, Task

#: refusal reasons, as report.json counts them
CUT_OR_HIDDEN = "object_cut_or_hidden_in_every_view"
UNSEEN_PART = "answer_depends_on_unseen_part"
ROOM_PARTLY_SEEN = "room_walls_partly_seen"
DISTRACTOR_INSIDE = "distractor_within_uncertainty"
#: the most a numerical answer may move because of unseen parts (MRA's strictest threshold is 5%)
MAX_UNSEEN_SPREAD = 0.05
#: how a relative depth error grows into the error of each quantity (metres, square, cubic metres)
POWER = {"length": 1, "area": 2, "volume": 3}
#: relative depth error assumed per source of depth when the scene does not state one
DEPTH_ERROR = {"exact": 0.0, "sensor": 0.01, "model": 0.10}


def depth_error_of(metadata: dict) -> float:
    """Relative depth error of a scene, from how its depth was made (``metadata["perception"]``):
    the stated error of simulated perception, a depth model's typical error, a sensor's, or none
    for rendered depth."""
    perception = metadata.get("perception") or {}
    mode = perception.get("mode")
    if mode == "realistic":
        return float(perception.get("depth_error", DEPTH_ERROR["model"]))
    if mode == "degraded":
        return float(perception.get("depth_noise", 0.0))
    if perception.get("depth"):
        return DEPTH_ERROR["model"]
    if metadata.get("generator") and mode in (None, "oracle"):
        return DEPTH_ERROR["exact"]
    return DEPTH_ERROR["sensor"]


def answer_interval(task: Task, q: Question, graph: SceneGraph, value: float) -> tuple[float, float]:
    """Where the true value of a numerical answer may lie: the depth error (``graph.metadata
    ["depth_error"]``) on both sides, grown by the quantity's power, and what unseen parts could
    add above."""
    err = float(graph.metadata.get("depth_error", 0.0))
    power = POWER.get(task.quantity_of(q), 0)
    unseen = max(0.0, task.unseen_spread(q, graph)) if all(graph.has(o) for o in q.objects) else 0.0
    return value * (1 - err) ** power, value * (1 + err) ** power * (1 + unseen)


def distractor_refusal(options: list[str], answer: str, interval: tuple[float, float]) -> str | None:
    """A numerical option other than the answer inside the answer's interval could be right."""
    lo, hi = interval
    for k, text in enumerate(options):
        if chr(ord("A") + k) == answer:
            continue
        try:
            v = float(text.split()[0])
        except (ValueError, IndexError):
            return None  # not numerical options
        if lo <= v <= hi:
            return DISTRACTOR_INSIDE
    return None


def evidence_refusal(task: Task, q: Question, graph: SceneGraph) -> str | None:
    """Why the capture does not determine ``q``'s answer, or None when it does."""
    need = task.evidence.get(q.kind, task.evidence.get("*"))
    if need is not None:
        for oid in dict.fromkeys(q.objects):
            if graph.has(oid) and not evidence_of(graph.object(oid)).whole:
                return CUT_OR_HIDDEN
    if all(graph.has(o) for o in q.objects) and task.unseen_spread(q, graph) > MAX_UNSEEN_SPREAD:
        return UNSEEN_PART
    if task.room_coverage > 0:
        coverage = (graph.room or {}).get("wall_coverage")
        if coverage is not None and coverage < task.room_coverage:
            return ROOM_PARTLY_SEEN
    return None
