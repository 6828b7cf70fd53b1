"""The planning tasks' shared option handling (``common.VerifiedOptions``)."""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest

from spacevista.tasks.base import Question, Unanswerable
from spacevista.tasks.common import VerifiedOptions


@dataclass(frozen=True)
class Plan:
    steps: tuple[int, ...]
    checker: Callable[["Plan"], bool] | None = field(default=None, compare=False)


def test_distractors_are_verified_only_for_multiple_choice():
    opts = VerifiedOptions()
    calls = []

    def wrong(n):
        def make():
            calls.append(n)
            return [Plan((i,)) for i in range(n)]
        return make

    q, reason = opts.with_distractors(Question("t", "text", "k"), wrong(0))
    assert reason == "" and "wrong" not in q.params and calls == []
    q, reason = opts.with_distractors(Question("t", "mc", "k"), wrong(2))
    assert q is None and reason == "too few verified distractors"
    q, reason = opts.with_distractors(Question("t", "mc", "k"), wrong(3))
    assert reason == "" and q.params["wrong"] == [Plan((0,)), Plan((1,)), Plan((2,))]


def test_plan_on_keeps_a_valid_plan_and_replans_an_invalid_one():
    opts = VerifiedOptions()
    stated = Plan((1, 2))

    def only_odd(p):
        return all(s % 2 for s in p.steps)

    assert opts.plan_on(Plan((1, 3)), only_odd, lambda: None, "plan") == Plan((1, 3))
    own = opts.plan_on(stated, only_odd, lambda: Plan((3,)), "plan")
    assert own == Plan((3,)) and own.checker is only_odd
    # options are then judged on this graph: another valid plan matches the value too
    assert opts.matches(None, Plan((5,)), own) and not opts.matches(None, stated, own)
    with pytest.raises(Unanswerable, match="no collision-free route"):
        opts.plan_on(stated, only_odd, lambda: None, "route")


def test_choices_skip_the_value_and_take_three():
    opts = VerifiedOptions()
    wrong = [Plan((i,)) for i in range(5)]
    q = Question("t", "mc", "k", params={"wrong": wrong})
    picked = opts.choices(q, type("F", (), {"value": Plan((0,))})(), None, np.random.default_rng(0))
    assert len(picked) == 3 and Plan((0,)) not in picked and set(picked) <= set(wrong)
