"""Reading the engine's exports: anchors into SFT targets, visual prompts drawn, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spacevista.train.config import DataSection
from spacevista.train.data import (ANCHOR_INSTRUCTION, format_scale, item_frames, load_grpo_items, load_sft_items,
                                   with_anchor_tags)


def test_anchor_tags_go_between_think_and_answer():
    t = with_anchor_tags("<think>a</think><answer>3</answer>", {"semantics": ["chair", "chair", "table"],
                                                                "scale": 305.884343})
    assert t == "<think>a</think><semantics>chair, table</semantics><scale>306 m</scale><answer>3</answer>"
    assert format_scale(0.04567) == "0.0457 m" and format_scale(1234.5) == "1230 m"


def test_items_and_prompts(hand_data):
    grpo = load_grpo_items(DataSection(root=str(hand_data)))
    assert len(grpo) == 8 and grpo[0].prompt.endswith(ANCHOR_INSTRUCTION) and grpo[0].target is None
    plain = load_sft_items(DataSection(root=str(hand_data), anchor_tags=False, scales=["indoor"]))
    assert [it.scale for it in plain] == ["indoor", "indoor"]
    assert "<semantics>" not in plain[0].target and ANCHOR_INSTRUCTION not in plain[0].prompt


def test_visual_prompt_is_drawn(hand_data):
    cfg = DataSection(root=str(hand_data), num_frames=4, max_side=0)
    item = load_grpo_items(cfg)[0]  # a red point on frame 1
    drawn = item_frames(item, hand_data, cfg)
    item.input_type = "image_text"
    raw = item_frames(item, hand_data, cfg)
    assert np.array_equal(drawn[0], raw[0]) and not np.array_equal(drawn[1], raw[1])


def test_bad_export_names_file_and_entry(tmp_path):
    (tmp_path / "sft.json").write_text(json.dumps([{"id": "x1", "messages": [
        {"role": "user", "content": "<video>q"}, {"role": "assistant", "content": "a"}], "videos": [["f.jpg"]]}]))
    with pytest.raises(ValueError, match=r"sft.json entry 0 \(x1\).*scale"):
        load_sft_items(DataSection(root=str(tmp_path)))
    (tmp_path / "grpo.jsonl").write_text('{"id": "y"}\n')
    with pytest.raises(ValueError, match=r"grpo.jsonl:1: record y lacks 'prompt'"):
        load_grpo_items(DataSection(root=str(tmp_path)))
