import pytest

from spacevista.model.config import SpaceVistaConfig
from spacevista.model.tiny import tiny_config


def test_defaults_follow_the_paper():
    cfg = SpaceVistaConfig()
    assert cfg.num_experts == 4 and cfg.expert_rank == 8
    assert cfg.expert_names == ["tiny", "tabletop", "indoor", "outdoor"]
    assert cfg.fusion_num_heads == 8 and cfg.fusion_num_layers == 1
    assert cfg.dense_config.hidden_size == 1024 and cfg.dense_config.patch_size == 16
    assert cfg.expert_target_modules == ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    assert cfg.expert_scaling == 2.0


@pytest.mark.parametrize("field,value,words", [
    ("fusion_num_heads", 5, "fusion_num_heads"),
    ("num_experts", -1, "num_experts"),
    ("expert_routing", "soft", "expert_routing"),
    ("expert_target_modules", ["qkv"], "expert_target_modules"),
    ("router_temperature", 0.0, "router_temperature"),
    ("expert_rank", 0, "expert_rank"),
])
def test_invalid_fields_are_named(field, value, words):
    with pytest.raises(ValueError, match=words):
        tiny_config(**{field: value})


def test_round_trip(tmp_path):
    cfg = tiny_config(num_experts=3, expert_names=["a", "b", "c"], use_dense=False)
    cfg.save_pretrained(tmp_path)
    back = SpaceVistaConfig.from_pretrained(tmp_path)
    assert back.num_experts == 3 and back.expert_names == ["a", "b", "c"]
    assert back.use_dense is False and back.dense_config is None
    assert back.text_config.hidden_size == 64
