"""A choice among numbers is asked when every value in the answer's interval stays nearest to the
answer's option, which holds under a wider error than a number written out (5%): options stand at
least ``min_ratio`` apart."""

import math

import numpy as np
import pytest

import dataclasses

from spacevista.engine.scene.gates import (CLEAN_VIEWS, DISTRACTOR_INSIDE, FEW_WHOLE_VIEWS, IMPRECISE, UNSEEN_PART,
                                           answer_interval, distractor_refusal, evidence_refusal, option_allowance)
from spacevista.evidence import Evidence
from spacevista.graph import Box3D, GraphObject, SceneGraph, View
from spacevista.scene import Scale
from spacevista.tasks.absolute_distance import AbsoluteDistance
from spacevista.tasks.base import Question
from spacevista.tasks.object_size import ObjectSize


def _evidence(error: float = 0.0, position_error: float = 0.0) -> Evidence:
    return Evidence(views=4, clean_views=4, faces=["+x", "-x", "+y", "-y", "top"], extents=(True, True, True),
                    azimuth_deg=360.0, valid_depth=1.0, reach=(1.0, 1.0, 1.0), error=error,
                    position_error=position_error)


def _graph(error: float, position_error: float = 0.0, depth_error: float = 0.05) -> SceneGraph:
    objs = []
    for oid, x in ((1, 0.0), (2, 2.0)):
        box = Box3D([x, 0.0, 0.5], [0.5, 0.5, 1.0])
        pts = np.array([[x + dx, dy, z] for dx in (-0.25, 0.25) for dy in (-0.25, 0.25) for z in (0.0, 1.0)])
        objs.append(GraphObject(oid, "cabinet" if oid == 1 else "chair", box, pts,
                                attributes={"evidence": _evidence(error, position_error)}))
    return SceneGraph("g", Scale.INDOOR, True, objs, [], np.array([0.0, 0.0, 1.0]),
                      metadata={"depth_error": depth_error})


def test_the_allowance_is_half_the_least_option_ratio_less_rounding():
    task = ObjectSize()
    assert option_allowance(task) == pytest.approx(0.5 * math.log(1.25) - math.log(1.005))
    assert math.exp(option_allowance(task)) == pytest.approx(1.1125, abs=1e-3)


@pytest.mark.parametrize("error,mc,numerical", [(0.03, None, None), (0.08, None, IMPRECISE), (0.15, IMPRECISE, IMPRECISE)])
def test_a_size_choice_holds_under_an_error_a_written_size_does_not(error, mc, numerical):
    g, task = _graph(error), ObjectSize()
    assert evidence_refusal(task, Question("object_size", "mc", "longest", objects=[1]), g) == mc
    assert evidence_refusal(task, Question("object_size", "numerical", "longest", objects=[1]), g) == numerical


def test_a_distance_choice_carries_its_position_errors_once():
    task = AbsoluteDistance()
    q_mc = Question("absolute_distance", "mc", "closest", objects=[1, 2])
    q_num = Question("absolute_distance", "numerical", "closest", objects=[1, 2])
    g = _graph(0.0, position_error=0.08)  # gap 1.5 m, off 0.16 m: 10.7% both ways
    gap = g.gap(1, 2)
    lo, hi = answer_interval(task, q_mc, g, gap)
    assert hi / gap == pytest.approx(1 + 0.16 / gap) and gap / lo == pytest.approx(1 + 0.16 / gap)
    assert evidence_refusal(task, q_mc, g) is None
    assert evidence_refusal(task, q_num, g) == UNSEEN_PART
    assert evidence_refusal(task, q_mc, _graph(0.0, position_error=0.12)) == UNSEEN_PART


def test_a_distractor_is_refused_when_the_interval_reaches_its_midpoint_with_the_answer():
    options = ["1.00 m", "1.30 m", "2.00 m", "3.00 m"]
    # the midpoint of 1.00 m and 1.30 m in log ratio is 1.14 m: a true 1.12 m would be nearer to
    # 1.00 m, though no other option lies inside the interval
    assert distractor_refusal(options, "B", (1.12, 1.45)) == DISTRACTOR_INSIDE
    assert distractor_refusal(options, "B", (1.16, 1.45)) is None
    assert distractor_refusal(options, "B", (1.16, 1.62)) == DISTRACTOR_INSIDE  # sqrt(1.3 * 2) = 1.61
    assert distractor_refusal(["yes", "no"], "A", (0.0, 10.0)) is None


def _with(g: SceneGraph, oid: int, **changes) -> SceneGraph:
    o = g.object(oid)
    o.attributes["evidence"] = dataclasses.replace(o.attributes["evidence"], **changes)
    return g


def test_a_thin_objects_height_has_no_lower_end_and_is_not_asked():
    # a road seen from a drone: its lifted height is the ground's depth noise (5.6 m for 0.1 m)
    g, task = _with(_graph(0.03), 1, thin=True), ObjectSize()
    q = Question("object_size", "mc", "height", objects=[1])
    assert answer_interval(task, q, g, 1.0)[0] == 0.0
    assert evidence_refusal(task, q, g) == IMPRECISE
    assert evidence_refusal(task, dataclasses.replace(q, form="numerical"), g) == IMPRECISE
    # its length is measured along the ground and keeps its interval
    q_long = Question("object_size", "mc", "longest", objects=[1])
    g.object(1).box = Box3D([0.0, 0.0, 0.5], [3.0, 0.5, 1.0])
    assert answer_interval(task, q_long, g, 3.0)[0] == pytest.approx(3.0 * 0.95)  # the 5% depth error
    assert evidence_refusal(task, q_long, g) is None
    # a thin object's height is never drawn: its longest side is asked instead
    for o in g.objects:
        o.points = np.repeat(o.points, 2, axis=0)  # ten points or more are askable
        o.views = {f: View(f, 4000, (10, 10, 110, 80), (40, 60), 3.0, 3.1) for f in range(2)}
    kinds = {q.kind for seed in range(12) for q in task.candidates(g, np.random.default_rng(seed))
             if q.objects == [1]}
    plain = {q.kind for seed in range(12) for q in task.candidates(g, np.random.default_rng(seed))
             if q.objects == [2]}
    assert kinds == {"longest", "width"} and "height" in plain


def test_an_extent_seen_whole_in_too_few_views_is_refused_on_estimated_masks():
    task = ObjectSize()
    q = Question("object_size", "mc", "longest", objects=[1])
    for clean, refused in ((1, True), (CLEAN_VIEWS - 1, True), (CLEAN_VIEWS, False)):
        g = _with(_graph(0.03), 1, clean_views=clean)
        g.metadata["mask_error_px"] = 2.0
        assert (evidence_refusal(task, q, g) == FEW_WHOLE_VIEWS) is refused
    # exact masks are never fragments: one clean view measures it
    assert evidence_refusal(task, q, _with(_graph(0.03), 1, clean_views=1)) is None
