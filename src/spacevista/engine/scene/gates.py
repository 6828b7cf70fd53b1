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
LOST_INSTANCE = "instance_lost_by_tracker"
FEW_WHOLE_VIEWS = "object_seen_whole_in_too_few_views"
#: with estimated masks, the views that must show an object whole before an extent of it (a size,
#: an area: ``Task.measures_extent``) is asked: a mask cut in two where both pieces lie at one depth
#: (a fragment, or a piece a tracker lost) looks whole (``benchmarks/whole_views.py`` prints how
#: the sides of objects seen whole in fewer views compare with the truth)
CLEAN_VIEWS = 3
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


def answer_interval(task: Task, q: Question, graph: SceneGraph, value: float,
                    spread_: float | None = None) -> tuple[float, float]:
    """Where the true value of a numerical answer may lie: the relative error of lengths
    (:func:`relative_error`: depth error and a recovered scale's uncertainty; for an extent, the
    named objects' stated measurement error where larger) on both sides, grown by the quantity's
    power, and what unseen parts could add above (``spread_``: the task's ``unseen_spread``,
    computed when not given); the lower end also down to ``Task.measured_floor`` of the value. A
    task whose spread already holds its surfaces' position errors (``Task.spread_has_error``) has
    the spread on both sides and, of the length error, only a recovered scale's uncertainty
    besides."""
    if spread_ is None:
        spread_ = task.unseen_spread(q, graph) if all(graph.has(o) for o in q.objects) else 0.0
    unseen = max(0.0, spread_)
    # the position errors come from the depth and the masks; a recovered scale's uncertainty is apart
    err = float(graph.metadata.get("scale_sigma") or 0.0) if task.spread_has_error else relative_error(graph)
    if task.measures_extent:
        err = max([err] + [evidence_of(graph.object(o)).error for o in q.objects if graph.has(o)])
    power = POWER.get(task.quantity_of(q), 0)
    below = 1.0 / (1.0 + unseen) if task.spread_has_error else 1.0
    if all(graph.has(o) for o in q.objects):
        below *= task.measured_floor(q, graph)
    return value * (1 - min(err, 0.99)) ** power * below, value * (1 + err) ** power * (1 + unseen)


def distractor_refusal(options: list[str], answer: str, interval: tuple[float, float]) -> str | None:
    """Another numerical option could be right: a true value somewhere in the answer's interval
    would lie nearer to it, in log ratio, than to the answer (the exact option is the nearest so
    measured), i.e. the interval reaches their geometric midpoint."""
    lo, hi = interval
    values = []
    for text in options:
        try:
            values.append(float(text.split()[0]))
        except (ValueError, IndexError):
            return None  # not numerical options
    k = ord(answer) - ord("A")
    if not 0 <= k < len(values) or values[k] <= 0:
        return None
    for j, v in enumerate(values):
        if j != k and v > 0 and lo <= math.sqrt(v * values[k]) <= hi:
            return DISTRACTOR_INSIDE
    return None


#: relative rounding of the numbers options are written with (three significant figures)
OPTION_ROUNDING = 0.005


def option_allowance(task: Task) -> float:
    """How far (log ratio) the true value of a numerical multiple-choice answer may lie from the
    estimate and still be nearest to the answer's option: options stand at least ``task.min_ratio``
    apart once written, so half that, less the rounding of the written answer."""
    return 0.5 * math.log(task.min_ratio) - math.log1p(OPTION_ROUNDING)


def choice_refusal(task: Task, q: Question, graph: SceneGraph, spread_: float) -> str | None:
    """The gate of a choice among numbers, in place of the 5% limits: a measurement error or an
    unseen part that could move the answer is no reason to refuse it as long as every value in the
    answer's interval (:func:`answer_interval`) stays nearest to the answer's option
    (:func:`option_allowance`); refused as imprecise when the measurement error alone reaches
    further, else as depending on unseen parts."""
    allowance = option_allowance(task)

    def reach(spread: float) -> float:
        lo, hi = answer_interval(task, q, graph, 1.0, spread)
        return max(math.log(hi), -math.log(lo)) if lo > 0 else math.inf

    if reach(0.0) > allowance:
        return IMPRECISE
    if reach(spread_) > allowance:
        return UNSEEN_PART
    return None


def evidence_refusal(task: Task, q: Question, graph: SceneGraph) -> str | None:
    """Why the capture does not determine ``q``'s answer, or None when it does."""
    need = task.evidence.get(q.kind, task.evidence.get("*"))
    if need is not None:
        for oid in dict.fromkeys(q.objects):
            if graph.has(oid) and not evidence_of(graph.object(oid)).whole:
                return CUT_OR_HIDDEN
        if task.measures_extent and graph.metadata.get("mask_error_px") and any(
                evidence_of(graph.object(oid)).clean_views < CLEAN_VIEWS for oid in q.objects if graph.has(oid)):
            return FEW_WHOLE_VIEWS
    spread_ = task.unseen_spread(q, graph) if all(graph.has(o) for o in q.objects) else 0.0
    choice = q.form == "mc" and task.chooses_number(q) and task.room_coverage == 0 and math.isfinite(spread_)
    if choice:
        # a choice among options at least min_ratio apart holds under a wider error than 5%
        reason = choice_refusal(task, q, graph, spread_)
        if reason is not None:
            return reason
    elif spread_ > MAX_UNSEEN_SPREAD:
        return UNSEEN_PART
    if task.needs_exact_obstacles and (graph.metadata.get("mask_error_px") or graph.metadata.get("depth_error", 0.0)) \
            and not task.plan_holds_under_error(q, graph):
        return OBSTACLES_ESTIMATED
    if task.measures_extent and not choice and (
            any(evidence_of(graph.object(o)).error > MAX_MEASUREMENT_ERROR for o in q.objects if graph.has(o))
            or (all(graph.has(o) for o in q.objects) and task.measured_floor(q, graph) < 1.0 - MAX_MEASUREMENT_ERROR)):
        return IMPRECISE
    category = q.params.get("category")
    if category is not None and category in (graph.metadata.get("marginal_objects") or {}).values():
        # an instance seen only at the size limit: the truth may or may not count it
        return MARGINAL_INSTANCE
    if category is not None and any(u["category"] == category for u in graph.metadata.get("unplaced_instances") or []):
        # a tracker's switch showed an instance that lifting lost: the graph holds one too few
        return LOST_INSTANCE
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
