"""Gates: a question is asked only when what the capture showed determines its answer.

Each task states what its answers rest on: ``Task.evidence`` (the kinds of question whose objects
must have been seen whole), ``Task.unseen_spread`` (how far the answer could move because of what the
capture never showed: the hidden back of an object seen from one side, a hidden bottom) and
``Task.room_coverage`` (how much of the room's walls must have been seen). A candidate question that
falls short is refused, and the refusal is counted with its reason (see ``Task.refuse``).

A scene posed at a scale recovered from metric depth (``engine.scene.metric_scale``) carries that
scale's relative uncertainty in ``graph.metadata["scale_sigma"]``: a metric answer it could move by
more than ``MAX_SCALE_SHIFT`` is refused (:func:`scale_refusal`), and it widens every numerical
answer's interval with the depth error (:func:`answer_interval`).
"""

from __future__ import annotations

import math

from spacevista.evidence import evidence_of
from spacevista.graph import SceneGraph
from spacevista.tasks.base import Question, Task

#: refusal reasons, as report.json counts them
CUT_OR_HIDDEN = "object_cut_or_hidden_in_every_view"
UNSEEN_PART = "answer_depends_on_unseen_part"
ROOM_PARTLY_SEEN = "room_walls_partly_seen"
IMPRECISE = "measurement_error_above_5pct"
OBSTACLES_ESTIMATED = "plan_needs_exact_obstacles"
MARGINAL_INSTANCE = "instance_too_small_to_tell"
#: the largest relative measurement error (half-width) of an object an extent question may name
MAX_MEASUREMENT_ERROR = 0.05
DISTRACTOR_INSIDE = "distractor_within_uncertainty"
SCALE_UNCERTAIN = "scale_uncertain"
#: the most a numerical answer may move because of unseen parts (MRA's strictest threshold is 5%)
MAX_UNSEEN_SPREAD = 0.05
#: how a relative depth error grows into the error of each quantity (metres, square, cubic metres)
POWER = {"length": 1, "area": 2, "volume": 3}
#: relative depth error assumed per source of depth when the scene does not state one
DEPTH_ERROR = {"exact": 0.0, "sensor": 0.01, "model": 0.10}
#: the most one sigma of a recovered scale may move a metric answer (the tolerance within which a
#: numerical answer keeps full credit)
MAX_SCALE_SHIFT = 0.05
#: the power of length in the answers' units (an area moves twice as much as the scale)
UNIT_POWER = {"mm": 1, "cm": 1, "m": 1, "km": 1, "mm2": 2, "cm2": 2, "m2": 2, "km2": 2,
              "mm3": 3, "cm3": 3, "m3": 3}


def depth_error_of(metadata: dict) -> float:
    """Relative depth error of a scene, from how its depth was made (``metadata["perception"]``):
    the stated error of simulated perception (also that of the ``synthetic`` depth specialist, which
    simulates a depth model on a capture's truth), a depth model's typical error, a sensor's, or none
    for rendered depth."""
    perception = metadata.get("perception") or {}
    mode = perception.get("mode")
    if mode == "realistic":
        return float(perception.get("depth_error", DEPTH_ERROR["model"]))
    if mode == "degraded":
        return float(perception.get("depth_noise", 0.0))
    depth = perception.get("depth")
    if depth and not (isinstance(depth, dict) and depth.get("source") == "native"):
        simulated = ((depth.get("model") or {}).get("realistic") or {}).get("depth_error")
        return DEPTH_ERROR["model"] if simulated is None else float(simulated)
    if metadata.get("generator") and mode in (None, "oracle"):
        return DEPTH_ERROR["exact"]
    return DEPTH_ERROR["sensor"]


#: how far (pixels) an estimated mask's outline may sit from the object's: a tracker's (SAM2-like)
MASK_ERROR_PX = {"exact": 0.0, "tracker": 2.0}


def mask_error_of(metadata: dict) -> float:
    """How far (pixels) a scene's mask outlines may sit from its objects', from how its masks were
    made: the stated boundary error of simulated perception, a tracker's typical one, or none for
    rendered or annotated masks."""
    perception = metadata.get("perception") or {}
    mode = perception.get("mode")
    if mode == "realistic":
        return float(perception.get("mask_boundary_px", 2)) + 2.0 * float(perception.get("mask_jitter", 0.5))
    if mode == "degraded":
        return abs(float(perception.get("mask_erosion", 0)))
    if perception.get("tracker"):
        return MASK_ERROR_PX["tracker"]
    return MASK_ERROR_PX["exact"]


def relative_error(graph: SceneGraph) -> float:
    """The relative error of the graph's lengths: the depth error (``graph.metadata["depth_error"]``),
    combined in quadrature with the uncertainty of a recovered scale (``graph.metadata
    ["scale_sigma"]``) where the poses were put at one; the two are independent (the scale is fitted
    over many frames and points, the depth errs per frame and pixel)."""
    err = float(graph.metadata.get("depth_error", 0.0))
    sigma = graph.metadata.get("scale_sigma")
    # only combined when present, so scenes at a known scale keep their interval bit for bit
    return math.hypot(err, float(sigma)) if sigma else err


def holds_under_scale(unit: str, sigma: float | None) -> bool:
    """Whether an answer in ``unit`` (a number, or a choice among values) moves by at most
    ``MAX_SCALE_SHIFT`` when the scene's scale moves by its relative uncertainty ``sigma``; always
    true without one and for answers that are no length, area or volume."""
    return sigma is None or UNIT_POWER.get(unit, 0) * sigma <= MAX_SCALE_SHIFT


def scale_refusal(task: Task, unit: str, graph: SceneGraph) -> str | None:
    """A metric answer in ``unit`` that one sigma of the graph's recovered scale could move by more
    than ``MAX_SCALE_SHIFT`` is not determined by the capture."""
    if task.metric and not holds_under_scale(unit, graph.metadata.get("scale_sigma")):
        return SCALE_UNCERTAIN
    return None


def answer_interval(task: Task, q: Question, graph: SceneGraph, value: float) -> tuple[float, float]:
    """Where the true value of a numerical answer may lie: the relative error of lengths
    (:func:`relative_error`: depth error and a recovered scale's uncertainty) on both sides, grown by
    the quantity's power, and what unseen parts could add above."""
    err = relative_error(graph)
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
    if task.needs_exact_obstacles and (graph.metadata.get("mask_error_px") or graph.metadata.get("depth_error", 0.0)) \
            and not task.plan_holds_under_error(q, graph):
        return OBSTACLES_ESTIMATED
    if task.measures_extent and any(evidence_of(graph.object(o)).error > MAX_MEASUREMENT_ERROR
                                    for o in q.objects if graph.has(o)):
        return IMPRECISE
    category = q.params.get("category")
    if category is not None and category in (graph.metadata.get("marginal_objects") or {}).values():
        # an instance seen only at the size limit: the truth may or may not count it
        return MARGINAL_INSTANCE
    if task.room_coverage > 0:
        coverage = (graph.room or {}).get("wall_coverage")
        if coverage is not None and coverage < task.room_coverage:
            return ROOM_PARTLY_SEEN
        # a room's area moves with the square of its lengths' error, its volume with the cube, and
        # on estimated depth its walls carry the scene's whole scale error, which alignment (made
        # for objects seen together) leaves in the room's extent: 5% depth put areas 10% to 17% off
        power = POWER.get(task.quantity_of(q), 0)
        if power and (1.0 + relative_error(graph)) ** power - 1.0 > MAX_MEASUREMENT_ERROR:
            return IMPRECISE
    return None
