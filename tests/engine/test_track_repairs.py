"""Repairs of a tracker's errors in the lifted graph: duplicate tracks of one object, marginal views."""

import numpy as np

from spacevista.engine.scene.gates import MARGINAL_INSTANCE, evidence_refusal
from spacevista.engine.scene.tracks import merge_duplicates
from spacevista.graph import Box3D, GraphObject, SceneGraph, View
from spacevista.scene import Scale
from spacevista.tasks.base import TASKS, Question


def _obj(oid, cat, centre, frames):
    views = {f: View(frame=f, pixels=400, bbox=(0, 0, 20, 20), point=(5, 5), min_depth=1.0, median_depth=1.0)
             for f in frames}
    pts = np.random.default_rng(oid).normal(centre, 0.01, size=(200, 3))
    return GraphObject(oid, cat, Box3D(np.asarray(centre, float), np.full(3, 0.05), 0.0), pts, views)


def test_one_object_under_two_ids_is_merged_and_neighbours_stay_apart():
    before = _obj(5, "apple", [0.0, 0.0, 0.0], range(0, 40))
    after = _obj(10, "apple", [0.01, 0.0, 0.0], range(38, 60))  # two frames shared around the switch
    stacked = _obj(2, "book", [0.3, 0.0, 0.0], range(0, 60))
    on_top = _obj(3, "book", [0.3, 0.0, 0.04], range(0, 60))  # close, but always seen together
    far = _obj(12, "apple", [0.5, 0.0, 0.0], range(60, 80))  # another apple, never seen together
    objects, merged = merge_duplicates([before, after, stacked, on_top, far], radius=0.075)
    assert merged == {10: 5}
    assert sorted(o.id for o in objects) == [2, 3, 5, 12]
    apple = next(o for o in objects if o.id == 5)
    assert len(apple.points) == 400 and sorted(apple.views) == list(range(60))
    # sharing more than a fifth of the shorter track's frames means two objects
    _, merged = merge_duplicates([before, _obj(10, "apple", [0.01, 0, 0], range(30, 60))], radius=0.075)
    assert merged == {}


def test_a_category_with_an_instance_seen_only_at_the_size_limit_is_not_counted():
    graph = SceneGraph("s", Scale("outdoor"), True, [_obj(1, "bench", [0, 0, 0], range(5))], [],
                       np.array([0.0, 0.0, 1.0]), metadata={"marginal_objects": {"3": "bench"}})
    task = TASKS.get("object_counting")()
    q = Question("object_counting", "numerical", "count", params={"category": "bench"})
    assert evidence_refusal(task, q, graph) == MARGINAL_INSTANCE
    q = Question("object_counting", "numerical", "count", params={"category": "car"})
    assert evidence_refusal(task, q, graph) is None


def test_points_a_mask_bled_onto_the_floor_leave_the_object_and_flat_things_keep_theirs():
    from spacevista.engine.scene.lift import lift_off_support

    rng = np.random.default_rng(3)
    table = rng.uniform([0, 0, 0.0], [1.7, 0.9, 0.73], size=(3000, 3))
    floor = np.c_[rng.uniform(-1.0, 3.0, size=(1500, 2)), rng.normal(0.0, 0.01, 1500)]
    rug = np.c_[rng.uniform(0, 2, size=(800, 2)), rng.normal(0.01, 0.005, 800)]
    objects = [GraphObject(1, "table", Box3D(np.zeros(3), np.ones(3), 0.0), np.concatenate([table, floor]), {}),
               GraphObject(2, "rug", Box3D(np.zeros(3), np.ones(3), 0.0), rug, {})]
    samples = {1: {0: np.concatenate([table[:100], floor[:100]])}}
    changed = lift_off_support(objects, samples, support_z=0.0, band=0.06)
    assert changed == {1}
    assert objects[0].points[:, 2].min() > 0.06 and len(objects[0].points) > 0.9 * 3000 * (0.67 / 0.73)
    assert np.ptp(objects[0].points[:, 0]) < 1.71 and samples[1][0][:, 2].min() > 0.06
    assert len(objects[1].points) == 800  # mostly in the band: a flat object keeps its points


def test_an_instance_a_switch_showed_and_lifting_lost_is_found_and_gates_its_questions():
    from spacevista.engine.scene.gates import LOST_INSTANCE
    from spacevista.engine.scene.tracks import inconsistent_frames, stray_positions, unplaced

    # id 10 followed apple A (at x = 0) for 30 frames, then a second apple B (x = 0.3) for 6
    centres = {10: [(f, np.array([0.0, 0.0, 0.0]), 0.03, 100) for f in range(30)]
               + [(f, np.array([0.3, 0.0, 0.0]), 0.03, 100) for f in range(30, 36)],
               5: [(f, np.array([0.0, 0.0, 0.0]), 0.03, 100) for f in range(40)]}
    left_out = inconsistent_frames(centres)
    assert left_out == {10: set(range(30, 36))}
    strays = stray_positions(centres, left_out)
    assert np.allclose(strays[10][0], [0.3, 0.0, 0.0])
    apple_a = _obj(5, "apple", [0.0, 0.0, 0.0], range(40))
    lost = unplaced(strays, {10: "apple", 5: "apple"}, [apple_a])
    assert [(u["category"], u["center"]) for u in lost] == [("apple", [0.3, 0.0, 0.0])]
    # where an apple was lifted at the stray position, nothing is lost
    assert unplaced(strays, {10: "apple"}, [apple_a, _obj(11, "apple", [0.3, 0.0, 0.0], range(30, 36))]) == []
    graph = SceneGraph("s", Scale("tabletop"), True, [apple_a], [], np.array([0.0, 0.0, 1.0]),
                       metadata={"unplaced_instances": lost})
    task = TASKS.get("object_counting")()
    assert evidence_refusal(task, Question("object_counting", "numerical", "count", params={"category": "apple"}),
                            graph) == LOST_INSTANCE
    assert evidence_refusal(task, Question("object_counting", "numerical", "count", params={"category": "pear"}),
                            graph) is None
