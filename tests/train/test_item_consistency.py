"""One truth for what is sent: evaluation, SFT and GRPO give a model the same images, in the same order,
with the same text, for the same item; the training exports carry the visual prompts drawn."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from spacevista.engine.build.demo import DemoConfig, run_demo
from spacevista.io.jsonl import read_jsonl
from spacevista.qa.items import record_to_item
from spacevista.qa.prompts import build_prompt
from spacevista.qa.selection import frame_references, plan_frames, renumber
from spacevista.train.config import DataSection
from spacevista.train.data import item_view, load_grpo_items, load_sft_items


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("consistency")
    run_demo(out, DemoConfig(scenes_per_scale=1, frames=24, width=128, height=96, workers=1,
                             scales=("tabletop", "indoor")))
    return out


def test_eval_sft_and_grpo_send_the_same_images_and_text(dataset):
    records = {r.id: r for r in read_jsonl(dataset / "qa.jsonl")}
    cfg = DataSection(root=str(dataset), anchor_tags=False, num_frames=16, max_side=448)
    sft = {it.id: it for it in load_sft_items(cfg)}
    grpo = {it.id: it for it in load_grpo_items(cfg)}
    marked = 0
    for rid, rec in records.items():
        prompt = build_prompt(record_to_item(rec, dataset), n_frames=16, max_side=448)
        for item in (sft[rid], grpo[rid]):
            frames, text, _ = item_view(item, dataset, cfg)
            assert len(frames) == len(prompt.images) == len(rec.frames) <= 16
            for a, b in zip(frames, prompt.images):
                assert np.array_equal(a, b), rid
            assert text == prompt.text
        marked += bool(rec.annotations)
    assert marked > 10


def test_every_sft_item_naming_a_mark_lists_a_frame_with_it_drawn(dataset):
    records = {r.id: r for r in read_jsonl(dataset / "qa.jsonl")}
    entries = json.loads((dataset / "sft.json").read_text())
    checked = 0
    for e in entries:
        rec = records[e["id"]]
        text = e["messages"][0]["content"]
        if not any(w in text for w in ("red point", "red box", "red mask")):
            continue
        assert e.get("marks_drawn"), e["id"]
        drawn = [f for f in e["videos"][0] if f.startswith("marked/")]
        assert drawn, e["id"]
        for f in drawn:
            pos = e["videos"][0].index(f)
            raw = np.asarray(Image.open(dataset / rec.frames[pos]))
            mark = np.asarray(Image.open(dataset / f))
            assert mark.shape == raw.shape and not np.array_equal(mark, raw)
        checked += 1
    assert checked >= 10


def test_fewer_frames_keep_references_and_renumber_them():
    text = "Between frame 3 and frame 14, how far did the camera move? See frames 2 and 14, 0.5 m."
    assert frame_references(text) == {2, 3, 14}
    plan = plan_frames(16, 4, [text])
    assert len(plan.positions) == 4 and {1, 2, 13} <= set(plan.positions)
    new = plan.text(text)
    sent = [plan.positions.index(k - 1) + 1 for k in (3, 14, 2)]
    assert new == (f"Between frame {sent[0]} and frame {sent[1]}, how far did the camera move? "
                   f"See frames {sent[2]} and {sent[1]}, 0.5 m.")
    assert plan_frames(12, 16, [text]).positions == list(range(12))
    assert renumber("frame 10%", {10: 1}) == "frame 10%"
    with pytest.raises(ValueError):
        plan_frames(16, 2, [text])
