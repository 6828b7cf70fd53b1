"""A local transformers model (plain Qwen2.5-VL or SpaceVista) behind the eval ``Backend`` protocol."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from spacevista.qa.types import Prompt
from spacevista.model.processing import VIDEO_MAX_PIXELS, VIDEO_MIN_PIXELS, build_inputs

#: the answer format SpaceVista is trained to produce (paper section 4, progressive anchors)
SPACEVISTA_SYSTEM = (
    "You are a spatial reasoning assistant. Think step by step inside <think></think>, name the objects that "
    "matter inside <semantics></semantics>, state the scene scale inside <scale></scale>, and give the final "
    "answer inside <answer></answer>."
)


def model_kind(model_path: str | Path) -> str:
    """"spacevista" or "qwen2_5_vl" from a local folder's config.json."""
    cfg_file = Path(model_path) / "config.json"
    if not cfg_file.is_file():
        raise FileNotFoundError(f"{model_path}: no config.json; pass a local model folder")
    model_type = json.loads(cfg_file.read_text()).get("model_type")
    if model_type not in ("spacevista", "qwen2_5_vl"):
        raise ValueError(f"{cfg_file}: model_type {model_type!r} is neither 'spacevista' nor 'qwen2_5_vl'")
    return model_type


def _pixel_limits(model_path: Path) -> tuple[int, int]:
    """Video pixel limits from the folder's processor config when present, else the SpaceVista defaults."""
    for name in ("video_preprocessor_config.json", "preprocessor_config.json"):
        f = model_path / name
        if f.is_file():
            cfg = json.loads(f.read_text())
            size = cfg.get("size") or {}
            lo = cfg.get("min_pixels", size.get("shortest_edge"))
            hi = cfg.get("max_pixels", size.get("longest_edge"))
            if lo and hi:
                return int(lo), min(int(hi), VIDEO_MAX_PIXELS)
    return VIDEO_MIN_PIXELS, VIDEO_MAX_PIXELS


class TransformersBackend:
    """Greedy generation with a local model folder; weights load on first use (or ``load()``)."""

    def __init__(self, model_path: str | Path, device: str = "cpu", dtype: str = "float32",
                 max_new_tokens: int = 512, system: str | None = None):
        self.model_path = Path(model_path)
        self.device = device
        if not hasattr(torch, dtype) or not isinstance(getattr(torch, dtype), torch.dtype):
            raise ValueError(f"unknown dtype {dtype!r}; use float32, bfloat16 or float16")
        self.dtype = getattr(torch, dtype)
        self.max_new_tokens = max_new_tokens
        self.system = system
        self.kind = model_kind(self.model_path)
        self.name = f"{self.kind}:{self.model_path.name}"
        self.model = None
        self.tokenizer = None

    @classmethod
    def from_model(cls, model, tokenizer, *, max_new_tokens: int = 512, min_pixels: int = VIDEO_MIN_PIXELS,
                   max_pixels: int = VIDEO_MAX_PIXELS, system: str | None = None) -> "TransformersBackend":
        """A backend around a model already in memory (a training run scoring itself): no folder is
        read, and the model's device, dtype and routing are used as they are."""
        self = cls.__new__(cls)
        param = next(model.parameters())
        self.model_path = None
        self.device, self.dtype = param.device, param.dtype
        self.max_new_tokens, self.system = max_new_tokens, system
        self.kind = getattr(model.config, "model_type", "spacevista")
        self.name = f"{self.kind}:in-memory"
        self.model, self.tokenizer = model, tokenizer
        self.min_pixels, self.max_pixels = min_pixels, max_pixels
        return self

    def load(self) -> None:
        """Load tokenizer and weights from the local folder (never from a hub)."""
        if self.model is not None:
            return
        from transformers import AutoTokenizer, Qwen2_5_VLForConditionalGeneration

        from spacevista.model.modeling import SpaceVistaForConditionalGeneration, register_auto_classes

        register_auto_classes()
        path = str(self.model_path)
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        cls = SpaceVistaForConditionalGeneration if self.kind == "spacevista" else Qwen2_5_VLForConditionalGeneration
        self.model = cls.from_pretrained(path, dtype=self.dtype, local_files_only=True).to(self.device).eval()
        if self.kind == "spacevista" and self.model.config.num_experts and self.model.config.expert_routing == "hard":
            # prompts carry no scale label: use the learned routers
            self.model.set_routing("router")
        self.min_pixels, self.max_pixels = _pixel_limits(self.model_path)

    @torch.no_grad()
    def answer(self, prompts: list[Prompt]) -> list[str]:
        """One greedy completion per prompt (special tokens removed), in order."""
        self.load()
        eos = self.tokenizer.convert_tokens_to_ids("<|im_end|>")
        pad = self.tokenizer.convert_tokens_to_ids("<|endoftext|>")
        out = []
        for p in prompts:
            inputs = build_inputs(self.tokenizer, list(p.images), p.text, p.system or self.system,
                                  min_pixels=self.min_pixels, max_pixels=self.max_pixels,
                                  dense=self.kind == "spacevista" and self.model.config.use_dense)
            inputs = {k: v.to(self.device) for k, v in inputs.items()}
            for k in ("pixel_values_videos", "dense_pixel_values"):
                if k in inputs:
                    inputs[k] = inputs[k].to(self.dtype)
            n = inputs["input_ids"].shape[1]
            gen = self.model.generate(**inputs, max_new_tokens=min(p.max_new_tokens, self.max_new_tokens),
                                      do_sample=False, eos_token_id=eos, pad_token_id=pad)
            out.append(self.tokenizer.decode(gen[0, n:], skip_special_tokens=True).strip())
        return out
