"""GRPO: the objective's pieces, and three steps of the recipe on a tiny random model (CPU)."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from spacevista.model.freeze import param_group
from spacevista.train.config import GRPOConfig, load_config
from spacevista.train.grpo import completion_mask, group_advantages, grpo_loss, run_grpo

from train_helpers import tiny_overrides


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
        "train.max_steps=1", "grpo.group_size=2", "grpo.max_new_tokens=8", "grpo.trainable={fusion: true}",
        "grpo.prompts_per_step=2"])
    r = run_grpo(cfg, log=lambda s: None)
    row = r["history"][0]
    assert {"reward", "format", "answer", "semantics", "scale", "kl"} <= set(row)
    assert r["trainable"].keys() == {"experts", "routers", "fusion"}
    assert r["samples_per_second"] > 0 and r["history"][0]["completion_len"] > 0


def test_grpo_resume_gives_the_same_weights(hand_data, tiny_model_dir, tmp_path):
    common = tiny_overrides(hand_data, tiny_model_dir, tmp_path) + [
        "train.max_steps=3", "grpo.group_size=2", "grpo.max_new_tokens=6", "optim.lr=1e-2", "train.save_every=1"]
    full = run_grpo(load_config(GRPOConfig, None, common + [f"output_dir={tmp_path / 'a'}"]), log=lambda s: None,
                    reward_fn=digit_share)
    part = run_grpo(load_config(GRPOConfig, None, common + [f"output_dir={tmp_path / 'b'}", "train.stop_after=1"]),
                    log=lambda s: None, reward_fn=digit_share)
    assert part["stopped"] and not (tmp_path / "b" / "final").exists()
    rest = run_grpo(load_config(GRPOConfig, None, common + [f"output_dir={tmp_path / 'b'}", "train.resume=auto"]),
                    log=lambda s: None, reward_fn=digit_share)
    assert [h["reward"] for h in rest["history"]] == [h["reward"] for h in full["history"][1:]]
    a = load_file(str(tmp_path / "a" / "final" / "model.safetensors"))
    b = load_file(str(tmp_path / "b" / "final" / "model.safetensors"))
    assert all(torch.equal(a[n], b[n]) for n in a)


def test_one_update_raises_the_better_completion(hand_data, tiny_model_dir):
    """The objective's direction: after one GRPO update the completion with the higher reward gains
    log-probability relative to the one with the lower reward."""
    from transformers import AutoTokenizer

    from spacevista.model.freeze import apply_freeze_plan
    from spacevista.model.modeling import SpaceVistaForConditionalGeneration
    from spacevista.train.data import ItemDataset, load_grpo_items
    from spacevista.train.grpo import PROMPT_KEYS, group_inputs, sample_group, token_logprobs

    cfg = load_config(GRPOConfig, None, tiny_overrides(hand_data, tiny_model_dir, hand_data) + [
        "grpo.group_size=4", "grpo.max_new_tokens=6"])
    tok = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    model = SpaceVistaForConditionalGeneration.from_pretrained(str(tiny_model_dir)).eval()
    apply_freeze_plan(model, "grpo", llm=True)
    enc = ItemDataset(load_grpo_items(cfg.data), tok, cfg.data, with_target=False)[0]
    prompt = {k: v for k, v in enc.items() if k in PROMPT_KEYS}
    torch.manual_seed(0)
    eos = tok.convert_tokens_to_ids("<|im_end|>")
    completion, mask = sample_group(model, prompt, cfg, eos, tok.pad_token_id)
    inputs = group_inputs(prompt, completion, mask)
    n = completion.shape[1]

    def seq_logp():
        with torch.no_grad():
            return (token_logprobs(model, inputs, n, 1.0) * mask).sum(1)

    before = seq_logp()
    adv = group_advantages(torch.tensor([1.0, 0.0, 0.0, 0.0]), scale=True)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    logp = token_logprobs(model, inputs, n, 1.0)
    loss, _ = grpo_loss(logp, logp.detach(), None, adv, mask, 0.2, 0.0)
    loss.backward()
    opt.step()
    gain = seq_logp() - before
    assert gain[0] > gain[1:].max()
