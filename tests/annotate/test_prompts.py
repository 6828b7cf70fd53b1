"""Prompt contents and the prompt hash."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spacevista.annotate.prompts import SYSTEM, build_prompt, engine_facts, prompt_hash
from spacevista.io.jsonl import read_jsonl

from .conftest import tiny_records


def test_hinted_gives_facts_never_the_letter(tiny: Path):
    r = tiny_records()[0]  # mc, answer B, grounded rationale "so the answer is B."
    facts = engine_facts(r)
    assert facts.startswith("Measured by the engine: I measured the objects for q1")
    assert "answer is B" not in facts and "B." not in facts
    hinted = build_prompt(r, tiny, "rationale", "hinted")
    blind = build_prompt(r, tiny, "rationale", "blind")
    assert hinted.system == SYSTEM and len(hinted.images) == 2
    assert "I measured the objects for q1" in hinted.text and "I measured" not in blind.text
    assert "Measured by the engine" not in blind.text  # the examples lose their facts too
    assert "A. the cup\nB. the bottle" in hinted.text and "A. the cup\nB. the bottle" in blind.text
    assert "<answer>B</answer>" not in hinted.text.split("Now the frames above.")[1]


def test_planning_prompt_carries_the_plan(tiny: Path):
    r = [x for x in tiny_records() if x.id == "q6"][0]
    p = build_prompt(r, tiny, "instruction")
    assert "Plan: Turn left 30 degrees, then go forward 2 m, turn right 60 degrees" in p.text


def test_hash_covers_model_text_and_image_bytes(tiny: Path):
    r = tiny_records()[0]
    p = build_prompt(r, tiny, "rationale", "hinted")
    h = prompt_hash("m", p)
    assert h == prompt_hash("m", build_prompt(r, tiny, "rationale", "hinted"))  # deterministic
    assert h != prompt_hash("other", p)
    assert h != prompt_hash("m", build_prompt(r, tiny, "rationale", "blind"))
    p.images[0] = np.ascontiguousarray(255 - p.images[0])
    assert h != prompt_hash("m", p)


def test_demo_prompts_draw_visual_prompts(demo_master: Path):
    recs = [r for r in read_jsonl(demo_master / "qa.jsonl") if r.input_type == "image_point_text"]
    r = recs[0]
    p = build_prompt(r, demo_master, "rationale", "hinted", n_frames=4)
    # the marked frame differs from the plain frame: the point is drawn
    from PIL import Image
    k = r.annotations["points"][0]["image_index"]
    plain = np.asarray(Image.open(demo_master / r.frames[k]).convert("RGB"))
    assert p.images[k].shape == plain.shape
    assert np.abs(p.images[k].astype(int) - plain.astype(int)).max() > 100
