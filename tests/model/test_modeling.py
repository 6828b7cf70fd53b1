import numpy as np
import pytest
import torch

from model_helpers import make_model, randomise_experts


def test_forward_backward_generate_with_video(tok, inputs):
    model = make_model(tok)
    model.train()
    labels = inputs["input_ids"].clone()
    labels[inputs["mm_token_type_ids"] > 0] = -100
    out = model(**inputs, labels=labels)
    assert out.logits.shape[:2] == inputs["input_ids"].shape
    assert torch.isfinite(out.loss)
    out.loss.backward()
    fusion_grad = model.model.fusion.blocks[0].q_proj.weight.grad
    assert fusion_grad is not None and fusion_grad.abs().sum() > 0
    model.eval()
    gen = model.generate(**inputs, max_new_tokens=6, do_sample=False)
    n = inputs["input_ids"].shape[1]
    assert gen.shape[0] == 1 and n < gen.shape[1] <= n + 6
    assert torch.equal(gen[:, : inputs["input_ids"].shape[1]], inputs["input_ids"])


def test_generate_uses_fused_tokens_and_prompt_routing(tok, inputs):
    """generate pre-encodes the video (through the fusion) and decodes with a cache; its first-step logits
    equal a plain forward over the prompt, and later steps reuse the prompt's routing."""
    model = make_model(tok, seed=3)
    randomise_experts(model)
    with torch.no_grad():
        for layer in model.model.language_model.layers:
            torch.nn.init.normal_(layer.scale_router.fc2.weight, std=0.5)
        ref = model(**inputs)
    gen = model.generate(**inputs, max_new_tokens=3, do_sample=False, output_logits=True,
                         return_dict_in_generate=True)
    assert torch.allclose(gen.logits[0], ref.logits[:, -1], atol=1e-4)
    gates = torch.stack([layer.self_attn.q_proj.gate.weights for layer in model.model.language_model.layers], 1)
    assert torch.allclose(gates, ref.router_weights, atol=1e-6)
    without_dense = {k: v for k, v in inputs.items() if k != "dense_pixel_values"}
    with torch.no_grad():
        plain = model(**without_dense).logits[:, -1]
    assert not torch.allclose(gen.logits[0], plain, atol=1e-4)


def test_batch_of_videos_with_different_sizes(tok, frames):
    from spacevista.model.processing import build_inputs, collate

    rng = np.random.default_rng(9)
    other = [rng.integers(0, 256, (90, 60, 3), dtype=np.uint8) for _ in range(4)]
    a = build_inputs(tok, frames, "Which is closer?", max_pixels=56 * 84)
    b = build_inputs(tok, other, "How tall is it?", max_pixels=84 * 56)
    assert a["dense_pixel_values"].shape[1:] != b["dense_pixel_values"].shape[1:]
    batch = collate([a, b], tok.pad_token_id)
    assert isinstance(batch["dense_pixel_values"], list)
    model = make_model(tok, seed=4)
    with torch.no_grad():
        both = model(**batch).logits
        single = model(**b).logits
    assert torch.allclose(both[1, -3:], single[0, -3:], atol=1e-4)


def test_fusion_changes_video_tokens_only(tok, inputs):
    model = make_model(tok)
    base = model.model
    plain = base.get_video_features(inputs["pixel_values_videos"], inputs["video_grid_thw"]).pooler_output[0]
    fused = base.get_video_features(inputs["pixel_values_videos"], inputs["video_grid_thw"],
                                    dense_pixel_values=inputs["dense_pixel_values"]).pooler_output[0]
    assert fused.shape == plain.shape
    assert not torch.allclose(fused, plain)


def test_plain_configuration_equals_qwen(tok, inputs):
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    model = make_model(tok, use_dense=False, num_experts=0)
    cfg = model.config.to_dict()
    qcfg = Qwen2_5_VLConfig(text_config=cfg["text_config"], vision_config=cfg["vision_config"],
                            image_token_id=cfg["image_token_id"], video_token_id=cfg["video_token_id"],
                            vision_start_token_id=cfg["vision_start_token_id"],
                            vision_end_token_id=cfg["vision_end_token_id"])
    qwen = Qwen2_5_VLForConditionalGeneration(qcfg).eval()
    qwen.load_state_dict(model.state_dict(), strict=True)
    kw = {k: v for k, v in inputs.items() if k != "dense_pixel_values"}
    with torch.no_grad():
        a = model(**kw).logits
        b = qwen(**kw).logits
    assert torch.allclose(a, b, atol=1e-6, rtol=0)
    # fresh experts are the identity (B = 0): same logits with experts switched on
    with_experts = make_model(tok, use_dense=False)
    with_experts.load_state_dict(model.state_dict(), strict=False)
    with torch.no_grad():
        c = with_experts(**kw).logits
    assert torch.allclose(c, b, atol=1e-6, rtol=0)


def test_hard_routing_equals_single_peft_lora(tok, inputs):
    from peft import LoraConfig, get_peft_model

    from spacevista.model.experts import ExpertLinear

    model = make_model(tok, use_dense=False, expert_routing="hard")
    randomise_experts(model, scale=0.1)
    k = 2
    base = make_model(tok, use_dense=False, num_experts=0)
    base.load_state_dict(model.state_dict(), strict=False)
    targets = model.config.expert_target_modules
    lcfg = LoraConfig(r=model.config.expert_rank, lora_alpha=model.config.expert_alpha, lora_dropout=0.0,
                      target_modules=rf".*language_model\.layers\.\d+\.(self_attn|mlp)\.({'|'.join(targets)})")
    peft_model = get_peft_model(base, lcfg).eval()
    experts = dict(model.named_modules())
    n = 0
    with torch.no_grad():
        for name, mod in peft_model.named_modules():
            if hasattr(mod, "lora_A") and "default" in getattr(mod, "lora_A", {}):
                ours = experts[name.removeprefix("base_model.model.")]
                assert isinstance(ours, ExpertLinear)
                mod.lora_A["default"].weight.copy_(ours.expert_A[k])
                mod.lora_B["default"].weight.copy_(ours.expert_B[:, k, :])
                n += 1
    assert n == len(targets) * model.config.text_config.num_hidden_layers
    kw = {key: v for key, v in inputs.items() if key != "dense_pixel_values"}
    with torch.no_grad():
        ours_logits = model(**kw, scale_ids=torch.tensor([k])).logits
        peft_logits = peft_model(**kw).logits
        other = model(**kw, scale_ids=torch.tensor([0])).logits
    assert torch.allclose(ours_logits, peft_logits, atol=1e-5, rtol=0)
    assert not torch.allclose(other, peft_logits, atol=1e-4)


def test_router_weights_sum_to_one_per_layer_and_ignore_padding(tok, frames):
    from spacevista.model.processing import build_inputs, collate

    model = make_model(tok, use_dense=False)
    with torch.no_grad():
        for layer in model.model.language_model.layers:
            torch.nn.init.normal_(layer.scale_router.fc2.weight, std=0.5)
    a = build_inputs(tok, frames, "Short?", max_pixels=56 * 84, dense=False)
    b = build_inputs(tok, frames[:2], "A much longer question about the distance between two chairs?",
                     max_pixels=56 * 84, dense=False)
    batch = collate([a, b], tok.pad_token_id)
    with torch.no_grad():
        out = model(**batch)
        single = model(**a)
    w = out.router_weights
    assert w.shape == (2, model.config.text_config.num_hidden_layers, 4)
    assert torch.allclose(w.sum(-1), torch.ones(2, w.shape[1]), atol=1e-6)
    assert torch.allclose(w[0], single.router_weights[0], atol=1e-4)
    assert not torch.allclose(w[0], w[1], atol=1e-4)


def test_router_losses(tok, inputs):
    model = make_model(tok, use_dense=False, router_aux_loss_coef=1.0, router_balance_loss_coef=0.5)
    kw = {k: v for k, v in inputs.items() if k != "dense_pixel_values"}
    labels = kw["input_ids"].clone()
    out = model(**kw, labels=labels, scale_ids=torch.tensor([2]))
    # a fresh router is uniform: cross-entropy log K, balance 0 for a batch of one uniform item
    assert torch.allclose(out.router_loss, torch.tensor(np.log(4.0), dtype=torch.float32), atol=1e-5)
    assert torch.allclose(out.loss, out.lm_loss + out.router_loss)


def test_hard_routing_needs_scale_ids(tok, inputs):
    model = make_model(tok, use_dense=False, expert_routing="hard")
    kw = {k: v for k, v in inputs.items() if k != "dense_pixel_values"}
    with pytest.raises(ValueError, match="scale_ids"):
        model(**kw)
    with pytest.raises(ValueError, match="scale_ids"):
        model(**kw, scale_ids=torch.tensor([4]))


def test_expert_linear_equals_loop_over_experts():
    from spacevista.model.experts import ExpertGate, ExpertLinear

    torch.manual_seed(0)
    lin = ExpertLinear(12, 10, True, num_experts=3, rank=2, scaling=1.5)
    torch.nn.init.normal_(lin.expert_B)
    lin.gate = ExpertGate()
    x = torch.randn(2, 5, 12)
    g = torch.softmax(torch.randn(2, 3), -1)
    lin.gate.weights = g
    expected = x @ lin.weight.T + lin.bias
    for k in range(3):
        expected = expected + g[:, k].view(2, 1, 1) * 1.5 * (x @ lin.expert_A[k].T @ lin.expert_B[:, k, :].T)
    assert torch.allclose(lin(x), expected, atol=1e-5)


def test_save_load_identical_logits(tok, inputs, tmp_path):
    from spacevista.model.modeling import SpaceVistaForConditionalGeneration

    model = make_model(tok, seed=5)
    randomise_experts(model)
    with torch.no_grad():
        for layer in model.model.language_model.layers:
            torch.nn.init.normal_(layer.scale_router.fc2.weight, std=0.5)
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    back = SpaceVistaForConditionalGeneration.from_pretrained(tmp_path).eval()
    with torch.no_grad():
        a = model(**inputs).logits
        b = back(**inputs).logits
    assert torch.equal(a, b)


def test_from_qwen_folder(tok, inputs, tmp_path):
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    from spacevista.model.modeling import SpaceVistaForConditionalGeneration

    ref = make_model(tok, use_dense=False, num_experts=0)
    cfg = ref.config.to_dict()
    qcfg = Qwen2_5_VLConfig(text_config=cfg["text_config"], vision_config=cfg["vision_config"],
                            video_token_id=cfg["video_token_id"], image_token_id=cfg["image_token_id"],
                            vision_start_token_id=cfg["vision_start_token_id"],
                            vision_end_token_id=cfg["vision_end_token_id"])
    qwen = Qwen2_5_VLForConditionalGeneration(qcfg).eval()
    qwen.save_pretrained(tmp_path / "qwen")
    dense_cfg = make_model(tok).config.dense_config
    from transformers import DINOv3ViTModel

    DINOv3ViTModel(dense_cfg).save_pretrained(tmp_path / "dino")
    model = SpaceVistaForConditionalGeneration.from_qwen(tmp_path / "qwen", tmp_path / "dino",
                                                         fusion_num_heads=4, dense_merger_hidden_size=64,
                                                         expert_rank=4, router_hidden_size=16).eval()
    sd = qwen.state_dict()
    for name, p in model.named_parameters():
        if name in sd:
            assert torch.equal(p, sd[name]), name
    assert torch.isfinite(model.model.language_model.layers[0].self_attn.q_proj.expert_A).all()
    assert model.model.language_model.layers[0].self_attn.q_proj.expert_B.abs().sum() == 0
    with torch.no_grad():
        out = model(**inputs)
    assert torch.isfinite(out.logits).all()


def test_grouped_sampling_with_hard_routing(tok, inputs):
    """GRPO-style groups: num_return_sequences expands the fused video tokens and the scale labels."""
    model = make_model(tok, seed=6, expert_routing="hard")
    torch.manual_seed(0)
    gen = model.generate(**inputs, max_new_tokens=3, do_sample=True, num_return_sequences=3,
                         scale_ids=torch.tensor([3]))
    n = inputs["input_ids"].shape[1]
    assert gen.shape[0] == 3 and torch.equal(gen[:, :n], inputs["input_ids"].expand(3, -1))


def test_gradient_checkpointing_matches_plain_backward(tok, inputs):
    grads = []
    for checkpointing in (False, True):
        model = make_model(tok, seed=8)
        randomise_experts(model)
        model.train()
        if checkpointing:
            model.gradient_checkpointing_enable()
        model(**inputs, labels=inputs["input_ids"], use_cache=False).loss.backward()
        layer = model.model.language_model.layers[1]
        grads.append((layer.scale_router.fc2.weight.grad.clone(), layer.mlp.down_proj.expert_A.grad.clone()))
    for a, b in zip(*grads):
        assert torch.allclose(a, b, atol=1e-6)


def test_bfloat16_forward(tok, inputs):
    model = make_model(tok, seed=8).to(torch.bfloat16)
    kw = {k: (v.to(torch.bfloat16) if v.is_floating_point() else v) for k, v in inputs.items()}
    with torch.no_grad():
        out = model(**kw)
    assert out.logits.dtype == torch.bfloat16 and torch.isfinite(out.logits).all()


def test_model_wise_router_shares_one_routing(tok, inputs):
    model = make_model(tok, use_dense=False, router_scope="model", expert_target_modules=["v_proj", "down_proj"])
    layers = model.model.language_model.layers
    assert hasattr(layers[0], "scale_router") and not hasattr(layers[1], "scale_router")
    kw = {k: v for k, v in inputs.items() if k != "dense_pixel_values"}
    with torch.no_grad():
        out = model(**kw)
    assert out.router_weights.shape == (1, 1, 4)
    assert torch.allclose(out.router_weights.sum(-1), torch.ones(1, 1))
    assert layers[0].mlp.down_proj.gate is layers[1].self_attn.v_proj.gate
    model.set_routing("hard")
    with torch.no_grad():
        hard = model(**kw, scale_ids=torch.tensor([2]))
    assert hard.router_weights.shape == (1, 2, 4) and hard.router_weights[0, :, 2].eq(1).all()
