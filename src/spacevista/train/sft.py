"""The SFT recipe: a plain accelerate training loop run once per stage.

Stages (paper section 4, appendix C.1), each starting from the previous stage's weights:

1. ``sft``     cold start on the chain-of-thought data: dense merger ("projection"), fusion and experts train;
               Qwen's vision tower and projector stay frozen; the LLM is frozen, fully trained or LoRA-tuned
               (``model.llm``).
2. ``experts`` each expert on its own scale's items: hard routing by the item's scale label (``scale_ids``),
               so expert k only sees gradients from items of scale k.
3. ``router``  the routers alone, learned routing, LM loss plus ``router_aux_loss_coef`` x cross-entropy of the
               router weights against the scale labels.

Outputs: ``<output_dir>/<stage>/final`` (a SpaceVista folder), ``<stage>/checkpoint-<step>`` and
``<stage>/metrics.json``.
"""

from __future__ import annotations

import json
import math
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable

import torch
import yaml

from spacevista.model.freeze import apply_freeze_plan
from spacevista.train.config import SFTConfig, to_dict
from spacevista.train.data import ItemDataset, collate_items, load_sft_items
from spacevista.train.loop import (LoopState, find_resume, make_accelerator, make_optimizer, make_scheduler,
                                   read_state, save_checkpoint)
from spacevista.train.modelio import add_llm_lora, load_model, merge_llm_lora, save_model

MODEL_KEYS = ("input_ids", "attention_mask", "mm_token_type_ids", "labels", "pixel_values_videos",
              "video_grid_thw", "dense_pixel_values", "scale_ids")


def prepare_stage_model(model, stage: str, cfg: SFTConfig) -> dict[str, dict[str, int]]:
    """Freeze plan of the stage (+ LoRA adapters on the LLM for ``llm: lora`` in the cold start)."""
    lora = stage == "sft" and cfg.model.llm == "lora"
    if lora:
        add_llm_lora(model, cfg.model.lora_rank, cfg.model.lora_alpha)
    report = apply_freeze_plan(model, stage, train_llm=(stage == "sft" and cfg.model.llm == "full"))
    if lora:
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.requires_grad_(True)
                report["llm"]["trainable"] += p.numel()
    model.config.router_aux_loss_coef = cfg.router_aux_loss_coef if stage == "router" else 0.0
    return report


def train_stage(cfg: SFTConfig, stage: str, init_path: Path | None, resume: Path | None = None,
                log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run one SFT stage; returns its metrics (losses per step, final folder, throughput)."""
    from accelerate.utils import set_seed

    out = Path(cfg.output_dir)
    stage_dir = out / stage
    accelerator = make_accelerator(cfg.train, cfg.deepspeed)
    set_seed(cfg.seed)
    model, tok = load_model(cfg.model, out, cfg.seed, path=init_path)
    groups = prepare_stage_model(model, stage, cfg)
    if cfg.model.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()

    items = load_sft_items(cfg.data)
    dataset = ItemDataset(items, tok, cfg.data, dense=model.config.use_dense, with_target=True)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=cfg.train.batch_size, shuffle=True, num_workers=cfg.train.num_workers,
        generator=torch.Generator().manual_seed(cfg.seed),
        collate_fn=partial(collate_items, pad_token_id=tok.pad_token_id))
    optimizer = make_optimizer(model, cfg.optim)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    steps_per_epoch = math.ceil(len(loader) / cfg.train.grad_accum)
    total = cfg.train.max_steps or max(1, math.ceil(cfg.train.epochs * steps_per_epoch))
    scheduler = accelerator.prepare(make_scheduler(optimizer, cfg.optim, total))
    params = [p for p in model.parameters() if p.requires_grad]

    state = LoopState(stage=stage, total_steps=total)
    if resume is not None:
        saved = read_state(resume)
        if saved["stage"] != stage or saved["total_steps"] != total:
            raise ValueError(f"{resume}: checkpoint of stage {saved['stage']} with {saved['total_steps']} steps "
                             f"does not match stage {stage} with {total} steps")
        accelerator.load_state(str(resume))
        state = LoopState(**{k: saved[k] for k in ("stage", "step", "epoch", "micro", "total_steps")})
        log(f"stage={stage} resumed from {resume} at step={state.step}")
    trainable = {g: v["trainable"] for g, v in groups.items() if v["trainable"]}
    log(f"stage={stage} items={len(items)} steps={total} trainable={trainable}")

    losses: list[float] = []
    window: list[torch.Tensor] = []
    samples = 0
    t0 = time.perf_counter()
    stopped = False
    while state.step < total and not stopped:
        loader.set_epoch(state.epoch)
        batches = accelerator.skip_first_batches(loader, state.micro) if state.micro else loader
        for batch in batches:
            state.micro += 1
            with accelerator.accumulate(model):
                output = model(**{k: v for k, v in batch.items() if k in MODEL_KEYS})
                accelerator.backward(output.loss)
                if accelerator.sync_gradients and cfg.optim.max_grad_norm > 0:
                    accelerator.clip_grad_norm_(params, cfg.optim.max_grad_norm)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
            window.append(output.loss.detach())
            samples += batch["input_ids"].shape[0]
            if not accelerator.sync_gradients:
                continue
            scheduler.step()
            state.step += 1
            loss = accelerator.gather(torch.stack(window).mean().reshape(1)).mean().item()
            window.clear()
            losses.append(loss)
            if state.step % cfg.train.log_every == 0 or state.step == total:
                log(f"stage={stage} step={state.step} loss={loss:.4f} lr={scheduler.get_last_lr()[0]:.3e}")
            if cfg.train.save_every and state.step % cfg.train.save_every == 0:
                save_checkpoint(accelerator, state, stage_dir, cfg.train.keep_checkpoints)
            if cfg.train.stop_after and state.step >= cfg.train.stop_after:
                stopped = True
                break
            if state.step >= total:
                break
        else:
            state.epoch += 1
            state.micro = 0
    elapsed = time.perf_counter() - t0
    result: dict[str, Any] = {"stage": stage, "steps": state.step, "total_steps": total, "losses": losses,
                              "trainable": trainable, "seconds": elapsed,
                              "samples_per_second": samples / elapsed if elapsed > 0 else 0.0, "stopped": stopped}
    if not stopped:
        unwrapped = accelerator.unwrap_model(model)
        if stage == "sft" and cfg.model.llm == "lora":
            merge_llm_lora(unwrapped)
        if accelerator.is_main_process:
            result["final"] = str(save_model(unwrapped, tok, stage_dir / "final"))
            (stage_dir / "metrics.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
        accelerator.wait_for_everyone()
    accelerator.free_memory()
    return result


def run_sft(cfg: SFTConfig, log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run the configured SFT stages in order (resuming where a checkpoint says); returns each stage's metrics."""
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sft-config.yaml").write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False), encoding="utf-8")
    resume = find_resume(out, cfg.train.resume, cfg.stages)
    first = 0
    if resume is not None:
        first = cfg.stages.index(read_state(resume)["stage"])
    results = []
    init: Path | None = None
    for i, stage in enumerate(cfg.stages):
        if i < first:  # finished before the checkpoint's stage began
            init = out / stage / "final"
            continue
        result = train_stage(cfg, stage, init, resume if i == first else None, log)
        results.append(result)
        if result["stopped"]:
            log(f"stage={stage} stopped after step={result['steps']} (train.stop_after)")
            break
        init = Path(result["final"])
    return results
