"""Loading and saving the model for training: local folders only, a tiny random model on request, LoRA on
the LLM (injected in place, merged back into the weights before saving)."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from spacevista.train.config import ModelSection

LLM_LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def resolve_model_path(section: ModelSection, output_dir: Path, seed: int) -> Path:
    """The folder to load: ``tiny`` writes a tiny random model into ``<output_dir>/tiny-init`` (once)."""
    if section.path == "tiny":
        from spacevista.model.tiny import save_tiny

        path = output_dir / "tiny-init"
        if not (path / "config.json").is_file():
            save_tiny(path, seed=seed, tokenizer=section.tokenizer)
        return path
    path = Path(section.path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"model.path {path}: no config.json; give a local SpaceVista or Qwen2.5-VL folder "
                                "(nothing is downloaded) or 'tiny'")
    return path


def load_model(section: ModelSection, output_dir: Path, seed: int, path: Path | None = None):
    """(model, tokenizer) in float32 on the CPU (the accelerator moves and casts them)."""
    from transformers import AutoTokenizer

    from spacevista.model.modeling import SpaceVistaForConditionalGeneration

    path = path or resolve_model_path(section, output_dir, seed)
    model_type = json.loads((path / "config.json").read_text(encoding="utf-8")).get("model_type")
    if model_type == "spacevista":
        model = SpaceVistaForConditionalGeneration.from_pretrained(str(path), dtype=torch.float32,
                                                                   local_files_only=True)
    elif model_type == "qwen2_5_vl":
        model = SpaceVistaForConditionalGeneration.from_qwen(path, section.dense_path, dtype=torch.float32)
    else:
        raise ValueError(f"{path}/config.json: model_type {model_type!r} is neither 'spacevista' nor 'qwen2_5_vl'")
    if (path / "tokenizer_config.json").is_file():
        tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    else:
        from spacevista.model.processing import qwen_tokenizer

        tok = qwen_tokenizer()
    if tok.pad_token_id is None:
        raise ValueError(f"{path}: the tokenizer has no pad token")
    return model, tok


def add_llm_lora(model: nn.Module, rank: int, alpha: float) -> int:
    """Inject PEFT LoRA adapters into the LLM's linear layers (in place; parameter names keep their prefix);
    returns the number of LoRA parameters."""
    from peft import LoraConfig, inject_adapter_in_model

    pattern = r".*language_model\.layers\.\d+\.(self_attn|mlp)\.(" + "|".join(LLM_LINEARS) + ")"
    inject_adapter_in_model(LoraConfig(r=rank, lora_alpha=alpha, target_modules=pattern, lora_dropout=0.0), model)
    return sum(p.numel() for n, p in model.named_parameters() if "lora_" in n)


def merge_llm_lora(model: nn.Module) -> int:
    """Fold every LoRA adapter into its base weight and put the base layer back; returns how many merged."""
    from peft.tuners.lora import LoraLayer

    merged = 0
    for name, module in list(model.named_modules()):
        if isinstance(module, LoraLayer):
            module.merge()
            parent = model.get_submodule(name.rsplit(".", 1)[0])
            setattr(parent, name.rsplit(".", 1)[1], module.get_base_layer())
            merged += 1
    return merged


def save_model(model: nn.Module, tokenizer, path: Path) -> Path:
    """Write the model (safetensors) and tokenizer to ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(path), safe_serialization=True)
    tokenizer.save_pretrained(str(path))
    return path
