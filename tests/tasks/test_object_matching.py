import numpy as np
import pytest
from relation_scenes import check_generated, comparison_room, template_counts

from spacevista.tasks.base import TASKS, Question, Unanswerable


@pytest.fixture
def task():
    return TASKS.get("object_matching")()


def test_same_and_different(task):
    g = comparison_room()
    same = Question("object_matching", "mc", "same", objects=[1, 1], frames=[0, 2])
    diff = Question("object_matching", "mc", "same", objects=[1, 6], frames=[0, 5])
    assert task.answer(same, g).value == "yes"
    assert task.answer(diff, g).value == "no"
    assert task.choices(same, task.answer(same, g), g, np.random.default_rng(0)) == ["no"]


def test_mark_on_a_frame_where_the_object_is_not_seen_is_unanswerable(task):
    g = comparison_room()
    with pytest.raises(Unanswerable):
        task.answer(Question("object_matching", "mc", "same", objects=[1, 1], frames=[0, 5]), g)


def test_balanced_and_pinned(task):
    g = comparison_room()
    qs = task.propose(g, np.random.default_rng(0))
    vals = [task.answer(q, g).value for q in qs]
    assert vals.count("yes") == vals.count("no") >= 1
    for q in qs:
        assert q.params["prompt_frames"] == q.frames and q.frames[0] < q.frames[1]


def test_generated_records_score_one():
    recs = check_generated(comparison_room(), "object_matching", seed=0)
    for r in recs:
        # both marks are visual prompts on their own frames, even for a unique category
        anns = [a for v in r.annotations.values() for a in v]
        assert len(anns) == 2 and anns[0]["image_index"] < anns[1]["image_index"]


def test_templates_are_many():
    assert all(n >= 20 for n in template_counts("object_matching").values())
