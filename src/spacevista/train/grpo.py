"""The GRPO recipe, written out as a plain loop (TRL's GRPOTrainer has no video input, and the model needs
its video tensors, dense frames and ``mm_token_type_ids`` at every forward; see docs/training.md).

One step:

1. take ``prompts_per_step`` items; for each, sample a group of G completions from the current policy with
   ``generate`` (video inputs, temperature 1.0);
2. score each completion (default: ``rewards.progressive_reward``) and normalise within the group:
   ``A_i = (r_i - mean(r)) / (std(r) + 1e-4)`` (``scale_rewards: false`` keeps ``r_i - mean(r)``);
3. for ``iterations`` updates on these samples, minimise per completion token t
   ``-min(ρ_t A, clip(ρ_t, 1-ε, 1+ε) A) + β KL_t`` with ``ρ_t = π(o_t)/π_old(o_t)`` and the k3 estimator
   ``KL_t = exp(q_t - p_t) - (q_t - p_t) - 1`` (``p`` policy, ``q`` frozen reference log-probabilities),
   averaged over each completion's tokens, then over completions.

Dropout is off throughout (the policy runs in eval mode) so that sampling and scoring see the same function.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Sequence

import torch

from spacevista.model.freeze import apply_freeze_plan
from spacevista.train.config import GRPOConfig, save_config, to_dict
from spacevista.train.data import ItemDataset, load_grpo_items
from spacevista.train.evaluate import held_out_evaluator, held_out_split
from spacevista.train.loop import (LoopState, MicroStep, TrainLoop, find_resume, main_process_log, make_accelerator,
                                   make_optimizer, make_scheduler)
from spacevista.train.modelio import load_model
from spacevista.train.rewards import RewardConfig, reward_batch
from spacevista.train.runs import prepare_grpo_folder

PROMPT_KEYS = ("input_ids", "attention_mask", "mm_token_type_ids", "pixel_values_videos", "video_grid_thw",
               "dense_pixel_values")
VISION_TOKENS = ("<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>")
RewardFn = Callable[[Sequence[str], Sequence[dict[str, Any]]], Sequence[Any]]


def default_reward_fn(cfg: RewardConfig) -> RewardFn:
    """Format + progressive anchor reward (``RewardBreakdown`` per completion)."""
    return partial(reward_batch, cfg=cfg)


def completion_mask(completion: torch.Tensor, eos_id: int) -> torch.Tensor:
    """1 for completion tokens up to and including the first end-of-sequence token, 0 after it."""
    is_eos = completion == eos_id
    length = completion.shape[1]
    first = torch.where(is_eos.any(dim=1), is_eos.int().argmax(dim=1), torch.full_like(is_eos[:, 0], length,
                                                                                          dtype=torch.long))
    return (torch.arange(length, device=completion.device)[None, :] <= first[:, None]).long()


def group_inputs(prompt: dict[str, torch.Tensor], completion: torch.Tensor, mask: torch.Tensor) -> dict[str, Any]:
    """Model inputs for G sequences = the (unpadded, batch-1) prompt repeated G times + each completion."""
    g = completion.shape[0]
    ids = torch.cat([prompt["input_ids"].expand(g, -1), completion], dim=1)
    attn = torch.cat([prompt["attention_mask"].expand(g, -1), mask], dim=1)
    mm = torch.cat([prompt["mm_token_type_ids"].expand(g, -1), torch.zeros_like(completion)], dim=1)
    out: dict[str, Any] = {"input_ids": ids, "attention_mask": attn, "mm_token_type_ids": mm}
    if "pixel_values_videos" in prompt:
        out["pixel_values_videos"] = prompt["pixel_values_videos"].repeat(g, 1)
        out["video_grid_thw"] = prompt["video_grid_thw"].repeat(g, 1)
        if "dense_pixel_values" in prompt:
            out["dense_pixel_values"] = prompt["dense_pixel_values"].repeat(g, 1, 1, 1)
    return out


def token_logprobs(model, inputs: dict[str, Any], n_completion: int, temperature: float) -> torch.Tensor:
    """Log-probabilities (G, L) of the completion tokens (the last ``n_completion`` of ``input_ids``)."""
    logits = model(**inputs, logits_to_keep=n_completion + 1, use_cache=False).logits[:, :-1].float()
    logp = torch.log_softmax(logits / temperature, dim=-1)
    target = inputs["input_ids"][:, -n_completion:]
    return logp.gather(-1, target.unsqueeze(-1)).squeeze(-1)


def grpo_loss(logp: torch.Tensor, old_logp: torch.Tensor, ref_logp: torch.Tensor | None, advantages: torch.Tensor,
              mask: torch.Tensor, clip_eps: float, beta: float) -> tuple[torch.Tensor, dict[str, float]]:
    """The clipped surrogate with a KL penalty, mean over each completion's tokens, then over completions."""
    ratio = torch.exp(logp - old_logp)
    adv = advantages[:, None]
    surrogate = torch.minimum(ratio * adv, torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * adv)
    per_token = -surrogate
    m = mask.to(logp.dtype)
    kl_mean = 0.0
    if ref_logp is not None and beta > 0:
        delta = ref_logp - logp
        kl = torch.exp(delta) - delta - 1.0
        per_token = per_token + beta * kl
        kl_mean = float(((kl.detach() * m).sum(1) / m.sum(1).clamp_min(1)).mean())
    loss = ((per_token * m).sum(1) / m.sum(1).clamp_min(1)).mean()
    clipped = ((ratio.detach() - 1).abs() > clip_eps).to(logp.dtype)
    return loss, {"kl": kl_mean, "clip_frac": float((clipped * m).sum() / m.sum().clamp_min(1))}


def group_advantages(rewards: torch.Tensor, scale: bool) -> torch.Tensor:
    """Group-normalised advantages of one group's rewards."""
    centred = rewards - rewards.mean()
    return centred / (rewards.std() + 1e-4) if scale else centred


@torch.no_grad()
def sample_group(model, prompt: dict[str, torch.Tensor], cfg: GRPOConfig, eos_id: int, pad_id: int,
                 suppress: list[int] | None = None):
    """G sampled completions of one prompt: (completion ids (G, L), mask (G, L)). ``suppress``: token ids
    never sampled (the vision placeholders: a sampled ``<|video_pad|>`` would claim video features)."""
    g = cfg.grpo
    out = model.generate(**prompt, do_sample=True, temperature=g.temperature, top_p=g.top_p, top_k=0,
                         max_new_tokens=g.max_new_tokens, num_return_sequences=g.group_size,
                         eos_token_id=eos_id, pad_token_id=pad_id, suppress_tokens=suppress or None)
    completion = out[:, prompt["input_ids"].shape[1]:]
    mask = completion_mask(completion, eos_id)
    completion = torch.where(mask.bool(), completion, torch.full_like(completion, pad_id))
    return completion, mask



@dataclass
class Rollout:
    """One prompt's group: model inputs of its G sequences, completion mask, rewards, advantages, and the
    sampling policy's (``old``, only for several iterations) and reference log-probabilities."""

    inputs: dict[str, Any]
    n_tokens: int
    mask: torch.Tensor
    rewards: list[float]
    advantages: torch.Tensor
    old: torch.Tensor | None
    ref: torch.Tensor | None
    parts: dict[str, list[float]] = field(default_factory=dict)


def collect_rollout(policy, model, reference, enc: dict[str, Any], item, cfg: GRPOConfig, tok, reward_fn: RewardFn,
                    accelerator) -> Rollout:
    """Sample a group for one encoded prompt, score it and compute what the update needs."""
    prompt = {k: (v.to(accelerator.device) if isinstance(v, torch.Tensor) else v)
              for k, v in enc.items() if k in PROMPT_KEYS}
    eos_id = tok.convert_tokens_to_ids("<|im_end|>")
    with accelerator.autocast():
        completion, mask = sample_group(policy, prompt, cfg, eos_id, tok.pad_token_id,
                                        [tok.convert_tokens_to_ids(t) for t in VISION_TOKENS])
    texts = tok.batch_decode(completion, skip_special_tokens=True)
    scored = list(reward_fn(texts, [item.reward_record()] * len(texts)))
    values = [float(getattr(s, "total", s)) for s in scored]
    parts: dict[str, list[float]] = {}
    for s in scored:
        for name in ("format", "answer", "semantics", "scale"):
            v = getattr(s, name, None)
            if v is not None:
                parts.setdefault(name, []).append(float(v))
    rewards = torch.tensor(values, dtype=torch.float32, device=accelerator.device)
    inputs = group_inputs(prompt, completion, mask)
    n = completion.shape[1]
    temperature = cfg.grpo.temperature
    with torch.no_grad(), accelerator.autocast():
        old = token_logprobs(model, inputs, n, temperature) if cfg.grpo.iterations > 1 else None
        ref = token_logprobs(reference, inputs, n, temperature) if reference is not None else None
    return Rollout(inputs, n, mask, values, group_advantages(rewards, cfg.grpo.scale_rewards), old, ref, parts)


def policy_update(model, rollouts: list[Rollout], cfg: GRPOConfig, accelerator, optimizer, scheduler,
                  params: list[torch.Tensor]) -> tuple[list[float], list[dict[str, float]]]:
    """One optimizer update over the step's groups (one backward each); returns losses and loss statistics."""
    losses, stats = [], []
    for r in rollouts:
        logp = token_logprobs(model, r.inputs, r.n_tokens, cfg.grpo.temperature)
        old = r.old if r.old is not None else logp.detach()
        loss, info = grpo_loss(logp, old, r.ref, r.advantages, r.mask, cfg.grpo.clip_eps, cfg.grpo.beta)
        accelerator.backward(loss)
        losses.append(float(loss.detach()))
        stats.append(info)
    if cfg.optim.max_grad_norm > 0:
        accelerator.clip_grad_norm_(params, cfg.optim.max_grad_norm)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return losses, stats


def step_metrics(step: int, rollouts: list[Rollout], losses: list[float],
                 stats: list[dict[str, float]]) -> dict[str, float]:
    """Means over the step's groups: loss, reward (and its parts), reward spread, KL, clipping, length."""
    rewards = [v for r in rollouts for v in r.rewards]
    parts: dict[str, list[float]] = {}
    for r in rollouts:
        for name, v in r.parts.items():
            parts.setdefault(name, []).extend(v)
    lengths = [float(r.mask.sum(1).float().mean()) for r in rollouts]
    return {"step": step, "loss": sum(losses) / len(losses), "reward": sum(rewards) / len(rewards),
            "reward_std": float(torch.tensor(rewards).std()) if len(rewards) > 1 else 0.0,
            "kl": sum(s["kl"] for s in stats) / len(stats),
            "clip_frac": sum(s["clip_frac"] for s in stats) / len(stats),
            "completion_len": sum(lengths) / len(lengths),
            **{name: sum(v) / len(v) for name, v in parts.items()}}


def tracked_values(row: dict[str, float]) -> dict[str, float]:
    """A step's metrics row as the trackers get it: the reward's parts under ``reward/``."""
    parts = ("format", "answer", "semantics", "scale")
    return {(f"reward/{k}" if k in parts else k): v for k, v in row.items() if k != "step"}


class GRPORecipe:
    """GRPO as a recipe read top-down: ``setup`` (accelerator, policy and frozen reference, data, optimizer and
    schedule, resume), ``train`` (the loop: sample, score, update), ``save`` (final weights and metrics)."""

    def __init__(self, cfg: GRPOConfig, log: Callable[[str], None] = print, reward_fn: RewardFn | None = None) -> None:
        self.cfg = cfg
        self.out = Path(cfg.output_dir)
        self.log = log
        self.reward_fn = reward_fn or default_reward_fn(cfg.rewards)

    def setup(self) -> None:
        """Everything the loop needs, in the order that keeps runs reproducible from the seed."""
        from accelerate.utils import set_seed

        cfg = self.cfg
        # one backward per prompt group, one optimizer update per step: accelerate (and DeepSpeed) scale each
        # backward by 1/prompts_per_step and DeepSpeed applies the update at that accumulation boundary
        if cfg.train.grad_accum != 1:
            raise ValueError("GRPO accumulates over grpo.prompts_per_step; leave train.grad_accum at 1")
        self.accelerator = make_accelerator(dataclasses.replace(cfg.train, grad_accum=cfg.grpo.prompts_per_step),
                                            cfg.deepspeed, cfg.optim.max_grad_norm, self.out / "grpo")
        self.log = main_process_log(self.accelerator, self.log)
        set_seed(cfg.seed)
        self._setup_model()
        self._setup_data()
        self._setup_optimizer()
        evaluate = held_out_evaluator(self.held_out, cfg.data, cfg.train, self.tok, self.model, self.accelerator)
        self.loop = TrainLoop(self.accelerator, cfg.train, LoopState(stage="grpo", total_steps=self.total),
                              self.out / "grpo", self.log, scalars=tracked_values,
                              lr=lambda: self.scheduler.get_last_lr()[0], evaluate=evaluate)
        self.loop.start(find_resume(self.out, cfg.train.resume, ["grpo"]), "grpo", self._checkpoint_mismatch,
                        to_dict(cfg))
        held = f" held_out={len(self.held_out)}" if self.held_out else ""
        self.log(f"grpo items={len(self.dataset.items)}{held} steps={self.total} group={cfg.grpo.group_size} "
                 f"trainable={self.trainable}")

    def _setup_model(self) -> None:
        cfg = self.cfg
        model, self.tok = load_model(cfg.model, self.out, cfg.seed)
        self.reference = None
        if cfg.grpo.beta > 0:
            self.reference = copy.deepcopy(model).eval()
            self.reference.requires_grad_(False)
        groups = apply_freeze_plan(model, "grpo", **cfg.grpo.trainable)
        self.trainable = {g: v["trainable"] for g, v in groups.items() if v["trainable"]}
        model.eval()  # no dropout: sampling and scoring must see the same policy
        self.model = model

    def _setup_data(self) -> None:
        cfg = self.cfg
        items, self.held_out = load_grpo_items(cfg.data), []
        if cfg.train.eval_every:
            items, self.held_out = held_out_split(items, cfg.train.eval_items, cfg.seed)
        self.dataset = ItemDataset(items, self.tok, cfg.data, dense=self.model.config.use_dense, with_target=False)
        self.loader = torch.utils.data.DataLoader(self.dataset, batch_size=cfg.grpo.prompts_per_step, shuffle=True,
                                                  num_workers=cfg.train.num_workers, collate_fn=list,
                                                  generator=torch.Generator().manual_seed(cfg.seed))

    def _setup_optimizer(self) -> None:
        cfg, accelerator = self.cfg, self.accelerator
        optimizer = make_optimizer(self.model, cfg.optim)
        self.model, self.optimizer, self.loader = accelerator.prepare(self.model, optimizer, self.loader)
        if self.reference is not None:  # the frozen reference only runs forward: keep it in the compute dtype
            dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(str(accelerator.mixed_precision),
                                                                         torch.float32)
            self.reference.to(device=accelerator.device, dtype=dtype)
        self.total = cfg.train.max_steps or max(1, math.ceil(cfg.train.epochs * len(self.loader)))
        updates = self.total * cfg.grpo.iterations
        self.scheduler = accelerator.prepare(make_scheduler(self.optimizer, cfg.optim, updates))
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.policy = accelerator.unwrap_model(self.model)

    def _checkpoint_mismatch(self, saved: dict[str, Any]) -> str | None:
        if saved["total_steps"] != self.total:
            return f"checkpoint of a {saved['total_steps']}-step run, this run has {self.total}"
        return None

    def train(self) -> dict[str, Any]:
        """The loop; returns the run's metrics (one row per step, throughput)."""
        self.loop.run(self.loader, self._micro_step, self._step_line)
        return self.loop.summary("history", self.trainable)

    def _micro_step(self, batch: list[dict[str, Any]], step: int) -> MicroStep:
        """One GRPO step: a group per prompt of the batch, then ``iterations`` updates on those groups."""
        cfg = self.cfg
        rollouts = [collect_rollout(self.policy, self.model, self.reference, enc, self.dataset.items[enc["index"]],
                                    cfg, self.tok, self.reward_fn, self.accelerator) for enc in batch]
        for _ in range(cfg.grpo.iterations):
            losses, stats = policy_update(self.model, rollouts, cfg, self.accelerator, self.optimizer, self.scheduler,
                                          self.params)
        tokens = sum(int(r.inputs["attention_mask"].sum()) for r in rollouts)
        return MicroStep(sum(len(r.rewards) for r in rollouts), step_metrics(step, rollouts, losses, stats), tokens)

    @staticmethod
    def _step_line(step: int, row: dict[str, float]) -> str:
        return (f"step={step} loss={row['loss']:.4f} reward={row['reward']:.4f} "
                f"reward_std={row['reward_std']:.4f} kl={row['kl']:.5f} len={row['completion_len']:.1f}")

    def save(self, result: dict[str, Any]) -> None:
        """Final weights and metrics in ``output_dir`` unless the run stopped early."""
        self.loop.save_final(self.accelerator.unwrap_model(self.model), self.tok, self.out, result)


def run_grpo(cfg: GRPOConfig, log: Callable[[str], None] = print, reward_fn: RewardFn | None = None,
             overwrite: bool = False) -> dict[str, Any]:
    """Train with GRPO; returns metrics per step, the final folder and throughput. A folder that
    holds an earlier run is refused unless ``overwrite`` or the run resumes it (``train/runs.py``)."""
    out = Path(cfg.output_dir)
    prepare_grpo_folder(out, find_resume(out, cfg.train.resume, ["grpo"]) is not None, overwrite, log)
    save_config(cfg, out / "grpo-config.yaml")
    recipe = GRPORecipe(cfg, log, reward_fn)
    recipe.setup()
    result = recipe.train()
    recipe.save(result)
    return result
