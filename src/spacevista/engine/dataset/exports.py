"""Training and benchmark exports of a built dataset.

- ``sft.json``: ShareGPT conversations (``messages`` with role/content, ``videos`` as one list of frame
  paths per item) as common VLM fine-tuning tools read them; the user turn is the same prompt the
  evaluation harness sends (``think`` mode), the assistant turn the grounded rationale with
  ``<think>``/``<answer>``. ``dataset_info.json`` beside it declares it to LLaMA-Factory as the
  ShareGPT dataset ``spacevista`` (``dataset: spacevista``, ``dataset_dir``: the dataset folder;
  frame paths are relative to that folder, LLaMA-Factory's default media folder).
- ``grpo.jsonl``: one RL record per item in the columns TRL's GRPO trainer reads: ``prompt`` as a
  conversation (one user message) and ``images`` (the frames as sent), plus the answer, answer
  type, options, unit and the anchors the progressive reward checks (passed to reward functions).
- ``bench.json``: the official SpaceVista-Bench JSON entries; each image mask is listed as an
  ``.npy`` label map written beside it (``masks/<scene>/<name>.npy``), the only kind of mask file
  the official evaluator reads.

Both training exports list the item's clip with its visual prompt already drawn: a frame that carries
a point, box or mask is written once as ``marked/<scene>/<frame>-<digest>.png``, drawn exactly as the
evaluation harness draws it (lossless, so the pixels are the ones evaluation sends), and listed in
place of the raw frame; the entry says ``marks_drawn``. ``bench.json`` keeps the raw frames and the
annotations, as the official layout has them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from spacevista.io.bench import write_bench_json
from spacevista.qa.frames import load_image
from spacevista.qa.marks import draw_marks, prompt_marks
from spacevista.qa.masks import label_map, load_mask, read_mask_file
from spacevista.qa.items import record_to_item
from spacevista.qa.prompts import prompt_text
from spacevista.records import QARecord

MARKED_DIR = "marked"
#: bumped when marks are drawn differently, so that earlier drawn frames are not reused
DRAW_VERSION = 2
#: the dataset name ``dataset_info.json`` gives ``sft.json``
LLAMAFACTORY_NAME = "spacevista"

VIDEO_TOKEN = "<video>"


def _dump(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def user_prompt(record: QARecord, root: Path) -> str:
    """The user text of an item: question, options, and the think/answer instruction."""
    return prompt_text(record_to_item(record, root), mode="think")


def _mark_key(marks: list[dict[str, Any]]) -> str:
    """Digest of what is drawn on one frame (kinds, colours, coordinates, mask files)."""
    data = [[m["kind"], list(m["color"]), [str(v) for v in m["data"]] if m["kind"] == "mask" else m["data"]]
            for m in marks] + [DRAW_VERSION]
    return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


def marked_frames(record: QARecord, root: Path) -> list[str]:
    """The record's clip with every frame that carries a visual prompt replaced by a drawn copy
    (written once under ``marked/``); paths relative to ``root``."""
    marks = prompt_marks(record.input_type, record.annotations, record.frames, root)
    # the digest reads mask paths as the record has them, so it does not depend on where root is
    named = prompt_marks(record.input_type, record.annotations, record.frames, Path(""))
    frames = list(record.frames)
    for pos in sorted({m["frame"] for m in marks if 0 <= m["frame"] < len(frames)}):
        mine = [m for m in marks if m["frame"] == pos]
        key = _mark_key([m for m in named if m["frame"] == pos])
        src = Path(frames[pos])
        rel = Path(MARKED_DIR) / record.scene_id / f"{src.stem}-{key}.png"
        target = root / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            img = draw_marks(load_image(src if src.is_absolute() else root / src), mine)
            tmp = target.with_name(target.name + ".tmp")
            img.save(tmp, format="PNG")
            os.replace(tmp, target)
        frames[pos] = rel.as_posix()
    return frames


def sharegpt_entry(record: QARecord, root: Path, frames: list[str] | None = None) -> dict[str, Any]:
    """The ShareGPT entry of ``record``; ``frames`` the clip as sent (marked frames drawn)."""
    frames = list(record.frames) if frames is None else frames
    entry = {"id": record.id,
             "messages": [{"role": "user", "content": f"{VIDEO_TOKEN}{user_prompt(record, root)}"},
                          {"role": "assistant", "content": record.rationale}],
             "videos": [frames], "scale": record.scale, "task": record.task}
    if frames != list(record.frames):
        entry["marks_drawn"] = True
    return entry


def grpo_entry(record: QARecord, root: Path, frames: list[str] | None = None) -> dict[str, Any]:
    """The RL record of ``record``; ``frames`` the clip as sent (marked frames drawn)."""
    frames = list(record.frames) if frames is None else frames
    entry = {"id": record.id, "prompt": [{"role": "user", "content": user_prompt(record, root)}], "images": frames,
             "answer": record.answer, "answer_type": record.answer_type, "options": list(record.options),
             "unit": record.unit, "anchors": record.anchors, "scale": record.scale, "task": record.task,
             "input_type": record.input_type, "annotations": record.annotations}
    if frames != list(record.frames):
        entry["marks_drawn"] = True
    return entry


def official_mask_files(records: list[QARecord], root: Path) -> dict[str, str]:
    """For every image mask of the records, an ``.npy`` label map beside it (written once) that the
    official evaluator reads as the same mask; returns mask path -> ``.npy`` path (as the records
    name them). Array masks are left as they are."""
    out: dict[str, str] = {}
    for r in records:
        for m in (r.annotations or {}).get("masks") or []:
            mp = m.get("mask_path")
            if not mp or mp in out:
                continue
            src = Path(mp) if Path(mp).is_absolute() else root / mp
            if not read_mask_file(src)[1]:
                continue
            npy = Path(mp).with_suffix(".npy")
            target = npy if npy.is_absolute() else root / npy
            if not target.exists():
                buf = io.BytesIO()
                np.save(buf, label_map(load_mask(src, m.get("object_ids")), m.get("object_ids")))
                tmp = target.with_name(target.name + ".tmp")
                tmp.write_bytes(buf.getvalue())
                os.replace(tmp, target)
            out[mp] = npy.as_posix()
    return out


def dataset_info() -> dict[str, Any]:
    """LLaMA-Factory's ``dataset_info.json`` entry of ``sft.json`` (ShareGPT, role/content messages,
    the frame lists as videos)."""
    return {LLAMAFACTORY_NAME: {
        "file_name": "sft.json", "formatting": "sharegpt",
        "columns": {"messages": "messages", "videos": "videos"},
        "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"}}}


def write_exports(records: Iterable[QARecord], out: Path, exclude: set[str] = frozenset(),
                  paths: str = "relative") -> dict[str, int]:
    """Write sft.json (with dataset_info.json), grpo.jsonl and bench.json beside qa.jsonl;
    ``exclude`` drops ids (e.g. items rejected in review); ``paths`` is bench.json's path mode."""
    recs = [r for r in records if r.id not in exclude]
    sent = {r.id: marked_frames(r, out) for r in recs}
    _dump([sharegpt_entry(r, out, sent[r.id]) for r in recs], out / "sft.json")
    _dump(dataset_info(), out / "dataset_info.json")
    tmp = out / "grpo.jsonl.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(grpo_entry(r, out, sent[r.id]), ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, out / "grpo.jsonl")
    n_bench = write_bench_json(recs, out / "bench.json", out, paths=paths, mask_files=official_mask_files(recs, out))
    return {"sft": len(recs), "grpo": len(recs), "bench": n_bench}
