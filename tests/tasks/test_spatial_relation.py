import numpy as np
import pytest
from relation_scenes import RELATIONS, check_generated, relation_room, template_counts

from spacevista.tasks.base import TASKS, Question, Unanswerable
from spacevista.tasks.spatial_relation import BORDER, pair_margins, placement_margins


@pytest.fixture
def task():
    return TASKS.get("spatial_relation")()


@pytest.mark.parametrize("label,a,b", RELATIONS)
def test_pair_answer_known_by_construction(task, label, a, b):
    g = relation_room()
    q = Question("spatial_relation", "mc", "pair", objects=[a, b])
    facts = task.answer(q, g)
    assert facts.value == label
    wrong = task.choices(q, facts, g, np.random.default_rng(0))
    assert wrong and label not in wrong
    m = pair_margins(g, g.object(a), g.object(b))
    assert all(m[w] <= -BORDER for w in wrong if w != "none")


@pytest.mark.parametrize("oid,label", [(5, "hanging"), (1, "floor"), (2, "on_object"), (4, "on_object"),
                                       (7, "inside"), (10, "floor")])
def test_placement_known_by_construction(task, oid, label):
    g = relation_room()
    q = Question("spatial_relation", "mc", "placement", objects=[oid])
    facts = task.answer(q, g)
    assert facts.value == label
    wrong = task.choices(q, facts, g, np.random.default_rng(1))
    m = placement_margins(g, g.object(oid))
    assert wrong and label not in wrong and all(m[w] <= -BORDER for w in wrong)


def test_placement_needs_floor(task):
    g = relation_room()
    g.floor_z = None
    with pytest.raises(Unanswerable):
        task.answer(Question("spatial_relation", "mc", "placement", objects=[5]), g)


def test_proposals_are_the_built_relations(task):
    """Pairs asked are the built relations, or pairs built apart ("not in contact" either way)."""
    g = relation_room()
    built = {(a, b): lab for lab, a, b in RELATIONS} | {(b, a): "adhesion" for lab, a, b in RELATIONS if lab == "adhesion"}
    built[3, 1] = "support"  # the lower book lies on the table
    touching = {frozenset(k) for k in built}
    seen = False
    for seed in range(6):
        for q in task.propose(g, np.random.default_rng(seed)):
            seen = True
            if q.kind == "pair" and q.params["label"] == "none":
                assert frozenset(q.objects) not in touching
            elif q.kind == "pair":
                assert built[tuple(q.objects)] == q.params["label"]
    assert seen and isinstance(task.dropped, dict)


def test_rounds_share_a_category_and_their_labels_are_the_options(task):
    """A round's questions name a common category, each has another answer, and the round's
    labels are every one of its questions' options."""
    g = relation_room()
    for seed in range(6):
        qs = task.propose(g, np.random.default_rng(seed))
        rounds = {}
        for q in qs:
            rounds.setdefault((q.kind, q.params["round"]), []).append(q)
        for (kind, _), group in rounds.items():
            labels = sorted(q.params["label"] for q in group)
            assert len(group) >= 2 and len(set(labels)) == len(labels)
            assert all(q.params["palette"] == labels for q in group)
            cats = [{g.object(o).category for o in q.objects} for q in group]
            assert set.intersection(*cats)
            for q in group:
                facts = task.answer(q, g)
                assert sorted(task.choices(q, facts, g, np.random.default_rng(0)) + [facts.value]) == labels


def test_generated_records_score_one(task):
    recs = check_generated(relation_room(), "spatial_relation", seed=2)
    assert all(r.original_type == "SPATIAL_RELATION" for r in recs)
    assert {r.metadata["kind"] for r in recs} <= {"pair", "placement"}


def test_templates_are_many():
    assert all(n >= 20 for n in template_counts("spatial_relation").values())


@pytest.mark.parametrize("scale", ["tiny", "tabletop", "indoor", "outdoor", "drone"])
@pytest.mark.parametrize("seed", [0, 1])
def test_predicates_agree_with_synthetic_ground_truth(task, scale, seed):
    """Every relation a synthetic scene records by construction is what the predicates find on the
    exact graph (a few render-free frames: only meshes matter here)."""
    from spacevista.engine.scene.truth import truth_graph
    from spacevista.synth.generate import generate_scene

    g = truth_graph(generate_scene(scale, seed, n_frames=2, width=32, height=24))
    recorded = g.metadata["relations"]
    assert recorded
    for r in recorded:
        if r["type"] == "hanging":
            q = Question("spatial_relation", "mc", "placement", objects=[r["a"]])
        else:
            q = Question("spatial_relation", "mc", "pair", objects=[r["a"], r["b"]])
        assert task.answer(q, g).value == r["type"], (r, g.object(r["a"]).category)
