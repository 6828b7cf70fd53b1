"""Reward table: completions -> expected rewards, with the real all-MiniLM-L6-v2 embeddings."""

from __future__ import annotations

import pytest

from spacevista.train.rewards import (RewardConfig, format_reward, parse_names, progressive_reward, scale_reward,
                                      semantics_reward)

NUM = {"id": "n", "answer": "2.0", "answer_type": "numerical", "unit": "m", "options": [],
       "anchors": {"semantics": ["chair", "table"], "scale": 4.0}}
MC = {"id": "c", "answer": "B", "answer_type": "mc", "unit": "", "options": ["left", "right"],
      "anchors": {"semantics": ["cup"], "scale": 0.5}}
PLAIN = {"id": "p", "answer": "3", "answer_type": "numerical", "unit": "", "options": [], "anchors": {}}

GOOD = "<think>t</think><semantics>chair, table</semantics><scale>4 m</scale><answer>2.0</answer>"

# (name, completion, item, expected total, expected parts {format, answer, semantics, scale})
TABLE = [
    ("all right", GOOD, NUM, 0.5 + 1.0, dict(format=1.0, answer=1.0)),
    ("scale in cm, answer with unit", "<think>t</think><semantics>chair and table</semantics><scale>400 cm</scale>"
     "<answer>200 cm</answer>", NUM, 1.5, dict(format=1.0, answer=1.0, scale=1.0)),
    ("answer 10% off: MRA 0.9", GOOD.replace("2.0</answer>", "2.2</answer>"), NUM, 0.5 + (0.25 + 0.25 + 0.5 * 0.9),
     dict(answer=0.9)),
    ("anchors right, answer wrong", GOOD.replace("2.0</answer>", "9</answer>"), NUM, 0.5 + 0.5, dict(answer=0.0)),
    ("answer right, semantics wrong: gated", "<think>t</think><semantics>car</semantics><scale>4 m</scale>"
     "<answer>2.0</answer>", NUM, None, dict(format=1.0, answer=1.0)),
    ("answer right, scale wrong: gated", "<think>t</think><semantics>chair, table</semantics><scale>40 m</scale>"
     "<answer>2.0</answer>", NUM, 0.5 + 0.25, dict(scale=0.0, answer=1.0)),
    ("answer right, no anchor tags", "<think>t</think><answer>2.0</answer>", NUM, 0.0,
     dict(format=0.0, answer=1.0, semantics=0.0)),
    ("wrong order", "<think>t</think><scale>4 m</scale><semantics>chair, table</semantics><answer>2.0</answer>", NUM,
     1.0, dict(format=0.0, answer=1.0)),
    ("missing </think>", "<think>t<semantics>chair, table</semantics><scale>4 m</scale><answer>2.0</answer>", NUM,
     1.0, dict(format=0.0)),
    ("text outside tags", GOOD + " done", NUM, 1.0, dict(format=0.0)),
    ("tag twice", GOOD.replace("<think>t</think>", "<think>t</think><think>u</think>"), NUM, 1.0, dict(format=0.0)),
    ("mc right", "<think>t</think><semantics>cup</semantics><scale>0.5 m</scale><answer>B</answer>", MC, 1.5,
     dict(answer=1.0)),
    ("mc wrong letter", "<think>t</think><semantics>cup</semantics><scale>50 cm</scale><answer>A</answer>", MC, 1.0,
     dict(answer=0.0, scale=1.0)),
    ("no anchors: plain answer reward", "<think>t</think><answer>3</answer>", PLAIN, 1.5, dict(format=1.0)),
    ("no anchors, anchor tags not expected", "<think>t</think><semantics>x</semantics><scale>1</scale>"
     "<answer>3</answer>", PLAIN, 1.0, dict(format=0.0, answer=1.0)),
    ("no anchors, answer off by 50%: MRA 0.1", "<think>t</think><answer>4.5</answer>", PLAIN, 0.6, dict(answer=0.1)),
    ("no anchors, answer off by 100%", "<think>t</think><answer>6</answer>", PLAIN, 0.5, dict(answer=0.0)),
    ("empty completion", "", NUM, 0.0, dict(format=0.0, answer=0.0)),
]


@pytest.mark.parametrize("name,completion,item,total,parts", TABLE, ids=[t[0] for t in TABLE])
def test_reward_table(name, completion, item, total, parts):
    r = progressive_reward(completion, item)
    for key, want in parts.items():
        assert getattr(r, key) == pytest.approx(want, abs=1e-5), key
    if total is not None:
        assert r.total == pytest.approx(total, abs=1e-5)


def test_semantics_gate_closes_later_stages():
    r = progressive_reward("<think>t</think><semantics>car</semantics><scale>4 m</scale><answer>2.0</answer>", NUM)
    assert r.semantics < 0.7 and r.gates["semantics"] is False
    # only the semantics stage pays: format + w_sem * S_sem / (sum of weights)
    assert r.total == pytest.approx(0.5 + 0.25 * r.semantics, abs=1e-6)
    assert r.total < progressive_reward(GOOD.replace("2.0</answer>", "9</answer>"), NUM).total


def test_progressive_off_is_plain_answer():
    cfg = RewardConfig(progressive=False)
    r = progressive_reward("<think>t</think><answer>2.0</answer>", NUM, cfg)
    assert r.total == pytest.approx(1.0)


def test_format_reward_plain_and_anchored():
    assert format_reward(" <think>a</think>\n<answer>b</answer>\n", False) == 1.0
    assert format_reward("<THINK>a</THINK><ANSWER>b</ANSWER>", False) == 1.0
    assert format_reward("<think>a</think><answer>b</answer>", True) == 0.0
    assert format_reward("<answer>b</answer><think>a</think>", False) == 0.0


def test_parts():
    assert parse_names("chair, the table and lamp; cup\nsofa") == ["chair", "the table", "lamp", "cup", "sofa"]
    assert scale_reward("about 3 m", 4.0) == pytest.approx(0.75)
    assert scale_reward("4000 mm", 4.0) == pytest.approx(1.0)
    assert scale_reward("0.004 km", 4.0) == pytest.approx(1.0)
    assert scale_reward("twelve metres", 4.0) == 0.0
    assert scale_reward(None, 4.0) == 0.0 and scale_reward("big", 4.0) == 0.0
    assert semantics_reward("chair, table", ["table", "chair"]) == pytest.approx(1.0, abs=1e-5)
    assert semantics_reward("", ["chair"]) == 0.0
    # a near synonym scores higher than an unrelated word
    assert semantics_reward("armchair", ["chair"]) > semantics_reward("mountain", ["chair"])


def test_reward_config_validates():
    with pytest.raises(ValueError, match="semantics_threshold"):
        RewardConfig(semantics_threshold=1.5)
    with pytest.raises(ValueError, match="answer_weight"):
        RewardConfig(answer_weight=0)
