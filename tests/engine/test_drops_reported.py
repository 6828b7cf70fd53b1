"""A task left with no question still reports why its candidates fell away."""

from spacevista.engine.scene.questions import generate_qa
from spacevista.tasks.base import TASKS


def test_drops_of_a_task_that_proposes_nothing_reach_the_result(room_graph, monkeypatch):
    cls = dict(TASKS.items())["spatial_relation"]

    def candidates(self, graph, rng):
        # every pair on the border between two relations: nothing is asked
        self.dropped["relation_border"] += 2
        return iter(())

    monkeypatch.setattr(cls, "candidates", candidates)
    res = generate_qa(room_graph, None, seed=0, task_names=["spatial_relation"])
    assert not res.records
    assert {"task": "spatial_relation", "reason": "no unambiguous question in this scene"} in res.skipped
    assert res.dropped["spatial_relation:relation_border"] == 2
