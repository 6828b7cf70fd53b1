"""A box run down to the scene's one support plane may reach below the ground seen around it: over
a drone capture's few hundred metres, depth errors put that plane metres off under a given spot, and
a building's lifted height then holds the difference. Its lowest possible height is the lifted one
less that offset (``Evidence.base_offset``), in every extent bound and in object size's lower end."""

import dataclasses

import numpy as np
import pytest

from spacevista.engine.scene.gates import IMPRECISE, answer_interval, evidence_refusal
from spacevista.evidence import Evidence, attach_evidence, evidence_of, ground_around, measure_bounds
from spacevista.geometry.poses import look_at
from spacevista.graph import Box3D, CameraPose, GraphObject, SceneGraph, View
from spacevista.scene import Camera, Scale
from spacevista.tasks.base import Question
from spacevista.tasks.object_size import ObjectSize

K = np.array([[200.0, 0, 160], [0, 200.0, 120], [0, 0, 1]])


def _ground(z: float, n: int = 4000, half: float = 60.0, noise: float = 0.1) -> np.ndarray:
    """Background points on the ground around the origin at height ``z``, with depth noise."""
    g = np.random.default_rng(1)
    return np.column_stack([g.uniform(-half, half, n), g.uniform(-half, half, n), z + g.normal(0, noise, n)])


def _building(bottom: float = -1.8, top: float = 13.75) -> tuple[SceneGraph, GraphObject]:
    box = Box3D(np.array([0.0, 0.0, (top + bottom) / 2]), np.array([22.0, 18.0, top - bottom]), 0.0)
    pts = np.random.default_rng(0).uniform(box.center - box.size / 2 + [0, 0, 2.4], box.center + box.size / 2, (400, 3))
    cams, views = [], {}
    for f, az in enumerate(np.radians([0, 60, 120, 180, 240, 300])):
        eye = np.array([80 * np.cos(az), 80 * np.sin(az), 120.0])
        cams.append(CameraPose(f, Camera(K, 320, 240), look_at(eye, box.center)))
        views[f] = View(f, 3000, (100, 60, 220, 180), (120, 160), 140.0, 145.0)
    obj = GraphObject(14, "building", box, pts, views)
    graph = SceneGraph("d", Scale.DRONE, True, [obj], cams, np.array([0.0, 0.0, 1.0]), floor_z=bottom,
                       metadata={"depth_error": 0.05})
    return graph, obj


def test_the_ground_around_a_box_is_where_its_ring_piles_up():
    graph, obj = _building()
    ground, z = ground_around(obj.box, _ground(-0.3))
    assert ground == pytest.approx(-0.3, abs=0.1) and len(z) >= 50
    assert ground_around(obj.box, _ground(-0.3, n=20)) is None  # too few points to tell


def test_a_box_run_below_the_ground_around_it_has_that_much_less_height_for_sure():
    graph, obj = _building()
    attach_evidence(graph, background=_ground(-0.3), depth_error=0.025)
    ev = evidence_of(obj)
    assert ev.base_offset == pytest.approx(1.5, abs=0.15)
    lo_without = Evidence.bounds(dataclasses.replace(ev, base_offset=0.0), obj.box.size, True, False)[0]
    lo, _ = ev.bounds(obj.box.size, True, False)
    assert lo[2] == pytest.approx(lo_without[2] - ev.base_offset) and np.allclose(lo[:2], lo_without[:2])
    assert measure_bounds(obj, "height", with_error=False)[0] == pytest.approx(obj.box.size[2])
    # on exact depth nothing is offset: the one plane is the ground everywhere
    graph2, obj2 = _building()
    attach_evidence(graph2, background=_ground(-0.3))
    assert evidence_of(obj2).base_offset == 0.0
    # a box standing on the ground seen around it is not offset
    graph3, obj3 = _building(bottom=-0.3)
    attach_evidence(graph3, background=_ground(-0.3), depth_error=0.025)
    assert evidence_of(obj3).base_offset < 0.1


def test_a_height_the_offset_could_move_past_its_option_is_not_asked():
    graph, obj = _building()
    obj.attributes["evidence"] = Evidence(views=6, clean_views=6, faces=["+x", "-x", "+y", "-y", "top"],
                                          extents=(True, True, True), azimuth_deg=360.0, valid_depth=1.0,
                                          reach=(1.0, 1.0, 1.0), error=0.03, base_offset=1.5)
    task = ObjectSize()
    q = Question("object_size", "mc", "height", objects=[14])
    h = obj.box.size[2]
    assert task.measured_floor(q, graph) == pytest.approx((h - 1.5) / h)
    assert answer_interval(task, q, graph, h)[0] == pytest.approx((h - 1.5) * 0.95)
    assert evidence_refusal(task, q, graph) == IMPRECISE
    # its sides along the ground keep their interval and are asked
    assert task.measured_floor(Question("object_size", "mc", "width", objects=[14]), graph) == 1.0
    assert evidence_refusal(task, Question("object_size", "mc", "width", objects=[14]), graph) is None
    # a small offset on a tall building leaves the choice standing
    obj.attributes["evidence"] = dataclasses.replace(evidence_of(obj), base_offset=0.3)
    assert evidence_refusal(task, q, graph) is None
