"""Contact relations on estimated surfaces: asked only when the gap decides them whatever the error."""

import numpy as np

from spacevista.evidence import Evidence
from spacevista.graph import Box3D, GraphObject, SceneGraph, View
from spacevista.scene import Scale
from spacevista.tasks.base import TASKS, Question


def _box(oid, cat, lo, hi, error):
    rng = np.random.default_rng(oid)
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    pts = rng.uniform(lo, hi, size=(3000, 3))
    views = {0: View(frame=0, pixels=900, bbox=(0, 0, 30, 30), point=(5, 5), min_depth=2.0, median_depth=2.0)}
    ev = Evidence(views=1, clean_views=1, extents=(True, True, True), reach=(1.0, 1.0, 1.0), position_error=error)
    return GraphObject(oid, cat, Box3D((lo + hi) / 2, hi - lo, 0.0), pts, views, {"evidence": ev})


def _spread(gap, error):
    a = _box(1, "cabinet", [0, 0, 0], [1, 0.6, 1], error)
    b = _box(2, "table", [1 + gap, 0, 0], [2 + gap, 0.6, 1], error)
    graph = SceneGraph("s", Scale("indoor"), True, [a, b], [], np.array([0.0, 0.0, 1.0]), floor_z=0.0)
    task = TASKS.get("spatial_relation")()
    return task.unseen_spread(Question("spatial_relation", "mc", "pair", objects=[1, 2]), graph)


def test_touching_or_apart_near_the_tolerance_is_refused_only_with_surface_error():
    assert _spread(0.03, 0.0) == 0.0  # exact surfaces: the gap decides
    assert _spread(0.03, 0.02) == float("inf")  # 3 cm apart, surfaces 2 cm off each: may not touch
    assert _spread(0.5, 0.02) == 0.0  # half a metre apart: apart whatever the error
    assert _spread(0.0, 0.005) == 0.0  # flush, surfaces 5 mm off: touching whatever the error


def test_a_surrounding_relation_read_across_a_gap_the_error_could_close_is_refused():
    # a fence ring around a post, 0.1 m from it: with estimated masks and surfaces 0.3 m off each,
    # the ring may as well touch the post or stand a metre away; with exact surfaces it stands
    post = _box(1, "post", [0.9, 0.9, 0], [1.1, 1.1, 2.0], 0.3)
    ring = [_box(2 + k, "fence", lo, hi, 0.3) for k, (lo, hi) in enumerate([
        ([0.7, 0.7, 0], [1.3, 0.8, 1]), ([0.7, 1.2, 0], [1.3, 1.3, 1]),
        ([0.7, 0.7, 0], [0.8, 1.3, 1]), ([1.2, 0.7, 0], [1.3, 1.3, 1])])]
    fence = GraphObject(2, "fence", Box3D(np.array([1.0, 1.0, 0.5]), np.array([0.6, 0.6, 1.0]), 0.0),
                        np.concatenate([r.points for r in ring]), ring[0].views, ring[0].attributes)
    task = TASKS.get("spatial_relation")()
    q = Question("spatial_relation", "mc", "pair", objects=[2, 1])
    estimated = SceneGraph("s", Scale("outdoor"), True, [post, fence], [], np.array([0.0, 0.0, 1.0]), floor_z=0.0,
                           metadata={"mask_error_px": 3.0})
    assert task.unseen_spread(q, estimated) == float("inf")
    # exact masks (a sensor's depth error only): the relation's margins decide, as before
    estimated.metadata = {}
    assert task.unseen_spread(q, estimated) == 0.0
    estimated.metadata = {"mask_error_px": 3.0}
    for o in (post, fence):
        o.attributes = {"evidence": Evidence(views=1, clean_views=1, extents=(True, True, True),
                                             reach=(1.0, 1.0, 1.0), position_error=0.0)}
    assert task.unseen_spread(q, estimated) == 0.0
