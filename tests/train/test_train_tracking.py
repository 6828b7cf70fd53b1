"""Training tracked and evaluated: TensorBoard event files with the loss (SFT), reward and KL (GRPO),
learning rate and throughput per step, and the held-out score of ``train.eval_every``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from spacevista.train.config import GRPOConfig, SFTConfig, load_config
from spacevista.train.data import TrainItem, load_grpo_items, load_sft_items
from spacevista.train.evaluate import HeldOutEval, held_out_split, score_replies
from spacevista.train.grpo import run_grpo
from spacevista.train.sft import run_sft

from train_helpers import tiny_overrides


def scalars(logdir: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar curve of the event files in ``logdir``: tag -> [(step, value)]."""
    assert list(logdir.glob("events.out.tfevents.*")), f"no event file in {logdir}"
    acc = EventAccumulator(str(logdir))
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_sft_writes_loss_lr_throughput_and_eval_curves(hand_data, tiny_model_dir, tmp_path):
    cfg = load_config(SFTConfig, None, tiny_overrides(hand_data, tiny_model_dir, tmp_path) + [
        "stages=[sft]", "train.max_steps=4", "train.batch_size=2", "train.eval_every=2", "train.eval_items=2",
        "train.eval_max_new_tokens=8"])
    lines: list[str] = []
    (r,) = run_sft(cfg, log=lines.append)
    curves = scalars(tmp_path / "sft" / "logs")
    assert [s for s, _ in curves["loss"]] == [1, 2, 3, 4]
    assert [round(v, 4) for _, v in curves["loss"]] == [round(x, 4) for x in r["losses"]]
    assert len(curves["lr"]) == 4 and all(v > 0 for _, v in curves["tokens_per_s"])
    assert [s for s, _ in curves["eval/score"]] == [2, 4] and all(0 <= v <= 1 for _, v in curves["eval/score"])
    assert "eval/format" in curves
    assert [e["step"] for e in r["evals"]] == [2, 4]
    assert json.loads((tmp_path / "sft" / "metrics.json").read_text())["evals"] == r["evals"]
    assert any("items=6 held_out=2" in ln for ln in lines)
    assert sum(ln.startswith("stage=sft step=") and " eval score=" in ln for ln in lines) == 2


def digit_share(completions, items):
    """A reward with spread on random text: the share of digits in the completion."""
    return [sum(ch.isdigit() for ch in c) / max(1, len(c)) for c in completions]


def test_grpo_writes_reward_kl_and_eval_curves(hand_data, tiny_model_dir, tmp_path):
    cfg = load_config(GRPOConfig, None, tiny_overrides(hand_data, tiny_model_dir, tmp_path) + [
        "train.max_steps=3", "grpo.group_size=4", "grpo.max_new_tokens=8", "train.eval_every=2",
        "train.eval_items=2", "train.eval_max_new_tokens=8"])
    r = run_grpo(cfg, log=lambda s: None, reward_fn=digit_share)
    curves = scalars(tmp_path / "grpo" / "logs")
    assert [round(v, 5) for _, v in curves["reward"]] == [round(h["reward"], 5) for h in r["history"]]
    assert {"loss", "kl", "reward_std", "clip_frac", "completion_len", "lr", "tokens_per_s"} <= set(curves)
    assert [s for s, _ in curves["eval/score"]] == [2, 3]  # every 2 steps, and at the last


def test_progressive_reward_parts_are_logged_apart(hand_data, tiny_model_dir, tmp_path):
    cfg = load_config(GRPOConfig, None, tiny_overrides(hand_data, tiny_model_dir, tmp_path) + [
        "train.max_steps=1", "grpo.group_size=2", "grpo.max_new_tokens=4"])
    run_grpo(cfg, log=lambda s: None)
    assert {"reward/format", "reward/answer", "reward/scale"} <= set(scalars(tmp_path / "grpo" / "logs"))


def test_tracker_none_writes_no_logs(hand_data, tiny_model_dir, tmp_path):
    cfg = load_config(SFTConfig, None, tiny_overrides(hand_data, tiny_model_dir, tmp_path) + [
        "stages=[sft]", "train.max_steps=1", "train.tracker=none"])
    run_sft(cfg, log=lambda s: None)
    assert (tmp_path / "sft" / "final").is_dir() and not (tmp_path / "sft" / "logs").exists()


def test_bad_tracker_is_a_config_error():
    with pytest.raises(ValueError, match="train.tracker must be tensorboard, wandb or none"):
        load_config(SFTConfig, None, ["train.tracker=mlflow"])


def test_held_out_split_is_stratified_and_left_out(hand_data):
    cfg = load_config(GRPOConfig, None, [f"data.root={hand_data}"])
    items = load_grpo_items(cfg.data)
    train, held = held_out_split(items, 3, seed=0)
    assert len(held) == 3 and len(train) == 5 and not {it.id for it in train} & {it.id for it in held}
    assert len({it.scale for it in held}) == 3
    assert held_out_split(items, 3, seed=0) == (train, held)
    with pytest.raises(ValueError, match="would leave none"):
        held_out_split(items, 8, seed=0)
    bare = [TrainItem(id=str(i), prompt="q", frames=["f"], scale="indoor") for i in range(4)]
    with pytest.raises(ValueError, match="no training item has an answer"):
        held_out_split(bare, 1, seed=0)


def test_score_replies_uses_the_evaluation_scorer(hand_data):
    items = load_grpo_items(load_config(GRPOConfig, None, [f"data.root={hand_data}"]).data)[:2]  # numerical, mc
    right = [f"<think>t</think><answer>{it.answer}</answer>" for it in items]
    assert score_replies(items, right)["eval/score"] == 1.0
    assert score_replies(items, ["<answer>999</answer>", "<answer>A</answer>"])["eval/score"] == 0.0


def test_held_out_eval_restores_mode_and_routing(hand_data, tiny_model_dir, monkeypatch):
    from accelerate import Accelerator

    from spacevista.model.backend import TransformersBackend
    from spacevista.model.modeling import SpaceVistaForConditionalGeneration

    model = SpaceVistaForConditionalGeneration.from_pretrained(str(tiny_model_dir))
    model.set_routing("hard")
    model.train()
    seen = {}

    def answer(self, prompts):  # the item's own answer: the plumbing, not the tiny model, is tested
        seen["routing"], seen["training"] = self.model.config.expert_routing, self.model.training
        seen["frames"] = [len(p.images) for p in prompts]
        return [f"<answer>{by_id[p.id].answer}</answer>" for p in prompts]

    monkeypatch.setattr(TransformersBackend, "answer", answer)
    cfg = load_config(SFTConfig, None, tiny_overrides(hand_data, tiny_model_dir, hand_data / "unused"))
    items = load_sft_items(cfg.data)[:3]
    by_id = {it.id: it for it in items}
    scores = HeldOutEval(items, cfg.data, None, 8)(model, Accelerator(cpu=True))
    assert scores["eval/score"] == 1.0
    assert seen == {"routing": "router", "training": False, "frames": [4, 4, 4]}
    assert model.config.expert_routing == "hard" and model.training
