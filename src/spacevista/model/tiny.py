"""Tiny random SpaceVista models for tests and for trying the training recipes on a CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from spacevista.model.config import SpaceVistaConfig
from spacevista.model.processing import qwen_tokenizer, special_token_ids, tiny_tokenizer


def tiny_config(vocab_size: int = 512, special_ids: dict[str, int] | None = None, *,
                text_overrides: dict[str, Any] | None = None, vision_overrides: dict[str, Any] | None = None,
                **overrides: Any) -> SpaceVistaConfig:
    """A SpaceVista config small enough for CPU tests: LLM hidden 64, 2 layers; vision depth 2, hidden 32;
    DINOv3 hidden 32, 2 layers; 4 experts of rank 4. ``special_ids`` are the tokenizer's placeholder ids
    (see ``processing.special_token_ids``); ``text_overrides`` / ``vision_overrides`` change the LLM / ViT
    sizes; ``overrides`` set any SpaceVista field."""
    ids = special_ids or {"image_token_id": vocab_size - 3, "video_token_id": vocab_size - 2,
                          "vision_start_token_id": vocab_size - 5, "vision_end_token_id": vocab_size - 4,
                          "eos_token_id": vocab_size - 1, "pad_token_id": vocab_size - 6}
    text = dict(vocab_size=vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 3, 3]},
                eos_token_id=ids["eos_token_id"], pad_token_id=ids["pad_token_id"], bos_token_id=None)
    vision = dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=64,
                  fullatt_block_indexes=[1], window_size=56, tokens_per_second=2)
    dense = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, patch_size=16,
                 num_register_tokens=2, image_size=64)
    text.update(text_overrides or {})
    vision.update(vision_overrides or {})
    vision["out_hidden_size"] = text["hidden_size"]
    fields: dict[str, Any] = dict(
        text_config=text, vision_config=vision, dense_config=dense, dense_merger_hidden_size=64,
        fusion_num_heads=4, fusion_dropout=0.0, expert_rank=4, expert_alpha=8.0, router_hidden_size=16,
        image_token_id=ids["image_token_id"], video_token_id=ids["video_token_id"],
        vision_start_token_id=ids["vision_start_token_id"], vision_end_token_id=ids["vision_end_token_id"])
    fields.update(overrides)
    if not fields.get("use_dense", True):
        fields["dense_config"] = None
    return SpaceVistaConfig(**fields)


def _tokenizer(kind: str):
    if kind == "bpe":
        return tiny_tokenizer()
    if kind == "qwen":
        return qwen_tokenizer()
    raise ValueError(f"tokenizer must be 'bpe' or 'qwen', got {kind!r}")


def build_tiny(seed: int = 0, tokenizer: str = "bpe", **overrides: Any):
    """(model, tokenizer): a tiny random SpaceVista model in eval mode and a matching tokenizer.

    ``tokenizer="bpe"`` is a byte-level BPE of a few hundred tokens (fast); ``"qwen"`` is the real Qwen2.5
    tokenizer (the embedding then has Qwen's 151,936 rows)."""
    from spacevista.model.modeling import SpaceVistaForConditionalGeneration

    tok = _tokenizer(tokenizer)
    ids = special_token_ids(tok)
    vocab = 151936 if tokenizer == "qwen" else (len(tok) + 63) // 64 * 64
    config = tiny_config(vocab_size=vocab, special_ids=ids, **overrides)
    torch.manual_seed(seed)
    model = SpaceVistaForConditionalGeneration(config).eval()
    model.generation_config.eos_token_id = ids["eos_token_id"]
    model.generation_config.pad_token_id = ids["pad_token_id"]
    return model, tok


def save_tiny(path: str | Path, seed: int = 0, tokenizer: str = "bpe", **overrides: Any) -> Path:
    """Write a tiny random SpaceVista model and its tokenizer to ``path`` (safetensors); returns the path."""
    path = Path(path)
    model, tok = build_tiny(seed, tokenizer, **overrides)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(path))
    tok.save_pretrained(str(path))
    return path
