"""Helpers the task modules share: plain names, wording of lengths and lists, random picks."""

import numpy as np
import pytest

from spacevista.scene import Scale
from spacevista.tasks.common import nameable, pick, sample, shuffled, unique_named
from spacevista.tasks.wording import join_and, length_text, plural, sentence, stated_rounding


def test_only_unique_categories_are_named_plainly(room_graph):
    # two chairs: neither can be named "the chair"
    assert nameable(room_graph) == {3, 4, 5}
    objs = list(reversed(room_graph.objects))
    assert [o.id for o in unique_named(room_graph, objs)] == [5, 4, 3]


def test_lengths_and_lists_read_as_answers_do():
    assert length_text(1.2345, Scale.INDOOR) == "1.23 m"
    assert length_text(0.0456, Scale.TABLETOP) == "4.56 cm"
    assert join_and(["the a"]) == "the a"
    assert join_and(["the a", "the b"]) == "the a and the b"
    assert join_and(["a", "b", "c"]) == "a, b and c"
    assert [plural(n) for n in ("chair", "box", "bench", "shelf", "battery", "key")] == [
        "chairs", "boxes", "benches", "shelfs", "batteries", "keys"]
    assert sentence("move it left 3 cm") == "Move it left 3 cm."


def test_stated_rounding_keeps_what_the_text_states():
    to_cm = stated_rounding("cm")
    assert to_cm(0.123456) == pytest.approx(0.123, abs=1e-15)
    assert length_text(to_cm(0.123456), Scale.TABLETOP) == length_text(0.123456, Scale.TABLETOP)


def test_pick_and_shuffled_draw_as_the_index_idioms_they_replace():
    items = ["a", "b", "c", "d", "e"]
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    assert [pick(items, a) for _ in range(20)] == [items[int(b.integers(len(items)))] for _ in range(20)]
    assert shuffled(items, a) == sample(items, len(items), b)
    assert sorted(shuffled(items, a)) == items
