"""Training data from the engine's exports: ``sft.json`` (ShareGPT) and ``grpo.jsonl`` (RL records).

Frames are read with PIL from paths relative to the dataset folder, the item's visual prompt (points, boxes,
masks) is drawn as the evaluation harness draws it, frames are sampled and capped, then patchified by
``spacevista.model.processing.build_inputs``. SFT labels cover the assistant turn only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spacevista.model.experts import scale_ids
from spacevista.model.processing import build_inputs, collate
from spacevista.qa.frames import cap_longest_side, load_image
from spacevista.qa.marks import draw_marks, prompt_marks
from spacevista.qa.selection import plan_frames
from spacevista.train.config import DataSection
from spacevista.train.rewards import has_anchors

VIDEO_TOKEN = "<video>"
#: appended to the question of an item with anchors when ``data.anchor_tags`` is on
ANCHOR_INSTRUCTION = ("Between </think> and <answer>, name the objects the question is about inside "
                      "<semantics> </semantics> tags and the size of the scene in metres inside <scale> </scale> tags.")


@dataclass
class TrainItem:
    """One training item: the user text (without the video token), the target (SFT) and what rewards need."""

    id: str
    prompt: str
    frames: list[str]
    scale: str
    task: str = ""
    target: str | None = None
    input_type: str = "image_text"
    annotations: dict[str, Any] = field(default_factory=dict)
    answer: str = ""
    answer_type: str = ""
    unit: str = ""
    options: list[str] = field(default_factory=list)
    anchors: dict[str, Any] = field(default_factory=dict)
    #: the frames already carry the visual prompt (the exports write marked frames): never draw it again
    marks_drawn: bool = False

    def reward_record(self) -> dict[str, Any]:
        """The fields the reward functions read."""
        return {"id": self.id, "answer": self.answer, "answer_type": self.answer_type, "unit": self.unit,
                "options": self.options, "anchors": self.anchors, "scale": self.scale, "task": self.task}


def format_scale(metres: float) -> str:
    """A scene scale as the SFT target states it: three significant digits, no exponent, in metres."""
    return f"{float(f'{float(metres):.3g}'):g} m"


def with_anchor_tags(target: str, anchors: dict[str, Any]) -> str:
    """Insert ``<semantics>``/``<scale>`` after ``</think>`` (or at the start without a think block)."""
    parts = []
    names = list(dict.fromkeys(str(n) for n in anchors.get("semantics") or []))
    if names:
        parts.append(f"<semantics>{', '.join(names)}</semantics>")
    if anchors.get("scale") is not None:
        parts.append(f"<scale>{format_scale(anchors['scale'])}</scale>")
    block = "".join(parts)
    end = target.find("</think>")
    if end < 0:
        return block + target
    end += len("</think>")
    return target[:end] + block + target[end:]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"cannot read {path}: {e}") from e


def read_grpo_records(path: Path) -> list[dict[str, Any]]:
    """Records of a ``grpo.jsonl`` file; a bad line raises naming the file and line. Records in
    TRL's columns (``prompt`` a conversation, ``images``) read as ``prompt`` text and ``frames``."""
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e}") from e
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{n}: not JSON ({e})") from e
        if "images" in rec and "frames" not in rec:  # the TRL column name
            rec["frames"] = rec["images"]
        if isinstance(rec.get("prompt"), list):  # a TRL conversation: the user's text
            rec["prompt"] = next((m.get("content", "") for m in rec["prompt"]
                                  if isinstance(m, dict) and m.get("role") == "user"), "")
        for key in ("id", "prompt", "frames", "answer", "answer_type", "scale"):
            if key not in rec:
                raise ValueError(f"{path}:{n}: record {rec.get('id', '?')} lacks {key!r}")
        out.append(rec)
    return out


def _select(items: list[TrainItem], cfg: DataSection) -> list[TrainItem]:
    if cfg.scales:
        items = [it for it in items if it.scale in cfg.scales]
    if cfg.max_items:
        items = items[: cfg.max_items]
    if not items:
        raise ValueError(f"{cfg.root}: no training items (scales filter {cfg.scales or 'none'})")
    return items


def load_sft_items(cfg: DataSection) -> list[TrainItem]:
    """SFT items from ``<root>/sft.json`` (or ``data.file``); visual prompts and anchors joined from
    ``grpo.jsonl`` in the same folder by id when it is there."""
    root = Path(cfg.root)
    path = root / (cfg.file or "sft.json")
    entries = _read_json(path)
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a JSON list of ShareGPT entries")
    extra = {r["id"]: r for r in read_grpo_records(root / "grpo.jsonl")} if (root / "grpo.jsonl").is_file() else {}
    items = []
    for n, e in enumerate(entries):
        where = f"{path} entry {n} ({e.get('id', '?')})"
        msgs = e.get("messages") or []
        user = next((m["content"] for m in msgs if m.get("role") == "user"), None)
        target = next((m["content"] for m in msgs if m.get("role") == "assistant"), None)
        videos = e.get("videos") or []
        if user is None or target is None:
            raise ValueError(f"{where}: needs a user and an assistant message")
        if len(videos) != 1 or not videos[0]:
            raise ValueError(f"{where}: expected one video (a list of frame paths), got {len(videos)}")
        if "scale" not in e:
            raise ValueError(f"{where}: no 'scale' label (needed for the scale experts)")
        rec = extra.get(e.get("id"), {})
        anchors = rec.get("anchors") or {}
        prompt = user.replace(VIDEO_TOKEN, "", 1).strip()
        if cfg.anchor_tags and has_anchors(anchors):
            prompt = f"{prompt}\n{ANCHOR_INSTRUCTION}"
            target = with_anchor_tags(target, anchors)
        items.append(TrainItem(id=str(e.get("id", n)), prompt=prompt, frames=list(videos[0]), scale=e["scale"],
                               task=e.get("task", ""), target=target, input_type=rec.get("input_type", "image_text"),
                               annotations=rec.get("annotations") or {}, anchors=anchors,
                               answer=str(rec.get("answer", "")), answer_type=rec.get("answer_type", ""),
                               unit=rec.get("unit", ""), options=list(rec.get("options") or []),
                               marks_drawn=bool(e.get("marks_drawn") or rec.get("marks_drawn"))))
    return _select(items, cfg)


def load_grpo_items(cfg: DataSection) -> list[TrainItem]:
    """RL items from ``<root>/grpo.jsonl`` (or ``data.file``)."""
    root = Path(cfg.root)
    items = []
    for rec in read_grpo_records(root / (cfg.file or "grpo.jsonl")):
        anchors = rec.get("anchors") or {}
        prompt = rec["prompt"]
        if cfg.anchor_tags and has_anchors(anchors):
            prompt = f"{prompt}\n{ANCHOR_INSTRUCTION}"
        items.append(TrainItem(id=rec["id"], prompt=prompt, frames=list(rec["frames"]), scale=rec["scale"],
                               task=rec.get("task", ""), input_type=rec.get("input_type", "image_text"),
                               annotations=rec.get("annotations") or {}, answer=str(rec["answer"]),
                               answer_type=rec["answer_type"], unit=rec.get("unit") or "",
                               options=list(rec.get("options") or []), anchors=anchors,
                               marks_drawn=bool(rec.get("marks_drawn"))))
    return _select(items, cfg)


def item_frames(item: TrainItem, root: Path, cfg: DataSection) -> list[np.ndarray]:
    """The item's frames as uint8 arrays (see :func:`item_view`)."""
    return item_view(item, root, cfg)[0]


def item_view(item: TrainItem, root: Path, cfg: DataSection) -> tuple[list[np.ndarray], str, str | None]:
    """What the model gets for ``item``: its frames as uint8 arrays (the clip, visual prompt drawn as
    the evaluation harness draws it, longest side capped at ``max_side``), its prompt and its target.

    When the clip holds more than ``num_frames`` frames, the frames the text or a mark refers to are
    kept and every "frame k" in prompt and target renumbered (the rule of
    :func:`spacevista.qa.selection.plan_frames`, the same as evaluation's)."""
    if not item.frames:
        raise ValueError(f"item {item.id}: no frames")
    marks = prompt_marks(item.input_type, item.annotations, item.frames, root)
    try:
        plan = plan_frames(len(item.frames), cfg.num_frames, (item.prompt, item.target or ""),
                           [m["frame"] for m in marks])
    except ValueError as e:
        raise ValueError(f"item {item.id}: {e}; raise data.num_frames") from e
    if item.marks_drawn:
        marks = []
    idx = plan.positions
    out = []
    size = None
    for i in idx:
        img = load_image(root / item.frames[i])
        mine = [m for m in marks if m["frame"] == i]
        if mine:
            img = draw_marks(img, mine)
        img = cap_longest_side(img, cfg.max_side)
        if size is None:
            size = img.size
        elif img.size != size:  # a video's frames share one size; odd ones are resized to the first
            img = img.resize(size)
        out.append(np.asarray(img, dtype=np.uint8))
    target = plan.text(item.target) if item.target is not None else None
    return out, plan.text(item.prompt), target


class ItemDataset(torch.utils.data.Dataset):
    """Encodes items on access: frames loaded and patchified, text tokenised (labels with targets)."""

    def __init__(self, items: list[TrainItem], tokenizer, cfg: DataSection, dense: bool = True,
                 with_target: bool = True) -> None:
        self.items = items
        self.tokenizer = tokenizer
        self.cfg = cfg
        self.root = Path(cfg.root)
        self.dense = dense
        self.with_target = with_target

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, Any]:
        item = self.items[i]
        frames, prompt, target = item_view(item, self.root, self.cfg)
        enc = build_inputs(self.tokenizer, frames, prompt, min_pixels=self.cfg.min_pixels,
                           max_pixels=self.cfg.max_pixels, dense=self.dense,
                           answer=target if self.with_target else None)
        enc["scale"] = item.scale
        enc["index"] = i
        return enc


def collate_items(batch: list[dict[str, Any]], pad_token_id: int) -> dict[str, Any]:
    """Left-padded batch with ``scale_ids`` (expert index per item) and the items' indices."""
    tensors = [{k: v for k, v in b.items() if k not in ("scale", "index")} for b in batch]
    out = collate(tensors, pad_token_id)
    out["scale_ids"] = scale_ids([b["scale"] for b in batch])
    out["index"] = torch.tensor([b["index"] for b in batch], dtype=torch.long)
    return out
