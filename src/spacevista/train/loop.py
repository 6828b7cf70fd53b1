"""Pieces the SFT and GRPO recipes share: the accelerator, AdamW with a warm-up + cosine schedule,
checkpoints (weights in safetensors, optimizer, scheduler, RNG states and the loop position) that resume, and
``TrainLoop``, the loop tail around a recipe's own micro-batch step."""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from spacevista.train.config import OptimSection, TrainSection
from spacevista.train.modelio import save_model
from spacevista.train.tracking import accelerator_options, gpu_memory_gb, start_tracking, stop_tracking

STATE_FILE = "trainer_state.json"


def mixed_precision(setting: str) -> str:
    """``auto``: bf16 on a GPU that supports it, else full precision."""
    if setting != "auto":
        return setting
    return "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "no"


def make_accelerator(train: TrainSection, deepspeed: str | None = None, max_grad_norm: float = 1.0,
                     stage_dir: Path | None = None):
    """An ``accelerate.Accelerator`` for this run; the LR schedule is stepped by the recipe (once per
    optimizer step), not by accelerate. ``deepspeed`` names a DeepSpeed JSON (e.g. configs/zero2.json); its
    ``auto`` entries are filled from the config (accumulation, clipping) and the prepared dataloader.
    With a ``stage_dir`` the ``train.tracker`` logs under it (``train/tracking.py``)."""
    from accelerate import Accelerator
    from accelerate.utils import DataLoaderConfiguration

    kwargs: dict[str, Any] = accelerator_options(train.tracker, stage_dir)
    if deepspeed:
        from accelerate.utils import DeepSpeedPlugin

        if not Path(deepspeed).is_file():
            raise FileNotFoundError(f"deepspeed config {deepspeed} not found")
        kwargs["deepspeed_plugin"] = DeepSpeedPlugin(hf_ds_config=deepspeed,
                                                     gradient_accumulation_steps=train.grad_accum,
                                                     gradient_clipping=max_grad_norm or None)
    return Accelerator(mixed_precision=mixed_precision(train.mixed_precision),
                       gradient_accumulation_steps=train.grad_accum, step_scheduler_with_optimizer=False,
                       dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True), **kwargs)


def main_process_log(accelerator, log: Callable[[str], None]) -> Callable[[str], None]:
    """``log`` on the main process only (one line per step, not one per GPU)."""
    return log if accelerator.is_main_process else (lambda line: None)


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
    """Warm-up over ``warmup_ratio`` of ``total_steps`` optimizer steps, then cosine (``cosine_with_warmup``)."""
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


@dataclass
class MicroStep:
    """What a recipe's step on one micro-batch reports: the examples it consumed and, when it finished an
    optimizer step, that step's metrics row (``None`` while gradients still accumulate)."""

    samples: int
    metrics: Any = None
    #: tokens the micro-batch put through the model (for tokens/s)
    tokens: int = 0


class TrainLoop:
    """The loop tail both recipes share; the recipe brings only its step on one micro-batch and its log line.

    ``start`` decides between a fresh run and a resumed one (the loop position, weights, optimizer, scheduler
    and RNG states of a checkpoint) and starts the trackers; ``run`` walks epochs and micro-batches, skipping
    those a checkpoint already did; ``_end_of_step`` is the one place where each optimizer step is logged
    (printed and sent to the trackers), kept as a metrics row, evaluated (``train.eval_every``) and
    checkpointed; ``summary`` and ``save_final`` write what a finished run leaves behind.

    ``scalars(metrics)`` turns a step's metrics row into the numbers the trackers get, ``lr()`` is the
    current learning rate and ``evaluate()`` scores the model on held-out items (``train/evaluate.py``).
    """

    def __init__(self, accelerator, train: TrainSection, state: LoopState, checkpoint_dir: Path,
                 log: Callable[[str], None], scalars: Callable[[Any], dict[str, float]] | None = None,
                 lr: Callable[[], float] | None = None,
                 evaluate: Callable[[], dict[str, float]] | None = None) -> None:
        self.accelerator = accelerator
        self.train = train
        self.state = state
        self.checkpoint_dir = checkpoint_dir
        self.log = log
        self.scalars, self.lr, self.evaluate = scalars, lr, evaluate
        self.label = state.stage
        self.rows: list[Any] = []
        self.evals: list[dict[str, Any]] = []
        self.samples = 0
        self.seconds = 0.0
        self.stopped = False
        self.eval_seconds = 0.0
        self.tracking = False
        self._tokens = 0
        self._step_start = time.perf_counter()

    def start(self, checkpoint: Path | None, label: str, mismatch: Callable[[dict[str, Any]], str | None],
              config: dict[str, Any] | None = None) -> None:
        """Resume from ``checkpoint`` unless it is ``None``; ``mismatch`` names what makes a checkpoint's
        ``trainer_state.json`` unfit for this run (``None`` when it fits), ``label`` starts the log line.
        Starts the trackers the accelerator was made with (``config`` goes to those that keep it)."""
        self.label = label
        # trackers live on the main process only; every process needs to know whether they are on
        self.tracking = bool(getattr(self.accelerator, "log_with", None))
        if self.tracking:
            start_tracking(self.accelerator, self.train.tracker, self.checkpoint_dir, config)
        if checkpoint is None:
            return
        saved = read_state(checkpoint)
        problem = mismatch(saved)
        if problem:
            raise ValueError(f"{checkpoint}: {problem}")
        self.accelerator.load_state(str(checkpoint))
        self.state = LoopState(**{k: saved[k] for k in ("stage", "step", "epoch", "micro", "total_steps")})
        self.log(f"{label} resumed from {checkpoint} at step={self.state.step}")

    def run(self, loader, micro_step: Callable[[Any, int], MicroStep], step_line: Callable[[int, Any], str]) -> None:
        """Train until ``total_steps`` or ``train.stop_after``. ``micro_step(batch, step)`` handles one
        micro-batch of optimizer step number ``step``; ``step_line(step, metrics)`` is that step's log line."""
        state = self.state
        t0 = self._step_start = time.perf_counter()
        while state.step < state.total_steps and not self.stopped:
            loader.set_epoch(state.epoch)
            # the data order is a function of the seed and the epoch: skipping the micro-batches already
            # done puts a resumed run where the interrupted one was
            batches = self.accelerator.skip_first_batches(loader, state.micro) if state.micro else loader
            for batch in batches:
                state.micro += 1
                done = micro_step(batch, state.step + 1)
                self.samples += done.samples
                self._tokens += done.tokens
                if done.metrics is None:
                    continue
                state.step += 1
                self._end_of_step(done.metrics, step_line)
                if self.train.stop_after and state.step >= self.train.stop_after:
                    self.stopped = True
                    break
                if state.step >= state.total_steps:
                    break
            else:
                state.epoch += 1
                state.micro = 0
        self.seconds = time.perf_counter() - t0 - self.eval_seconds

    def _end_of_step(self, metrics: Any, step_line: Callable[[int, Any], str]) -> None:
        state, train = self.state, self.train
        self.rows.append(metrics)
        if state.step % train.log_every == 0 or state.step == state.total_steps:
            self.log(step_line(state.step, metrics))
        self._track(metrics)
        if self.evaluate is not None and train.eval_every and (state.step % train.eval_every == 0
                                                               or state.step == state.total_steps):
            self._evaluate()
        if train.save_every and state.step % train.save_every == 0:
            save_checkpoint(self.accelerator, state, self.checkpoint_dir, train.keep_checkpoints)
        self._step_start = time.perf_counter()  # evaluation and checkpoints are not the next step's time

    def _track(self, metrics: Any) -> None:
        """Send the step's numbers to the trackers: the recipe's, the learning rate, tokens/s, GPU memory."""
        tokens, self._tokens = self._tokens, 0
        if not self.tracking:
            return
        # every process counts its own tokens; the sum is the run's throughput (a collective: all call it)
        total = self.accelerator.gather(torch.tensor([tokens], device=self.accelerator.device)).sum().item()
        values = dict(self.scalars(metrics)) if self.scalars is not None else {}
        if self.lr is not None:
            values["lr"] = self.lr()
        values["tokens_per_s"] = total / max(time.perf_counter() - self._step_start, 1e-9)
        values.update(gpu_memory_gb(self.accelerator.device))
        self.accelerator.log(values, step=self.state.step)

    def _evaluate(self) -> None:
        """Score the model on the held-out items (main process; the others wait), log and keep the scores."""
        t0 = time.perf_counter()
        if self.accelerator.is_main_process:
            scores = self.evaluate()
            took = time.perf_counter() - t0
            self.evals.append({"step": self.state.step, **scores})
            self.log(f"{self.label} step={self.state.step} eval "
                     + " ".join(f"{k.split('/')[-1]}={v:.4f}" for k, v in scores.items()) + f" ({took:.1f} s)")
            if self.tracking:
                self.accelerator.log(scores, step=self.state.step)
        self.accelerator.wait_for_everyone()
        self.eval_seconds += time.perf_counter() - t0

    def summary(self, rows_key: str, trainable: dict[str, int], **head: Any) -> dict[str, Any]:
        """The run's metrics: ``head`` first, then steps, the rows under ``rows_key``, the held-out scores
        (``evals``), trainable parameter counts, wall time (without evaluation, ``eval_seconds`` apart),
        throughput and whether ``train.stop_after`` ended it."""
        return {**head, "steps": self.state.step, "total_steps": self.state.total_steps, rows_key: self.rows,
                "evals": self.evals, "trainable": trainable, "seconds": self.seconds,
                "eval_seconds": self.eval_seconds,
                "samples_per_second": self.samples / self.seconds if self.seconds > 0 else 0.0,
                "stopped": self.stopped}

    def save_final(self, model: nn.Module, tokenizer, folder: Path, result: dict[str, Any]) -> None:
        """Unless stopped early: the (unwrapped) model in ``<folder>/final`` and ``result`` with that path as
        ``<folder>/metrics.json``, written by the main process. Closes the trackers either way."""
        stop_tracking(self.accelerator)
        if not self.stopped and self.accelerator.is_main_process:
            result["final"] = str(save_model(model, tokenizer, folder / "final"))
            (folder / "metrics.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
        self.accelerator.wait_for_everyone()
