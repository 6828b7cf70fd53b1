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
#: the most a numerical answer may move because of unseen parts (MRA's strictest threshold is 5%)
MAX_UNSEEN_SPREAD = 0.05


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
