import numpy as np
import pytest
from relation_scenes import check_generated, comparison_room, template_counts

from spacevista.tasks.base import TASKS, Question


@pytest.fixture
def task():
    return TASKS.get("size_comparison")()


@pytest.mark.parametrize("kind,a,b,label", [("height", 3, 2, "more"), ("height", 5, 1, "less"),
                                             ("width", 4, 1, "more"), ("width", 3, 2, "less"),
                                             ("volume", 2, 1, "more"), ("volume", 5, 4, "less")])
def test_answer_known(task, kind, a, b, label):
    g = comparison_room()
    q = Question("size_comparison", "mc", kind, objects=[a, b])
    f = task.answer(q, g)
    assert f.value == label
    # the other side only: "about the same" is never the answer, so it is not offered either
    assert task.choices(q, f, g, np.random.default_rng(0)) == [{"more": "less", "less": "more"}[label]]
    assert task.original_type_of(q) == {"height": "COMPARISON_HEIGHT", "width": "COMPARISON_WIDTH",
                                        "volume": "COMPARISON_SIZE"}[kind]


def test_each_kind_answered_more_and_less_alike():
    """Questions come in blocks of one kind answered once "more" and once "less"."""
    for seed in range(10):
        qs = task_of().propose(comparison_room(), np.random.default_rng(seed))
        g = comparison_room()
        labels = {}
        for q in qs:
            labels.setdefault(q.kind, []).append(task_of().answer(q, g).value)
        assert qs and all(v.count("more") == v.count("less") for v in labels.values()), labels


def task_of():
    return TASKS.get("size_comparison")()


def test_equal_sizes_are_never_asked(task):
    g = comparison_room()
    for seed in range(10):
        for q in task.propose(g, np.random.default_rng(seed)):
            assert set(q.objects) != {1, 6}  # two identical chairs
    # the two chairs were considered and dropped at least once over those seeds
    drops = 0
    for seed in range(30):
        task.propose(g, np.random.default_rng(seed))
        drops += task.dropped["close_values"]
    assert drops > 0


def test_generated_records_score_one():
    recs = check_generated(comparison_room(), "size_comparison", seed=1)
    for r in recs:
        assert r.original_type in ("COMPARISON_HEIGHT", "COMPARISON_WIDTH", "COMPARISON_SIZE")


def test_templates_are_many():
    assert all(n >= 20 for n in template_counts("size_comparison").values())


def test_flat_markings_only_compared_by_width(task):
    """A rug lifted from its top face has no measured height or volume: only width is asked."""
    from relation_scenes import aa_box, box_points, build

    objs = [(1, "rug", aa_box((0, 0, 0.005), (2.0, 1.5, 0.01)), box_points((0, 0, 0.005), (2.0, 1.5, 0.01), 600, 1)),
            (2, "chair", aa_box((3, 0, 0.45), (0.5, 0.5, 0.9)), box_points((3, 0, 0.45), (0.5, 0.5, 0.9), 600, 2)),
            (3, "bookshelf", aa_box((-3, 0, 1.0), (1.0, 0.4, 2.0)), box_points((-3, 0, 1.0), (1.0, 0.4, 2.0), 600, 3))]
    g = build(objs)
    kinds = set()
    for seed in range(20):
        kinds |= {q.kind for q in task.propose(g, np.random.default_rng(seed)) if 1 in q.objects}
    assert kinds == {"width"}
