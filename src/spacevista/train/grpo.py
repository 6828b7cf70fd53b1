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
import json
import math
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
import yaml

from spacevista.model.freeze import apply_freeze_plan
from spacevista.train.config import GRPOConfig, to_dict
from spacevista.train.data import ItemDataset, load_grpo_items
from spacevista.train.loop import (LoopState, find_resume, make_accelerator, make_optimizer, make_scheduler,
                                   read_state, save_checkpoint)
from spacevista.train.modelio import load_model, save_model
from spacevista.train.rewards import RewardConfig, reward_batch

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


def run_grpo(cfg: GRPOConfig, log: Callable[[str], None] = print, reward_fn: RewardFn | None = None) -> dict[str, Any]:
    """Train with GRPO; returns metrics per step, the final folder and throughput."""
    from accelerate.utils import set_seed

    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "grpo-config.yaml").write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False), encoding="utf-8")
    reward_fn = reward_fn or default_reward_fn(cfg.rewards)
    accelerator = make_accelerator(cfg.train, cfg.deepspeed)
    set_seed(cfg.seed)
    model, tok = load_model(cfg.model, out, cfg.seed)
    eos_id = tok.convert_tokens_to_ids("<|im_end|>")
    pad_id = tok.pad_token_id
    suppress = [tok.convert_tokens_to_ids(t) for t in VISION_TOKENS]
    reference = None
    if cfg.grpo.beta > 0:
        reference = copy.deepcopy(model).eval()
        reference.requires_grad_(False)
    groups = apply_freeze_plan(model, "grpo", **cfg.grpo.trainable)
    model.eval()  # no dropout: sampling and scoring must see the same policy

    items = load_grpo_items(cfg.data)
    dataset = ItemDataset(items, tok, cfg.data, dense=model.config.use_dense, with_target=False)
    loader = torch.utils.data.DataLoader(dataset, batch_size=cfg.grpo.prompts_per_step, shuffle=True,
                                         num_workers=cfg.train.num_workers, collate_fn=list,
                                         generator=torch.Generator().manual_seed(cfg.seed))
    optimizer = make_optimizer(model, cfg.optim)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    if reference is not None:
        reference.to(accelerator.device)
    total = cfg.train.max_steps or max(1, math.ceil(cfg.train.epochs * len(loader)))
    scheduler = accelerator.prepare(make_scheduler(optimizer, cfg.optim, total * cfg.grpo.iterations))
    params = [p for p in model.parameters() if p.requires_grad]
    policy = accelerator.unwrap_model(model)

    state = LoopState(stage="grpo", total_steps=total)
    resume = find_resume(out, cfg.train.resume, ["grpo"])
    if resume is not None:
        saved = read_state(resume)
        if saved["total_steps"] != total:
            raise ValueError(f"{resume}: checkpoint of a {saved['total_steps']}-step run, this run has {total}")
        accelerator.load_state(str(resume))
        state = LoopState(**{k: saved[k] for k in ("stage", "step", "epoch", "micro", "total_steps")})
        log(f"grpo resumed from {resume} at step={state.step}")
    trainable = {g: v["trainable"] for g, v in groups.items() if v["trainable"]}
    log(f"grpo items={len(items)} steps={total} group={cfg.grpo.group_size} trainable={trainable}")

    history: list[dict[str, float]] = []
    samples = 0
    t0 = time.perf_counter()
    stopped = False
    while state.step < total and not stopped:
        loader.set_epoch(state.epoch)
        batches = accelerator.skip_first_batches(loader, state.micro) if state.micro else loader
        for batch in batches:
            state.micro += 1
            rollouts = []
            rewards_all: list[float] = []
            parts: dict[str, list[float]] = {}
            for enc in batch:
                prompt = {k: (v.to(accelerator.device) if not isinstance(v, list) else v)
                          for k, v in enc.items() if k in PROMPT_KEYS}
                completion, mask = sample_group(policy, prompt, cfg, eos_id, pad_id, suppress)
                texts = tok.batch_decode(completion, skip_special_tokens=True)
                record = dataset.items[enc["index"]].reward_record()
                scored = list(reward_fn(texts, [record] * len(texts)))
                values = [float(getattr(s, "total", s)) for s in scored]
                for s in scored:
                    for name in ("format", "answer", "semantics", "scale"):
                        v = getattr(s, name, None)
                        if v is not None:
                            parts.setdefault(name, []).append(float(v))
                rewards = torch.tensor(values, dtype=torch.float32, device=accelerator.device)
                inputs = group_inputs(prompt, completion, mask)
                n = completion.shape[1]
                with torch.no_grad():
                    old = token_logprobs(model, inputs, n, cfg.grpo.temperature) if cfg.grpo.iterations > 1 else None
                    ref = (token_logprobs(reference, inputs, n, cfg.grpo.temperature)
                           if reference is not None else None)
                rollouts.append((inputs, n, mask, old, ref, group_advantages(rewards, cfg.grpo.scale_rewards)))
                rewards_all.extend(values)
                samples += len(values)
            for _ in range(cfg.grpo.iterations):
                losses, stats = [], []
                for inputs, n, mask, old, ref, adv in rollouts:
                    logp = token_logprobs(model, inputs, n, cfg.grpo.temperature)
                    loss, info = grpo_loss(logp, old if old is not None else logp.detach(), ref, adv, mask,
                                           cfg.grpo.clip_eps, cfg.grpo.beta)
                    accelerator.backward(loss / len(rollouts))
                    losses.append(float(loss.detach()))
                    stats.append(info)
                if cfg.optim.max_grad_norm > 0:
                    accelerator.clip_grad_norm_(params, cfg.optim.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
            state.step += 1
            lengths = [float(r[2].sum(1).float().mean()) for r in rollouts]
            row = {"step": state.step, "loss": sum(losses) / len(losses),
                   "reward": sum(rewards_all) / len(rewards_all),
                   "reward_std": float(torch.tensor(rewards_all).std()) if len(rewards_all) > 1 else 0.0,
                   "kl": sum(s["kl"] for s in stats) / len(stats),
                   "clip_frac": sum(s["clip_frac"] for s in stats) / len(stats),
                   "completion_len": sum(lengths) / len(lengths),
                   **{name: sum(v) / len(v) for name, v in parts.items()}}
            history.append(row)
            if state.step % cfg.train.log_every == 0 or state.step == total:
                log(f"step={state.step} loss={row['loss']:.4f} reward={row['reward']:.4f} "
                    f"reward_std={row['reward_std']:.4f} kl={row['kl']:.5f} len={row['completion_len']:.1f}")
            if cfg.train.save_every and state.step % cfg.train.save_every == 0:
                save_checkpoint(accelerator, state, out / "grpo", cfg.train.keep_checkpoints)
            if cfg.train.stop_after and state.step >= cfg.train.stop_after:
                stopped = True
                break
            if state.step >= total:
                break
        else:
            state.epoch += 1
            state.micro = 0
    elapsed = time.perf_counter() - t0
    result: dict[str, Any] = {"steps": state.step, "total_steps": total, "history": history, "trainable": trainable,
                              "seconds": elapsed, "samples_per_second": samples / elapsed if elapsed > 0 else 0.0,
                              "stopped": stopped}
    if not stopped and accelerator.is_main_process:
        result["final"] = str(save_model(accelerator.unwrap_model(model), tok, out / "final"))
        (out / "metrics.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    accelerator.wait_for_everyone()
    return result
