import numpy as np
import pytest
from relation_scenes import check_generated, comparison_room, template_counts

from spacevista.tasks.base import TASKS, Question
from spacevista.tasks.position_comparison import AXES


@pytest.fixture
def task():
    return TASKS.get("position_comparison")()


# cameras look along +y from y = -6, so camera x is world x and depth grows with world y
@pytest.mark.parametrize("axis,a,b,label", [("lr", 1, 3, "left"), ("lr", 5, 4, "right"),
                                            ("ud", 3, 5, "above"), ("ud", 5, 3, "below"),
                                            ("nf", 1, 4, "nearer"), ("nf", 4, 6, "farther")])
def test_answer_known(task, axis, a, b, label):
    g = comparison_room()
    q = Question("position_comparison", "mc", "single", objects=[a, b], frames=[2], params={"axis": axis})
    f = task.answer(q, g)
    assert f.value == label
    wrong = task.choices(q, f, g, np.random.default_rng(0))
    assert label not in wrong and wrong
    # every distractor is false on its own axis
    for w in wrong:
        ax = next(k for k, (labels, _) in AXES.items() if w in labels)
        assert task.answer(Question("position_comparison", "mc", "single", objects=[a, b], frames=[2],
                                    params={"axis": ax}), g).value != w


def test_reference_frame_changes_left_right(task):
    """Turning the reference camera around swaps left and right."""
    g = comparison_room()
    q = Question("position_comparison", "mc", "single", objects=[1, 3], frames=[0], params={"axis": "lr"})
    assert task.answer(q, g).value == "left"
    g.cameras[0].pose = g.cameras[0].pose @ np.diag([-1.0, 1.0, -1.0, 1.0])  # yaw by 180 degrees
    assert task.answer(q, g).value == "right"


def test_cross_frame_questions_pin_prompts(task):
    g = comparison_room()
    found = False
    for seed in range(20):
        for q in task.propose(g, np.random.default_rng(seed)):
            if q.kind == "cross":
                found = True
                ia, ib = q.params["prompt_frames"]
                assert ia in g.object(q.objects[0]).views and ib in g.object(q.objects[1]).views
                assert ia != ib
    assert found


def test_generated_records_score_one():
    recs = check_generated(comparison_room(), "position_comparison", seed=3)
    for r in recs:
        if r.metadata["kind"] == "cross":
            assert r.input_type != "image_text" and r.annotations


def test_templates_are_many():
    assert all(n >= 20 for n in template_counts("position_comparison").values())


def test_two_flat_markings_are_not_told_apart_in_height():
    """A field and the track round it, each lifted from its top face: their centres differ in height
    by a few centimetres of depth noise, which says nothing of which lies higher."""
    from spacevista.graph import Box3D, GraphObject
    from spacevista.tasks.position_comparison import clear, offsets

    g = comparison_room()
    field = GraphObject(90, "field", Box3D([0.0, 20.0, 0.05], [60.0, 35.0, 0.0]),
                        np.array([[x, 20.0 + y, 0.05] for x in (-30, 30) for y in (-17, 17)]))
    track = GraphObject(91, "track", Box3D([0.0, 20.0, 0.025], [80.0, 55.0, 0.05]),
                        np.array([[x, 20.0 + y, z] for x in (-40, 40) for y in (-27, 27) for z in (0.0, 0.05)]))
    off = offsets(g, field, track, g.cameras[0].frame)["ud"]
    assert abs(off[0]) > 0.5 * (field.box.height + track.box.height) / 2  # clear against thicknesses
    assert not clear(off, AXES["ud"][1])  # not against the markings' vertical scale
