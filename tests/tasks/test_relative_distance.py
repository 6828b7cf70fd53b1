import numpy as np
import pytest
from relation_scenes import check_generated, comparison_room, template_counts

from spacevista.tasks.base import TASKS, Question


@pytest.fixture
def task():
    return TASKS.get("relative_distance")()


def test_centroid_distance_known(task):
    g = comparison_room()
    q = Question("relative_distance", "numerical", "centroid", objects=[1, 5])
    assert task.answer(q, g).value == pytest.approx(np.linalg.norm([4.0, -1.0, -0.15]))


@pytest.mark.parametrize("kind,best", [("closest", 2), ("farthest", 3)])
def test_closest_and_farthest(task, kind, best):
    g = comparison_room()
    q = Question("relative_distance", "mc", kind, objects=[1], params={"candidates": [2, 3, 4, 5]})
    f = task.answer(q, g)
    assert f.value == ("object", best)
    wrong = task.choices(q, f, g, np.random.default_rng(0))
    assert len(wrong) == 3 and f.value not in wrong


def test_mc_candidates_are_uniquely_named_and_clear(task):
    g = comparison_room()
    for seed in range(10):
        for q in task.propose(g, np.random.default_rng(seed)):
            if q.form != "mc":
                continue
            assert not {1, 6} & set(q.params["candidates"])  # two chairs: not nameable in options
            ref = g.object(q.objects[0])
            d = sorted(np.linalg.norm(g.object(o).centroid - ref.centroid) for o in q.params["candidates"])
            best, second = (d[0], d[1]) if q.kind == "closest" else (d[-1], d[-2])
            assert abs(best - second) > 0.1 * max(best, second)


def test_generated_records_score_one():
    forms = set()
    for seed in range(4):
        recs = check_generated(comparison_room(), "relative_distance", seed=seed)
        forms |= {r.answer_type for r in recs}
    assert forms == {"numerical", "mc"}


def test_a_scene_asks_one_form_first():
    """Half of the scenes start with numerical questions, half with multiple choice: a scene that
    has enough of its first form asks only that one."""
    task = TASKS.get("relative_distance")()
    firsts = set()
    for seed in range(12):
        qs = task.propose(comparison_room(), np.random.default_rng(seed))
        firsts.add(qs[0].form)
        assert len({q.form for q in qs[:2]}) == 1
    assert firsts == {"numerical", "mc"}


def test_templates_are_many():
    assert all(n >= 20 for n in template_counts("relative_distance").values())
