"""Prompt text per answer type, and the full :class:`Prompt` (text plus frames) for one item.

Two modes:
- ``think`` (default): the question, then an instruction to reason in ``<think>`` tags and give
  the answer in ``<answer>`` tags, worded per answer type;
- ``direct``: VSI-Bench's wording as lmms-eval sends it: ``"These are frames of a video."``,
  the question, the options, then ``"Answer with the option's letter from the given choices
  directly."`` (multiple choice) or ``"Please answer the question using a single word or
  phrase."`` (everything else);
- ``official``: the official SpaceVista-Bench script's text: the question with its options, a
  blank line, then its instruction for the answer type it reads from the ground truth (no unit
  named). Other benchmarks' reference prompts are their loaders' (``Benchmark.prompt_text``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spacevista.qa.framecache import FrameCache, PreparedFrame, file_key
from spacevista.qa.frames import (cap_longest_side, decode_image, load_image, official_resize, read_video_frames,
                                  uniform_indices)
from spacevista.qa.marks import draw_marks, marks_key, prompt_marks
from spacevista.qa.items import EvalItem
from spacevista.qa.metrics import official_answer_type
from spacevista.qa.selection import FramePlan, plan_frames
from spacevista.qa.types import Prompt

PRE_PROMPT = "These are frames of a video."
MC_POST_PROMPT = "Answer with the option's letter from the given choices directly."
NA_POST_PROMPT = "Please answer the question using a single word or phrase."

_THINK = "Think step by step inside <think> </think> tags, then "
THINK_SUFFIX = {
    "mc": _THINK + "give only the letter of the correct option inside <answer> </answer> tags.",
    "numerical": _THINK + "give only the number{unit} inside <answer> </answer> tags.",
    "text": _THINK + "give the short answer inside <answer> </answer> tags.",
    "vci": _THINK + "give the answer inside <answer> </answer> tags in the format the question asks for.",
}
MODES = ("think", "direct", "official")
_OFFICIAL_THINK = "Please provide the thinking process within the <think> </think> tags.\n"
OFFICIAL_SUFFIX = {
    "mc": _OFFICIAL_THINK + "Please provide only the single option letter (e.g., A, B, C, D, etc.) "
                            "within the <answer> </answer> tags.",
    "numerical": _OFFICIAL_THINK + "Please provide the numerical value (e.g., 42 or 3.14) within the "
                                   "<answer> </answer> tags.",
    "text": _OFFICIAL_THINK + "Please provide the answer within the <answer> </answer> tags.",
}


def prompt_text(item: EvalItem, mode: str = "think") -> str:
    """The user text sent for ``item``."""
    if mode == "direct":
        post = MC_POST_PROMPT if item.answer_type == "mc" else NA_POST_PROMPT
        return "\n".join(p for p in (PRE_PROMPT, item.question, item.options_block, post) if p)
    if mode == "official":
        body = "\n".join(p for p in (item.question, item.options_block) if p)
        return f"{body}\n\n{OFFICIAL_SUFFIX[official_answer_type(item.answer)]}"
    if mode != "think":
        raise ValueError(f"unknown prompt mode {mode!r}; expected one of {MODES}")
    kind = "vci" if item.scorer == "vci" else item.answer_type
    unit = f" (in {item.unit})" if item.unit and kind == "numerical" else ""
    body = "\n".join(p for p in (item.question, item.options_block) if p)
    return f"{body}\n\n{THINK_SUFFIX[kind].format(unit=unit)}"


def frame_plan(item: EvalItem, n_frames: int) -> FramePlan:
    """Which of the item's frames are sent (all that fit; else the referenced and marked ones kept and
    the text renumbered, see :mod:`spacevista.qa.selection`)."""
    marks = prompt_marks(item.input_type, item.annotations, item.frames, Path("."))
    return plan_frames(len(item.frames), n_frames, (item.question, item.options_block),
                       [m["frame"] for m in marks])


def official_frame_plan(item: EvalItem, n_frames: int) -> tuple[list[int], list[dict]]:
    """The official script's choice: frames sampled evenly whatever they carry, and each mark on a
    frame left out drawn on the nearest sampled one instead; returns the positions and the marks."""
    idx = uniform_indices(len(item.frames), n_frames)
    marks = prompt_marks(item.input_type, item.annotations, item.frames, Path("."))
    for m in marks:
        if m["frame"] not in idx and idx:
            m["frame"] = min(idx, key=lambda i: abs(i - m["frame"]))
    return idx, marks


def item_frames(item: EvalItem, n_frames: int, max_side: int, cache: FrameCache | None = None,
                official: bool = False) -> list[PreparedFrame]:
    """The frames sent with ``item``: the clip (or its plan when fewer may be sent), prompts drawn at
    full size, then resized; with ``official`` the official script's sampling and resize. Frame
    files go through ``cache`` when one is given."""
    if item.frames:
        if official:
            idx, marks = official_frame_plan(item, n_frames)
        else:
            idx = frame_plan(item, n_frames).positions
            marks = prompt_marks(item.input_type, item.annotations, item.frames, Path("."))
        resize = official_resize if official else cap_longest_side
        out = []
        for i in idx:
            path = item.frames[i]
            mine = [m for m in marks if m["frame"] == i]

            def make(path: str = path, mine: list[dict] = mine) -> np.ndarray:
                img = load_image(path)
                return np.asarray(resize(draw_marks(img, mine) if mine else img, max_side), dtype=np.uint8)

            if cache is None:
                out.append(PreparedFrame(make()))
            else:
                try:
                    key = (file_key(path), marks_key(mine), max_side, official)
                except OSError as e:
                    raise ValueError(f"cannot read frame {path}: {e}") from e
                out.append(cache.get(key, make))
        return out
    if item.video:
        imgs = read_video_frames(item.video, n_frames, item.time_range)
    elif item.image_bytes:
        idx = uniform_indices(len(item.image_bytes), n_frames)
        imgs = [decode_image(item.image_bytes[i], f"image {i} of item {item.id}") for i in idx]
    else:
        imgs = []
    return [PreparedFrame(np.asarray(cap_longest_side(im, max_side), dtype=np.uint8)) for im in imgs]


def item_images(item: EvalItem, n_frames: int, max_side: int) -> list[np.ndarray]:
    """The arrays of :func:`item_frames`."""
    return [f.array for f in item_frames(item, n_frames, max_side)]


def build_prompt(item: EvalItem, *, n_frames: int = 16, max_side: int = 448, mode: str = "think",
                 max_new_tokens: int = 1024, with_images: bool = True, text: str | None = None,
                 cache: FrameCache | None = None, jpeg_quality: int | None = None) -> Prompt:
    """The full prompt for ``item``; ``text`` replaces the mode's text (a benchmark's own prompt).
    ``official`` mode also picks and resizes frames as the official script does (no renumbering);
    with ``jpeg_quality`` the prompt carries each frame's JPEG (encoded once per cached frame)."""
    official = mode == "official"
    frames = item_frames(item, n_frames, max_side, cache, official) if with_images else []
    text = prompt_text(item, mode) if text is None else text
    if item.frames and not official:
        text = frame_plan(item, n_frames).text(text)
    return Prompt(id=item.id, text=text, images=[f.array for f in frames], max_new_tokens=max_new_tokens,
                  jpeg=[f.jpeg(jpeg_quality) for f in frames] if jpeg_quality else [])
