"""Configs: YAML + dotted overrides, validation with the offending key named, shipped files load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacevista.train.config import GRPOConfig, SFTConfig, apply_overrides, load_config
from spacevista.train.loop import cosine_with_warmup

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_overrides_nest_and_parse_yaml_values():
    d = apply_overrides({"optim": {"lr": 1.0}}, ["optim.lr=0.5", "stages=[sft, router]", "model.llm=lora",
                                                  "train.resume=auto", "data.scales=[tiny]"])
    assert d == {"optim": {"lr": 0.5}, "stages": ["sft", "router"], "model": {"llm": "lora"},
                 "train": {"resume": "auto"}, "data": {"scales": ["tiny"]}}
    # YAML reads 1e-4 as text; number fields accept it
    cfg = load_config(SFTConfig, None, ["optim.lr=1e-4", "train.mixed_precision=no", "stages=[router]"])
    assert cfg.optim.lr == 1e-4 and cfg.train.mixed_precision == "no" and cfg.stages == ["router"]


@pytest.mark.parametrize("override,message", [
    ("optim.lr=-1", "optim.lr"), ("stages=[sft, warmup]", "warmup"), ("model.llm=half", "model.llm"),
    ("train.batch_size=0", "batch_size"), ("optim.lrr=1", "optim.lrr"), ("train.epochs=abc", "train.epochs"),
    ("data.min_pixels=999999", "min_pixels"), ("train.mixed_precision=fp8", "mixed_precision"),
])
def test_bad_values_name_the_key(override, message):
    with pytest.raises(ValueError, match=message):
        load_config(SFTConfig, None, [override])


def test_grpo_validation():
    with pytest.raises(ValueError, match="group_size"):
        load_config(GRPOConfig, None, ["grpo.group_size=1"])
    with pytest.raises(ValueError, match="rewards.scale_threshold|scale_threshold"):
        load_config(GRPOConfig, None, ["rewards.scale_threshold=2"])


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml") if not p.name.startswith("accelerate")))
def test_shipped_configs_load(name):
    cls = GRPOConfig if "grpo" in name else SFTConfig
    cfg = load_config(cls, CONFIGS / name)
    if name.startswith(("3b", "7b")):
        assert cfg.model.path != "tiny" and cfg.deepspeed == "configs/zero2.json"
        if cls is SFTConfig:
            assert cfg.optim.lr == 5e-7 and cfg.optim.warmup_ratio == 0.1 and cfg.train.epochs == 2
        else:
            assert (cfg.optim.lr, cfg.optim.weight_decay, cfg.grpo.group_size, cfg.grpo.temperature,
                    cfg.grpo.max_new_tokens) == (1e-6, 0.01, 8, 1.0, 1024)


def test_zero2_config_is_stage_two():
    ds = json.loads((CONFIGS / "zero2.json").read_text())
    assert ds["zero_optimization"]["stage"] == 2 and ds["bf16"]["enabled"] in (True, "auto")


def test_cosine_with_warmup():
    total, warm = 100, 10
    assert cosine_with_warmup(0, warm, total) == pytest.approx(1 / 11)
    assert cosine_with_warmup(10, warm, total) == pytest.approx(1.0)
    assert cosine_with_warmup(55, warm, total) == pytest.approx(0.5)
    assert cosine_with_warmup(100, warm, total, 0.1) == pytest.approx(0.1)
