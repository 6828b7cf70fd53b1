"""The SFT recipe: a plain accelerate training loop run once per stage.

Stages (paper section 4, appendix C.1), each starting from the previous stage's weights:

1. ``sft``     cold start on the chain-of-thought data: dense merger ("projection"), fusion and experts train;
               Qwen's vision tower and projector stay frozen; the LLM is frozen, fully trained or LoRA-tuned
               (``model.llm``).
2. ``experts`` each expert on its own scale's items: hard routing by the item's scale label (``scale_ids``),
               so expert k only sees gradients from items of scale k.
3. ``router``  the routers alone, learned routing, LM loss plus ``router_aux_loss_coef`` x cross-entropy of the
               router weights against the scale labels.

Outputs: ``<output_dir>/<stage>/final`` (a SpaceVista folder), ``<stage>/checkpoint-<step>``,
``<stage>/metrics.json`` and the tracker's ``<stage>/logs``.
"""

from __future__ import annotations

import collections
import math
from functools import partial
from pathlib import Path
from typing import Any, Callable

import torch

from spacevista.model.freeze import apply_freeze_plan
from spacevista.train.config import SFT_STAGES, SFTConfig, save_config, to_dict
from spacevista.train.data import ItemDataset, collate_items, load_sft_items
from spacevista.train.evaluate import held_out_evaluator, held_out_split
from spacevista.train.loop import (LoopState, MicroStep, TrainLoop, find_resume, main_process_log, make_accelerator,
                                   make_optimizer, make_scheduler, read_state)
from spacevista.train.modelio import add_llm_lora, load_model, merge_llm_lora
from spacevista.train.runs import prepare_sft_folders

MODEL_KEYS = ("input_ids", "attention_mask", "mm_token_type_ids", "labels", "pixel_values_videos",
              "video_grid_thw", "dense_pixel_values", "scale_ids")


def expert_name_of(model, scale: str) -> str:
    """The name of the expert an item of ``scale`` is routed to by label (drone -> outdoor)."""
    from spacevista.scene import Scale

    names = list(getattr(model.config, "expert_names", []) or [])
    index = Scale.parse(scale).expert_index
    return names[index] if index < len(names) else str(index)


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


class SFTStage:
    """One SFT stage as a recipe read top-down: ``setup`` (accelerator, model with the stage's freeze plan,
    data, optimizer and schedule, resume), ``train`` (the loop), ``save`` (final weights and metrics)."""

    def __init__(self, cfg: SFTConfig, stage: str, log: Callable[[str], None] = print) -> None:
        self.cfg = cfg
        self.stage = stage
        self.stage_dir = Path(cfg.output_dir) / stage
        self.lora = stage == "sft" and cfg.model.llm == "lora"
        self.log = log
        self.window: list[torch.Tensor] = []  # micro-batch losses of the optimizer step under way

    def setup(self, init_path: Path | None, resume: Path | None) -> None:
        """Everything the loop needs, in the order that keeps runs reproducible from the seed."""
        from accelerate.utils import set_seed

        cfg = self.cfg
        self.accelerator = make_accelerator(cfg.train, cfg.deepspeed, cfg.optim.max_grad_norm, self.stage_dir)
        self.log = main_process_log(self.accelerator, self.log)
        set_seed(cfg.seed)
        self._setup_model(init_path)
        self._setup_data()
        self._setup_optimizer()
        evaluate = held_out_evaluator(self.held_out, cfg.data, cfg.train, self.tok, self.model, self.accelerator)
        self.loop = TrainLoop(self.accelerator, cfg.train, LoopState(stage=self.stage, total_steps=self.total),
                              self.stage_dir, self.log, scalars=lambda loss: {"loss": loss},
                              lr=lambda: self.scheduler.get_last_lr()[0], evaluate=evaluate)
        self.loop.start(resume, f"stage={self.stage}", self._checkpoint_mismatch, to_dict(cfg))
        model = self.accelerator.unwrap_model(self.model)
        per_expert = collections.Counter(expert_name_of(model, it.scale) for it in self.items)
        held = f" held_out={len(self.held_out)}" if self.held_out else ""
        self.log(f"stage={self.stage} items={len(self.items)}{held} per_expert={dict(sorted(per_expert.items()))} "
                 f"steps={self.total} trainable={self.trainable}")

    def _setup_model(self, init_path: Path | None) -> None:
        cfg = self.cfg
        model, self.tok = load_model(cfg.model, Path(cfg.output_dir), cfg.seed, path=init_path)
        groups = prepare_stage_model(model, self.stage, cfg)
        self.trainable = {g: v["trainable"] for g, v in groups.items() if v["trainable"]}
        if cfg.model.gradient_checkpointing:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.train()
        self.model = model

    def _setup_data(self) -> None:
        cfg = self.cfg
        self.items = load_sft_items(cfg.data)
        self.held_out = []
        if cfg.train.eval_every:
            self.items, self.held_out = held_out_split(self.items, cfg.train.eval_items, cfg.seed)
        dataset = ItemDataset(self.items, self.tok, cfg.data, dense=self.model.config.use_dense, with_target=True)
        self.loader = torch.utils.data.DataLoader(
            dataset, batch_size=cfg.train.batch_size, shuffle=True, num_workers=cfg.train.num_workers,
            generator=torch.Generator().manual_seed(cfg.seed),
            collate_fn=partial(collate_items, pad_token_id=self.tok.pad_token_id))

    def _setup_optimizer(self) -> None:
        cfg, accelerator = self.cfg, self.accelerator
        optimizer = make_optimizer(self.model, cfg.optim)
        self.model, self.optimizer, self.loader = accelerator.prepare(self.model, optimizer, self.loader)
        steps_per_epoch = math.ceil(len(self.loader) / cfg.train.grad_accum)
        self.total = (cfg.stage_max_steps.get(self.stage) or cfg.train.max_steps
                      or max(1, math.ceil(cfg.train.epochs * steps_per_epoch)))
        self.scheduler = accelerator.prepare(make_scheduler(self.optimizer, cfg.optim, self.total))
        self.params = [p for p in self.model.parameters() if p.requires_grad]

    def _checkpoint_mismatch(self, saved: dict[str, Any]) -> str | None:
        if saved["stage"] != self.stage or saved["total_steps"] != self.total:
            return (f"checkpoint of stage {saved['stage']} with {saved['total_steps']} steps "
                    f"does not match stage {self.stage} with {self.total} steps")
        return None

    def train(self) -> dict[str, Any]:
        """The loop; returns the stage's metrics (losses per optimizer step, throughput)."""
        self.loop.run(self.loader, self._micro_step, self._step_line)
        return self.loop.summary("losses", self.trainable, stage=self.stage)

    def _micro_step(self, batch: dict[str, Any], step: int) -> MicroStep:
        accelerator, max_norm = self.accelerator, self.cfg.optim.max_grad_norm
        with accelerator.accumulate(self.model):
            output = self.model(**{k: v for k, v in batch.items() if k in MODEL_KEYS})
            accelerator.backward(output.loss)
            if accelerator.sync_gradients and max_norm > 0:
                accelerator.clip_grad_norm_(self.params, max_norm)
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
        self.window.append(output.loss.detach())
        samples = batch["input_ids"].shape[0]
        tokens = int(batch["attention_mask"].sum())
        if not accelerator.sync_gradients:
            return MicroStep(samples, tokens=tokens)
        self.scheduler.step()
        loss = accelerator.gather(torch.stack(self.window).mean().reshape(1)).mean().item()
        self.window.clear()
        return MicroStep(samples, loss, tokens)

    def _step_line(self, step: int, loss: float) -> str:
        return f"stage={self.stage} step={step} loss={loss:.4f} lr={self.scheduler.get_last_lr()[0]:.3e}"

    def save(self, result: dict[str, Any]) -> None:
        """Final weights (LoRA merged in) and metrics unless the stage stopped early; frees the accelerator."""
        model = self.accelerator.unwrap_model(self.model)
        if self.lora and not result["stopped"]:
            merge_llm_lora(model)
        self.loop.save_final(model, self.tok, self.stage_dir, result)
        self.accelerator.free_memory()


def train_stage(cfg: SFTConfig, stage: str, init_path: Path | None, resume: Path | None = None,
                log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run one SFT stage; returns its metrics (losses per step, final folder, throughput)."""
    recipe = SFTStage(cfg, stage, log)
    recipe.setup(init_path, resume)
    result = recipe.train()
    recipe.save(result)
    return result


def run_sft(cfg: SFTConfig, log: Callable[[str], None] = print, overwrite: bool = False) -> list[dict[str, Any]]:
    """Run the configured SFT stages in order (resuming where a checkpoint says); returns each stage's metrics.
    A stage folder that holds an earlier run is refused unless ``overwrite`` (see ``train/runs.py``)."""
    out = Path(cfg.output_dir)
    resume = find_resume(out, cfg.train.resume, cfg.stages)
    first, resumed = 0, None
    if resume is not None:
        resumed = read_state(resume)["stage"]
        first = cfg.stages.index(resumed)
    prepare_sft_folders(out, cfg.stages, SFT_STAGES, resumed, overwrite, log)
    save_config(cfg, out / "sft-config.yaml")
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
