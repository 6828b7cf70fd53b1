"""Fixtures: a small dataset folder written by hand in the engine's export formats, and configs for tiny runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

SCALES = ["tiny", "tabletop", "indoor", "outdoor", "drone", "indoor", "tabletop", "outdoor"]
NAMES = ["cup", "book", "chair", "tree", "building", "sofa", "bottle", "car"]


def write_dataset(root: Path, n: int = 8, frames: int = 4, size: tuple[int, int] = (64, 48), seed: int = 0) -> Path:
    """``n`` items (sft.json + grpo.jsonl) over ``frames`` JPEG frames each; half numerical, half mc."""
    rng = np.random.default_rng(seed)
    sft, grpo = [], []
    for i in range(n):
        paths = []
        for f in range(frames):
            rel = f"frames/s{i}/{f:05d}.jpg"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            pixels = rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / rel, quality=90)
            paths.append(rel)
        name, scale = NAMES[i % len(NAMES)], SCALES[i % len(SCALES)]
        if i % 2 == 0:
            question, answer, atype, options, unit = f"How long is the {name}?", str(i + 2), "numerical", [], "m"
        else:
            question, answer, atype, options, unit = f"Is the {name} left?", "B", "mc", ["yes", "no"], ""
        prompt = f"{question}\n\nThink step by step inside <think> </think> tags, then answer inside <answer> </answer> tags."
        anchors = {"semantics": [name], "scale": float(i + 1)}
        sft.append({"id": f"item-{i}", "messages": [{"role": "user", "content": f"<video>{prompt}"},
                                                    {"role": "assistant", "content": f"<think>the {name}</think><answer>{answer}</answer>"}],
                    "videos": [paths], "scale": scale, "task": "object_size"})
        grpo.append({"id": f"item-{i}", "prompt": prompt, "frames": paths, "answer": answer, "answer_type": atype,
                     "options": options, "unit": unit, "anchors": anchors, "scale": scale, "task": "object_size",
                     "input_type": "image_point_text" if i == 0 else "image_text",
                     "annotations": {"points": [{"coords": [10, 12], "image_index": 1}]} if i == 0 else {}})
    (root / "sft.json").write_text(json.dumps(sft), encoding="utf-8")
    (root / "grpo.jsonl").write_text("".join(json.dumps(r) + "\n" for r in grpo), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def hand_data(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("train-data"))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    from spacevista.model.tiny import save_tiny

    return save_tiny(tmp_path_factory.mktemp("tiny-model") / "tiny", seed=0)


def tiny_overrides(data: Path, model: Path, out: Path) -> list[str]:
    """Dotted overrides that make any config a fast CPU run on the hand-made data."""
    return [f"data.root={data}", f"model.path={model}", f"output_dir={out}", "data.num_frames=4",
            "data.max_side=64", "data.max_pixels=3136", "train.mixed_precision=no"]
