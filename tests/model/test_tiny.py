import torch

from spacevista.model.experts import expert_parameter_report


def test_save_tiny_folder_loads_with_tokenizer(tmp_path, frames):
    from transformers import AutoTokenizer

    from spacevista.model.modeling import SpaceVistaForConditionalGeneration
    from spacevista.model.processing import build_inputs
    from spacevista.model.tiny import build_tiny, save_tiny

    path = save_tiny(tmp_path / "tiny", seed=4)
    assert (path / "model.safetensors").is_file() and (path / "tokenizer.json").is_file()
    tok = AutoTokenizer.from_pretrained(str(path))
    model = SpaceVistaForConditionalGeneration.from_pretrained(str(path)).eval()
    again, _ = build_tiny(seed=4)
    inp = build_inputs(tok, frames, "Where is the cup?", max_pixels=56 * 84)
    with torch.no_grad():
        assert torch.equal(model(**inp).logits, again(**inp).logits)
    assert tok.convert_tokens_to_ids("<|video_pad|>") == model.config.video_token_id


def test_parameter_report_counts_experts(tok):
    from model_helpers import make_model

    model = make_model(tok, use_dense=False)
    rep = expert_parameter_report(model, model.config.expert_names)
    cfg = model.config.text_config
    r = model.config.expert_rank
    h, i = cfg.hidden_size, cfg.intermediate_size
    kv = cfg.num_key_value_heads * (h // cfg.num_attention_heads)
    per_layer = r * ((h + h) + (h + kv) * 2 + (h + h) + (h + i) * 2 + (i + h))
    assert rep["per_expert"]["tiny"] == per_layer * cfg.num_hidden_layers
    assert set(rep["per_expert"]) == {"tiny", "tabletop", "indoor", "outdoor"}


def test_meta_count_equals_allocated_count(tok):
    from model_helpers import make_model
    from spacevista.model.params import count_parameters

    model = make_model(tok)
    counted = count_parameters(model.config)
    assert counted["total"] == sum(p.numel() for p in model.parameters())
    assert counted["per_expert"] == expert_parameter_report(model)["per_expert"]["expert0"]


def test_auto_classes_load_a_saved_folder(tmp_path):
    from transformers import AutoConfig, AutoModelForImageTextToText

    from spacevista.model.modeling import SpaceVistaForConditionalGeneration, register_auto_classes
    from spacevista.model.tiny import save_tiny

    path = save_tiny(tmp_path / "m", seed=2, num_experts=2, expert_names=["near", "far"])
    register_auto_classes()
    register_auto_classes()  # idempotent
    assert AutoConfig.from_pretrained(str(path)).expert_names == ["near", "far"]
    assert isinstance(AutoModelForImageTextToText.from_pretrained(str(path)), SpaceVistaForConditionalGeneration)
