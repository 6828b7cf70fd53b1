"""GRPO: the objective's pieces, and three steps of the recipe on a tiny random model (CPU)."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from spacevista.model.freeze import param_group
from spacevista.train.config import GRPOConfig, load_config
from spacevista.train.grpo import completion_mask, group_advantages, grpo_loss, run_grpo

from conftest import tiny_overrides


def test_completion_mask_stops_after_first_eos():
    c = torch.tensor([[5, 9, 7, 9], [5, 6, 7, 8]])
    assert completion_mask(c, 9).tolist() == [[1, 1, 0, 0], [1, 1, 1, 1]]


def test_group_advantages():
    a = group_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0]), scale=True)
    assert a.sum().abs() < 1e-6 and a[0] > 0 > a[1]
    assert torch.allclose(a.std(), torch.tensor(1.0), atol=1e-3)
    assert group_advantages(torch.tensor([0.5, 0.5]), scale=True).abs().max() == 0  # no signal, no update
    assert group_advantages(torch.tensor([2.0, 0.0]), scale=False).tolist() == [1.0, -1.0]


def test_grpo_loss_clips_and_penalises_kl():
    logp = torch.log(torch.tensor([[0.5, 0.5], [0.5, 0.5]]))
    old = torch.log(torch.tensor([[0.25, 0.25], [0.25, 0.25]]))  # ratio 2
    mask = torch.tensor([[1, 1], [1, 0]])
    adv = torch.tensor([1.0, -1.0])
    loss, info = grpo_loss(logp, old, None, adv, mask, clip_eps=0.2, beta=0.0)
    # positive advantage: min(2A, 1.2A) = 1.2; negative: min(-2, -1.2) = -2 -> mean(-1.2, 2) = 0.4
    assert loss.item() == pytest.approx((-1.2 + 2.0) / 2)
    assert info["clip_frac"] == pytest.approx(1.0)
    same, info = grpo_loss(logp, logp, logp, adv, mask, clip_eps=0.2, beta=0.1)
    assert info["kl"] == 0.0
    _, info = grpo_loss(logp, logp, old, adv, mask, clip_eps=0.2, beta=0.1)
    assert info["kl"] > 0


def digit_share(completions, items):
    """A reward with spread on random text: the share of digits in the completion."""
    return [sum(ch.isdigit() for ch in c) / max(1, len(c)) for c in completions]


def test_three_grpo_steps_move_the_policy(hand_data, tiny_model_dir, tmp_path):
    cfg = load_config(GRPOConfig, None, tiny_overrides(hand_data, tiny_model_dir, tmp_path) + [
        "train.max_steps=3", "grpo.group_size=4", "grpo.max_new_tokens=12", "grpo.beta=0.04", "optim.lr=1e-2",
        "grpo.iterations=2"])
    lines = []
    r = run_grpo(cfg, log=lines.append, reward_fn=digit_share)
    assert r["steps"] == 3 and len(r["history"]) == 3
    assert sum(1 for s in lines if s.startswith("step=") and " loss=" in s and " reward=" in s) == 3
    assert any(h["reward_std"] > 0 for h in r["history"])
    before = load_file(str(tiny_model_dir / "model.safetensors"))
    after = load_file(str(tmp_path / "final" / "model.safetensors"))
    changed = {param_group(n) for n in after if not torch.equal(after[n], before[n])}
    assert changed == {"experts", "routers"}


def test_grpo_with_the_progressive_reward(hand_data, tiny_model_dir, tmp_path):
    cfg = load_config(GRPOConfig, None, tiny_overrides(hand_data, tiny_model_dir, tmp_path) + [
        "train.max_steps=1", "grpo.group_size=2", "grpo.max_new_tokens=8", "grpo.trainable={fusion: true}"])
    r = run_grpo(cfg, log=lambda s: None)
    row = r["history"][0]
    assert {"reward", "format", "answer", "semantics", "scale", "kl"} <= set(row)
    assert r["trainable"].keys() == {"experts", "routers", "fusion"}
