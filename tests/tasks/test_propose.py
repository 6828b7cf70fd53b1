"""``Task.propose`` keeps the first ``per_scene`` candidates and looks at none after them."""

import numpy as np

from spacevista.tasks.base import Question, Task


class Endless(Task):
    """Offers a question per random draw, dropping the draws below one half."""

    name = "endless"
    per_scene = 3

    def candidates(self, graph, rng):
        while True:
            x = rng.random()
            if x < 0.5:
                self.dropped["low draw"] += 1
                continue
            yield Question(self.name, "mc", "draw", params={"x": x})


def test_propose_stops_at_per_scene_without_further_draws():
    task = Endless()
    rng = np.random.default_rng(7)
    qs = task.propose(None, rng)
    assert len(qs) == 3

    draws = np.random.default_rng(7).random(100)
    kept = [x for x in draws if x >= 0.5][:3]
    assert [q.params["x"] for q in qs] == kept
    used = int(np.flatnonzero(draws == kept[-1])[0]) + 1
    # the generator went on to word the questions from exactly where the last kept draw left it
    assert rng.random() == draws[used]
    assert task.dropped["low draw"] == used - 3


def test_each_propose_counts_its_own_drops():
    task = Endless()
    task.propose(None, np.random.default_rng(7))
    first = task.dropped["low draw"]
    task.propose(None, np.random.default_rng(7))
    assert task.dropped["low draw"] == first
