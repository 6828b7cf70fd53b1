"""Scoring on the object a question marks: perceived tracks matched to true objects by their pixels."""

from types import SimpleNamespace

import numpy as np

from spacevista.engine.scene.correspond import correspondence, relabel_truth
from spacevista.graph import Box3D, GraphObject, SceneGraph, View
from spacevista.scene import Scale


def _frames(maps):
    return SimpleNamespace(frames=[SimpleNamespace(index=i, instances=lambda m=m: m) for i, m in enumerate(maps)])


def _obj(oid, cat="mug", frames=(0, 1, 2)):
    views = {f: View(frame=f, pixels=100, bbox=(0, 0, 1, 1), point=(0, 0), min_depth=1.0, median_depth=1.0)
             for f in frames}
    return GraphObject(oid, cat, Box3D(np.zeros(3), np.ones(3), 0.0), np.zeros((12, 3)), views)


def _graph(objects):
    return SceneGraph("s", Scale("tabletop"), True, objects, [], np.array([0.0, 0.0, 1.0]))


def _truth_maps():
    """True objects 1 (left) and 2 (right) in three frames."""
    t = np.zeros((20, 40), np.int32)
    t[5:15, 2:12] = 1
    t[5:15, 25:35] = 2
    return [t, t, t]


def test_switched_ids_are_matched_by_pixels_and_truth_is_renamed():
    truth = _truth_maps()
    # the tracker swapped the two mugs from frame 1 on: id 1 follows object 2 for two frames of three
    seen = [truth[0].copy()] + [np.where(t == 1, 2, np.where(t == 2, 1, 0)) for t in truth[1:]]
    est = _graph([_obj(1), _obj(2)])
    matches = correspondence(est, _frames(seen), _frames(truth))
    assert {k: v[0] for k, v in matches.items()} == {1: 2, 2: 1}
    exact = _graph([_obj(1), _obj(2)])
    exact.objects[0].points = np.full((12, 3), 1.0)  # tell the true objects apart
    out = relabel_truth(exact, matches, {1, 2})
    assert out.object(2).points[0, 0] == 1.0  # perceived 2 is true 1
    assert [o.id for o in exact.objects] == [1, 2]  # the input graph is not changed
    assert out.metadata["relabelled"] == {"1": 2, "2": 1}


def test_a_second_track_of_one_object_gets_no_truth_and_unseen_objects_keep_fresh_ids():
    truth = _truth_maps()
    truth = [np.where(t == 2, 0, t) for t in truth[:2]] + [truth[2]]  # object 2 only in frame 2
    seen = [np.where(t == 1, 1, 0) for t in truth]
    seen[2] = np.where(truth[2] == 1, 7, 0)  # a duplicate track of object 1 in frame 2
    est = _graph([_obj(1, frames=(0, 1)), _obj(7, frames=(2,))])
    matches = correspondence(est, _frames(seen), _frames(truth))
    assert {k: v[0] for k, v in matches.items()} == {1: 1, 7: 1}
    exact = _graph([_obj(1), _obj(2), _obj(7, cat="pen")])
    out = relabel_truth(exact, matches, {1, 7})
    ids = {o.id for o in out.objects}
    assert 1 in ids and 7 not in ids  # the larger track owns object 1; track 7 has no truth
    assert len(ids) == 3 and 2 in ids  # never-perceived object 2 and the pen stay, on free ids


def test_background_tracks_are_not_matched():
    truth = _truth_maps()
    seen = [np.zeros_like(t) for t in truth]
    for s in seen:
        s[16:20, 0:30] = 4  # a track on the background only
    est = _graph([_obj(4)])
    assert correspondence(est, _frames(seen), _frames(truth)) == {}
