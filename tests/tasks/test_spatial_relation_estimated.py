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
