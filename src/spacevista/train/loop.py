"""Pieces the SFT and GRPO recipes share: the accelerator, AdamW with a warm-up + cosine schedule, and
checkpoints (weights in safetensors, optimizer, scheduler, RNG states and the loop position) that resume."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from spacevista.train.config import OptimSection, TrainSection

STATE_FILE = "trainer_state.json"


def mixed_precision(setting: str) -> str:
    """``auto``: bf16 on a GPU that supports it, else full precision."""
    if setting != "auto":
        return setting
    return "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "no"


def make_accelerator(train: TrainSection, deepspeed: str | None = None):
    """An ``accelerate.Accelerator`` for this run; the LR schedule is stepped by the recipe (once per
    optimizer step), not by accelerate. ``deepspeed`` names a DeepSpeed JSON (e.g. configs/zero2.json)."""
    from accelerate import Accelerator
    from accelerate.utils import DataLoaderConfiguration

    kwargs: dict[str, Any] = {}
    if deepspeed:
        from accelerate.utils import DeepSpeedPlugin

        if not Path(deepspeed).is_file():
            raise FileNotFoundError(f"deepspeed config {deepspeed} not found")
        kwargs["deepspeed_plugin"] = DeepSpeedPlugin(hf_ds_config=deepspeed,
                                                     gradient_accumulation_steps=train.grad_accum)
    return Accelerator(mixed_precision=mixed_precision(train.mixed_precision),
                       gradient_accumulation_steps=train.grad_accum, step_scheduler_with_optimizer=False,
                       dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True), **kwargs)


def make_optimizer(model: nn.Module, optim: OptimSection) -> torch.optim.Optimizer:
    """AdamW over the trainable parameters; biases and norm weights (1-D tensors) get no weight decay."""
    decay, no_decay = [], []
    for _, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.dim() < 2 else decay).append(p)
    if not decay and not no_decay:
        raise ValueError("no trainable parameters: check the stage's freeze plan")
    groups = [{"params": decay, "weight_decay": optim.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=optim.lr, betas=tuple(optim.betas),
                             eps=optim.eps)


def cosine_with_warmup(step: int, warmup: int, total: int, min_ratio: float = 0.0) -> float:
    """LR multiplier: linear from 1/(warmup+1) up to 1 over ``warmup`` steps, then cosine down to ``min_ratio``."""
    if step < warmup:
        return (step + 1) / (warmup + 1)
    progress = (step - warmup) / max(1, total - warmup)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def make_scheduler(optimizer: torch.optim.Optimizer, optim: OptimSection, total_steps: int):
    warmup = int(round(optim.warmup_ratio * total_steps))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: cosine_with_warmup(s, warmup, total_steps, optim.min_lr_ratio))


@dataclass
class LoopState:
    """Where a run stands: stage name, optimizer steps done, epoch and micro-batches done in that epoch."""

    stage: str
    step: int = 0
    epoch: int = 0
    micro: int = 0
    total_steps: int = 0


def save_checkpoint(accelerator, state: LoopState, stage_dir: Path, keep: int, extra: dict | None = None) -> Path:
    """``<stage_dir>/checkpoint-<step>``: accelerate's state (model.safetensors, optimizer, scheduler,
    RNG states) + ``trainer_state.json``; only the newest ``keep`` checkpoints stay."""
    path = stage_dir / f"checkpoint-{state.step}"
    accelerator.save_state(str(path), safe_serialization=True)
    if accelerator.is_main_process:
        (path / STATE_FILE).write_text(json.dumps({**asdict(state), **(extra or {})}, indent=1), encoding="utf-8")
        if keep > 0:
            for old in sorted(checkpoints(stage_dir), key=lambda p: int(p.name.split("-")[1]))[:-keep]:
                shutil.rmtree(old)
    accelerator.wait_for_everyone()
    return path


def checkpoints(stage_dir: Path) -> list[Path]:
    """Complete checkpoints of a stage folder."""
    if not stage_dir.is_dir():
        return []
    return [p for p in stage_dir.glob("checkpoint-*") if (p / STATE_FILE).is_file()]


def read_state(path: Path) -> dict[str, Any]:
    """The ``trainer_state.json`` of a checkpoint folder."""
    f = Path(path) / STATE_FILE
    if not f.is_file():
        raise FileNotFoundError(f"{path}: not a checkpoint (no {STATE_FILE})")
    return json.loads(f.read_text(encoding="utf-8"))


def find_resume(output_dir: Path, resume: str | None, stages: list[str]) -> Path | None:
    """The checkpoint to resume from: ``None`` (start fresh), ``auto`` (the latest one of the latest stage in
    ``output_dir``, if any) or a checkpoint path."""
    if not resume:
        return None
    if resume != "auto":
        path = Path(resume)
        read_state(path)
        return path
    best = None
    for idx, stage in enumerate(stages):
        for ck in checkpoints(output_dir / stage):
            key = (idx, int(ck.name.split("-")[1]))
            if best is None or key > best[0]:
                best = (key, ck)
    return best[1] if best else None
