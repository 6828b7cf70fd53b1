import pytest
import torch

from model_helpers import make_model, randomise_experts
from spacevista.model.freeze import GROUPS, apply_freeze_plan, param_group

EXPECTED = {
    "sft": {"dense_merger", "fusion", "experts"},
    "experts": {"experts"},
    "router": {"routers"},
    "grpo": {"experts", "routers"},
}


@pytest.mark.parametrize("stage", sorted(EXPECTED))
def test_only_planned_groups_get_gradients(tok, inputs, stage):
    model = make_model(tok, seed=2)
    randomise_experts(model)  # nonzero B so that expert A and the routers receive gradient
    report = apply_freeze_plan(model, stage)
    for g in GROUPS:
        if g in EXPECTED[stage]:
            assert report[g]["trainable"] > 0 and report[g]["frozen"] == 0, g
        else:
            assert report[g]["trainable"] == 0, g
    model.train()
    labels = inputs["input_ids"].clone()
    out = model(**inputs, labels=labels, scale_ids=torch.tensor([1]))
    out.loss.backward()
    got = set()
    for name, p in model.named_parameters():
        if p.grad is not None:
            assert p.requires_grad, name
            if p.grad.abs().sum() > 0:
                got.add(param_group(name))
        else:
            assert not p.requires_grad or param_group(name) == "experts", name
    assert got == EXPECTED[stage]
    if stage == "experts":
        assert model.config.expert_routing == "hard"


def test_sft_can_train_the_llm(tok):
    model = make_model(tok, use_dense=False)
    report = apply_freeze_plan(model, "sft", train_llm=True)
    assert report["llm"]["frozen"] == 0 and report["vision_tower"]["trainable"] == 0
    assert report["visual_merger"]["trainable"] == 0


def test_unknown_stage_and_group():
    model = torch.nn.Linear(2, 2)
    with pytest.raises(ValueError, match="stage"):
        apply_freeze_plan(model, "pretrain")
    with pytest.raises(ValueError, match="groups"):
        apply_freeze_plan(model, "sft", vision=True)
    with pytest.raises(ValueError, match="dense encoder"):
        apply_freeze_plan(model, "sft", dense_encoder=True)
