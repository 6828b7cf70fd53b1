"""Gates: a question is asked only when what the capture showed determines its answer.

Each task states what its answers rest on (``Task.evidence``: the box extents of the objects it
names; ``Task.room_coverage``: how much of the room's walls must have been seen). A candidate question
whose objects were never seen whole, whose needed extents were never measured, or whose room was seen
only in part is refused, and the refusal is counted with its reason (see ``Task.refuse``).
"""

from __future__ import annotations

from spacevista.evidence import evidence_of
from spacevista.graph import SceneGraph
from spacevista.tasks.base import Question, Task

#: refusal reasons, as report.json counts them
CUT_OR_HIDDEN = "object_cut_or_hidden_in_every_view"
EXTENT_UNSEEN = "extent_never_measured"
BOTTOM_UNSEEN = "bottom_hidden"
ROOM_PARTLY_SEEN = "room_walls_partly_seen"


def evidence_refusal(task: Task, q: Question, graph: SceneGraph) -> str | None:
    """Why the capture does not determine ``q``'s answer, or None when it does."""
    need = task.evidence.get(q.kind, task.evidence.get("*"))
    if need is not None:
        for oid in dict.fromkeys(q.objects):
            if not graph.has(oid):
                continue
            ev = evidence_of(graph.object(oid))
            if not ev.whole:
                return CUT_OR_HIDDEN
            if need and not ev.measured(need):
                return BOTTOM_UNSEEN if "z" in need and not ev.bottom else EXTENT_UNSEEN
    if task.room_coverage > 0:
        coverage = (graph.room or {}).get("wall_coverage")
        if coverage is not None and coverage < task.room_coverage:
            return ROOM_PARTLY_SEEN
    return None
