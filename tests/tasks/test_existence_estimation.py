import numpy as np
import pytest
from relation_scenes import check_generated, comparison_room, template_counts

from spacevista.tasks.base import TASKS, Question


@pytest.fixture
def task():
    return TASKS.get("existence_estimation")()


def test_size_near_known(task):
    g = comparison_room()
    # taller than the chair (0.9 m): table no (0.75), lamp yes (1.6), at 0.35 m... lamp is 1.45 m from the table
    yes = Question("existence_estimation", "mc", "size_near", objects=[1, 2], params={"cmp": "taller", "radius": 2.0})
    no = Question("existence_estimation", "mc", "size_near", objects=[1, 2], params={"cmp": "taller", "radius": 1.0})
    assert task.answer(yes, g).value == "yes"
    assert task.answer(no, g).value == "no"
    assert task.choices(no, task.answer(no, g), g, np.random.default_rng(0)) == ["yes"]


def test_category_near_known(task):
    g = comparison_room()
    q = Question("existence_estimation", "mc", "category_near", objects=[2], params={"category": "chair", "radius": 1.0})
    assert task.answer(q, g).value == "yes"  # chair 1 is 0.6 m from the table's corner region
    q.params["category"] = "sofa"
    assert task.answer(q, g).value == "no"


def test_proposals_balanced_and_clear(task):
    g = comparison_room()
    vals = []
    for seed in range(8):
        for q in task.propose(g, np.random.default_rng(seed)):
            v = task.answer(q, g).value
            assert v == q.params["expected"]
            vals.append(v)
            # a 20% change of the radius does not flip the answer
            for s in (0.8, 1.2):
                q2 = Question(q.task, q.form, q.kind, q.objects, q.frames, {**q.params, "radius": q.params["radius"] * s})
                assert task.answer(q2, g).value == v
    assert vals.count("yes") >= 3 and vals.count("no") >= 3
    assert abs(vals.count("yes") - vals.count("no")) <= max(2, len(vals) // 4)


def test_generated_records_score_one():
    check_generated(comparison_room(), "existence_estimation", seed=4)


def test_templates_are_many():
    assert all(n >= 20 for n in template_counts("existence_estimation").values())


def test_flat_marking_size_is_undecided():
    from relation_scenes import aa_box, box_points, build

    from spacevista.tasks.existence_estimation import size_test

    objs = [(1, "rug", aa_box((0, 0, 0.005), (2.0, 1.5, 0.01)), box_points((0, 0, 0.005), (2.0, 1.5, 0.01), 600, 1)),
            (2, "chair", aa_box((3, 0, 0.45), (0.5, 0.5, 0.9)), box_points((3, 0, 0.45), (0.5, 0.5, 0.9), 600, 2))]
    g = build(objs)
    assert size_test(g.object(1), g.object(2), "shorter") == 0
    assert size_test(g.object(2), g.object(1), "larger") == 0


def test_an_object_its_surface_error_could_carry_across_the_radius_is_refused(task):
    from spacevista.evidence import Evidence, evidence_of

    g = comparison_room()
    q = Question("existence_estimation", "mc", "category_near", objects=[2], params={"category": "chair", "radius": 1.0})
    gap = min(g.gap(o.id, 2) for o in g.objects if o.category == "chair")
    assert task.unseen_spread(q, g) == 0.0  # exact surfaces
    for error, refused in ((abs(1.0 - gap) / 4, False), (abs(1.0 - gap), True)):
        for o in g.objects:
            ev = evidence_of(o)
            o.attributes["evidence"] = Evidence(views=ev.views, clean_views=ev.clean_views, faces=ev.faces,
                                                extents=ev.extents, azimuth_deg=ev.azimuth_deg, valid_depth=1.0,
                                                reach=ev.reach, position_error=error)
        assert (task.unseen_spread(q, g) == float("inf")) == refused, error


def _with_evidence(g, fields=None):
    from spacevista.evidence import Evidence, evidence_of

    for o in g.objects:
        ev = evidence_of(o)
        base = dict(views=ev.views, clean_views=ev.clean_views, faces=ev.faces, extents=ev.extents,
                    azimuth_deg=ev.azimuth_deg, valid_depth=1.0, reach=ev.reach)
        o.attributes["evidence"] = Evidence(**{**base, **(fields or {}).get(o.id, {})})


def _chairs_near_table(task, factor):
    """The comparison room, its chairs and "is there a chair within ``factor`` times the nearest
    chair's gap of the table?" (measured "yes" above 1, "no" below)."""
    g = comparison_room()
    chairs = [o for o in g.objects if o.category == "chair"]
    gap = min(g.gap(o.id, 2) for o in chairs)
    q = Question("existence_estimation", "mc", "category_near", objects=[2],
                 params={"category": "chair", "radius": gap * factor})
    assert task.answer(q, g).value == ("yes" if factor > 1 else "no")
    return g, chairs, gap, q


def test_a_no_that_a_hidden_back_could_turn_to_yes_is_refused(task):
    """A chair seen from one side may reach back twice as far as its box: where its back faces the
    table, nothing within the radius of the table is not known, though every measured surface is
    exact; where it faces away, the answer stands."""
    g, chairs, _, q = _chairs_near_table(task, 0.9)
    _with_evidence(g)
    assert task.unseen_spread(q, g) == 0.0
    _with_evidence(g, {o.id: {"reach": (2.0, 2.0, 1.0)} for o in chairs})  # never seen whole: any side
    assert task.unseen_spread(q, g) == float("inf")

    def towards_table(o):
        d = g.object(2).box.center[:2] - o.box.center[:2]
        return tuple(d / np.linalg.norm(d))

    # seen from the table's side, the hidden back reaches away from it: the "no" stands
    _with_evidence(g, {o.id: {"reach": (2.0, 2.0, 1.0), "hidden_side": tuple(-v for v in towards_table(o))}
                       for o in chairs})
    assert task.unseen_spread(q, g) == 0.0
    _with_evidence(g, {o.id: {"reach": (2.0, 2.0, 1.0), "hidden_side": towards_table(o)} for o in chairs})
    assert task.unseen_spread(q, g) == float("inf")


def test_a_yes_that_depth_noise_made_is_refused(task):
    """Noise scatters each object's points outward, so the closest measured points sit nearer than
    the surfaces: a "yes" just inside the radius may be a "no"."""
    g, _, gap, q = _chairs_near_table(task, 1.1)
    _with_evidence(g, {o.id: {"axis_noise": (gap * 0.01, gap * 0.01, 0.0)} for o in g.objects})
    assert task.unseen_spread(q, g) == 0.0
    _with_evidence(g, {o.id: {"axis_noise": (gap * 0.2, gap * 0.2, 0.0)} for o in g.objects})
    assert task.unseen_spread(q, g) == float("inf")
