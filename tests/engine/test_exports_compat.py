"""Our files in other people's code: bench.json as the official evaluator opens it (from any working
directory, every mark drawn), sft.json through LLaMA-Factory's dataset_info.json, grpo.jsonl in TRL's
GRPO columns, qa.parquet as a Hugging Face dataset folder."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spacevista.engine.dataset.exports import write_exports
from spacevista.engine.dataset.writers import write_dataset
from spacevista.engine.scene.pipeline import process_scene
from spacevista.eval.benchmarks.spacevista_bench.official import score_official
from spacevista.io.jsonl import read_jsonl
from spacevista.qa.marks import draw_marks, frame_index_of, prompt_marks
from spacevista.qa.masks import select_mask
from spacevista.synth import generate_scene
from spacevista.train.data import read_grpo_records


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("set")
    recs = []
    for scale, seed in (("indoor", 5), ("tabletop", 3), ("outdoor", 6), ("drone", 2)):
        recs += process_scene(generate_scene(scale, seed=seed, n_frames=5, width=96, height=72), out, seed=0).records
    write_dataset(recs, out)
    return out


def official_open(entry: dict) -> tuple[list[Image.Image], list[dict]]:
    """What the official evaluator does with an entry's paths: open them from the working directory,
    masks with ``np.load(allow_pickle=True)``; returns the frames and the marks it would draw."""
    frames = [Image.open(p).convert("RGB") for p in entry["videos"][0]]
    marks = prompt_marks(entry["input_type"], entry["annotations"], entry["videos"][0], Path("."))
    for m in marks:
        if m["kind"] == "mask":
            path, ids = m["data"]
            arr = np.load(path, allow_pickle=True)
            assert select_mask(arr, ids).any(), f"{entry['id']}: the official rules select no pixel"
    return frames, marks


def test_bench_json_runs_from_any_directory(dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    recs = list(read_jsonl(dataset / "qa.jsonl"))
    write_exports(recs, dataset, paths="absolute")
    entries = json.loads((dataset / "bench.json").read_text())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    kinds = Counter()
    for e in entries:
        assert all(os.path.isabs(p) for p in e["videos"][0])
        frames, marks = official_open(e)
        for m in e["annotations"].get("masks") or []:
            assert m["mask_path"].endswith(".npy")
            assert frame_index_of(m["image_path"], e["videos"][0]) == m["image_index"]
        if e["input_type"] != "image_text":
            assert marks, e["id"]
            i = marks[0]["frame"]
            before = np.asarray(frames[i])
            after = np.asarray(draw_marks(frames[i], [m for m in marks if m["frame"] == i]))
            assert (before != after).any(), f"{e['id']}: nothing drawn"
            kinds[e["input_type"]] += 1
        assert score_official(f"<think>…</think><answer>{e['answer']}</answer>", e["answer"]).score == 1.0
    assert set(kinds) == {"image_point_text", "image_bbox_text", "image_mask_text"}


def test_bench_json_relative_paths_resolve_from_the_dataset_folder(dataset: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch):
    write_exports(list(read_jsonl(dataset / "qa.jsonl")), dataset)  # relative, the default
    entries = json.loads((dataset / "bench.json").read_text())
    monkeypatch.chdir(dataset)
    for e in entries:
        assert not os.path.isabs(e["videos"][0][0])
        official_open(e)
    monkeypatch.chdir(tmp_path)  # elsewhere the official evaluator finds none of them
    assert not any(os.path.exists(e["videos"][0][0]) for e in entries)


def test_sft_loads_through_llamafactory_dataset_info(dataset: Path):
    """The rules LLaMA-Factory applies (parser.get_dataset_list, loader, SharegptDatasetConverter):
    an entry names a local file under dataset_dir, read with datasets' json builder; the messages
    column alternates the user and assistant tags; media paths are joined to media_dir (dataset_dir
    by default); a <video> placeholder per video."""
    import datasets

    info = json.loads((dataset / "dataset_info.json").read_text())
    attr = info["spacevista"]
    assert not {"hf_hub_url", "ms_hub_url", "script_url"} & set(attr)
    assert attr["formatting"] == "sharegpt"
    cols, tags = attr["columns"], attr["tags"]
    ds = datasets.load_dataset("json", data_files=[str(dataset / attr["file_name"])], split="train")
    assert {cols["messages"], cols["videos"]} <= set(ds.column_names)
    assert len(ds) == len(list(read_jsonl(dataset / "qa.jsonl")))
    for row in ds:
        msgs = row[cols["messages"]]
        assert len(msgs) % 2 == 0
        for turn, m in enumerate(msgs):
            assert m[tags["role_tag"]] == (tags["user_tag"] if turn % 2 == 0 else tags["assistant_tag"])
        videos = row[cols["videos"]]
        assert sum(m[tags["content_tag"]].count("<video>") for m in msgs) == len(videos)
        assert all((dataset / f).is_file() for clip in videos for f in clip)


def test_grpo_jsonl_in_trl_columns(dataset: Path):
    import datasets

    ds = datasets.load_dataset("json", data_files=str(dataset / "grpo.jsonl"), split="train")
    assert {"prompt", "images", "answer", "answer_type"} <= set(ds.column_names)
    for row in ds:
        # TRL's conversational prompt: a list of {role, content}; images: one list per row
        assert [m["role"] for m in row["prompt"]] == ["user"] and row["prompt"][0]["content"]
        assert "<video>" not in row["prompt"][0]["content"]
        assert row["images"] and all((dataset / f).is_file() for f in row["images"])
    recs = read_grpo_records(dataset / "grpo.jsonl")
    assert isinstance(recs[0]["prompt"], str) and recs[0]["frames"] == ds[0]["images"]


def test_dataset_card_makes_the_folder_a_dataset(dataset: Path):
    import datasets

    n = len(list(read_jsonl(dataset / "qa.jsonl")))
    ds = datasets.load_dataset(str(dataset), split="train")
    assert len(ds) == n and "question" in ds.column_names
    card = (dataset / "README.md").read_text()
    assert re.search(r"(?m)^license: apache-2\.0$", card)
    for title in ("task", "scale"):
        table = card.split(f"| {title} | items |")[1].split("\n\n")[0]
        assert sum(int(c) for c in re.findall(r"\| (\d+) \|", table)) == n
