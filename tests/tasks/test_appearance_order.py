import numpy as np
import pytest
from relation_scenes import aa_box, box_points, build, check_generated, comparison_room, template_counts

from spacevista.tasks.base import TASKS, Question


@pytest.fixture
def task():
    return TASKS.get("appearance_order")()


def test_order_known(task):
    g = comparison_room()
    q = Question("appearance_order", "mc", "order", params={"candidates": [5, 2, 4, 3]})
    f = task.answer(q, g)
    assert f.value == (2, 3, 4, 5)
    wrong = task.choices(q, f, g, np.random.default_rng(0))
    assert len(wrong) == 3 and f.value not in wrong and all(sorted(w) == [2, 3, 4, 5] for w in wrong)
    assert task.describe(q, f.value, g) == "table, lamp, sofa, plant"


def test_ties_are_dropped(task):
    objs = [(i, cat, aa_box((i, 0, 0.5), (0.5, 0.5, 1)), box_points((i, 0, 0.5), (0.5, 0.5, 1), 300, i), f0)
            for i, cat, f0 in [(1, "a", 0), (2, "b", 1), (3, "c", 1)]]
    g = build(objs)
    assert task.propose(g, np.random.default_rng(0)) == []
    assert task.dropped["tie"] > 0


def test_chairs_never_in_options(task):
    g = comparison_room()
    for seed in range(10):
        for q in task.propose(g, np.random.default_rng(seed)):
            assert not {1, 6} & set(q.params["candidates"])


def test_generated_records_score_one():
    recs = check_generated(comparison_room(), "appearance_order", seed=0)
    assert all(r.original_type == "APPEAR_ORDER" for r in recs)


def test_templates_are_many():
    assert all(n >= 20 for n in template_counts("appearance_order").values())
