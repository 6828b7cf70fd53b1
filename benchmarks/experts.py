"""Forward+backward time of scale experts against one PEFT LoRA and PEFT's X-LoRA, on one model.

Model: Qwen2.5-VL with LLM hidden 256, 4 layers (tiny vision tower), a batch of video prompts, one CPU
thread. Contenders (all rank 8 on q,k,v,o,gate,up,down of every LLM layer, base frozen):
  lora     one PEFT LoRA adapter
  experts  SpaceVista's 4 stacked experts mixed by per-layer routers (one pass)
  xlora    PEFT X-LoRA over 4 saved LoRA adapters (its router needs a second pass)
Last line: ``experts/xlora=R1 experts/lora=R2``.

Run: ``.venv/bin/python benchmarks/experts.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
LLM_TARGET_REGEX = rf".*language_model\.layers\.\d+\.(self_attn|mlp)\.({'|'.join(TARGETS)})"


def bench_config(num_experts: int):
    from spacevista.model.tiny import tiny_config

    ids = {"image_token_id": 500, "video_token_id": 501, "vision_start_token_id": 502, "vision_end_token_id": 503,
           "eos_token_id": 504, "pad_token_id": 505}
    text = dict(hidden_size=256, intermediate_size=1024, num_hidden_layers=4, num_attention_heads=4,
                num_key_value_heads=2,
                rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [8, 12, 12]})
    return tiny_config(vocab_size=512, special_ids=ids, text_overrides=text, use_dense=False,
                       num_experts=num_experts, expert_rank=8, expert_alpha=16.0, router_hidden_size=64)


def make_batch(batch: int, seq: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """``batch`` prompts of ``seq`` tokens, each with a 4-frame 112x112 video (2x4x4 patches -> 8 tokens)."""
    rng = np.random.default_rng(seed)
    grid = (2, 8, 8)
    n_video = grid[0] * grid[1] * grid[2] // 4
    ids = rng.integers(0, 500, (batch, seq))
    ids[:, 4:4 + n_video] = 501
    ids[:, 3], ids[:, 4 + n_video] = 502, 503
    input_ids = torch.from_numpy(ids).long()
    return {
        "input_ids": input_ids,
        "attention_mask": torch.ones_like(input_ids),
        "mm_token_type_ids": (input_ids == 501).long() * 2,
        "pixel_values_videos": torch.from_numpy(rng.standard_normal((batch * grid[0] * grid[1] * grid[2], 1176),
                                                                    dtype=np.float32)),
        "video_grid_thw": torch.tensor([grid] * batch),
        "labels": input_ids.clone(),
    }


def fwd_bwd(model, batch: dict) -> float:
    """Seconds of one forward+backward."""
    t0 = time.perf_counter()
    model(**batch).loss.backward()
    dt = time.perf_counter() - t0
    model.zero_grad(set_to_none=True)
    return dt


def interleaved_medians(models: dict, batch: dict, repeats: int) -> dict[str, float]:
    """Median forward+backward seconds per model, the models timed in turn each round (one warm-up round) so
    that load from other processes on a shared machine hits them alike."""
    for m in models.values():
        m.train()
    times: dict[str, list[float]] = {k: [] for k in models}
    for r in range(repeats + 1):
        for name, m in models.items():
            dt = fwd_bwd(m, batch)
            if r:
                times[name].append(dt)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    args = ap.parse_args()
    torch.set_num_threads(1)

    from peft import LoraConfig, XLoraConfig, get_peft_model
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    from spacevista.model.experts import ExpertLinear
    from spacevista.model.freeze import apply_freeze_plan
    from spacevista.model.modeling import SpaceVistaForConditionalGeneration

    batch = make_batch(args.batch, args.seq)
    torch.manual_seed(0)
    ours = SpaceVistaForConditionalGeneration(bench_config(4))
    base_cfg = ours.config.to_dict()

    def plain() -> Qwen2_5_VLForConditionalGeneration:
        q = Qwen2_5_VLForConditionalGeneration(Qwen2_5_VLConfig(
            text_config=base_cfg["text_config"], vision_config=base_cfg["vision_config"],
            image_token_id=500, video_token_id=501, vision_start_token_id=502, vision_end_token_id=503))
        q.load_state_dict(ours.state_dict(), strict=False)
        return q

    lora_cfg = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=LLM_TARGET_REGEX)
    with tempfile.TemporaryDirectory() as tmp:
        # four saved adapters holding the same A/B as our four experts
        adapters = {}
        for k in range(4):
            m = get_peft_model(plain(), lora_cfg)
            named = dict(ours.named_modules())
            with torch.no_grad():
                for name, mod in m.named_modules():
                    if hasattr(mod, "lora_A") and "default" in getattr(mod, "lora_A", {}):
                        e = named[name.removeprefix("base_model.model.")]
                        assert isinstance(e, ExpertLinear)
                        mod.lora_A["default"].weight.copy_(e.expert_A[k])
                        mod.lora_B["default"].weight.copy_(e.expert_B[:, k, :])
            adapters[str(k)] = str(Path(tmp) / f"adapter{k}")
            m.save_pretrained(adapters[str(k)])
        lora = get_peft_model(plain(), lora_cfg)
        xcfg = XLoraConfig(task_type="CAUSAL_LM", hidden_size=256, adapters=adapters, xlora_depth=2,
                           layerwise_scalings=True, softmax_temperature=0.2)
        xlora = get_peft_model(plain(), xcfg)
        apply_freeze_plan(ours, "grpo")  # expert A/B and routers train, everything else frozen

        n_lora = sum(p.numel() for p in lora.parameters() if p.requires_grad)
        n_ours = sum(p.numel() for p in ours.parameters() if p.requires_grad)
        n_x = sum(p.numel() for p in xlora.parameters() if p.requires_grad)
        med = interleaved_medians({"lora": lora, "experts": ours, "xlora": xlora}, batch, args.repeats)
    print(f"batch {args.batch} x {args.seq} tokens (video {batch['video_grid_thw'][0].tolist()}), LLM hidden 256, "
          f"4 layers, rank 8, 1 thread, median of {args.repeats}, interleaved")
    print(f"lora     fwd+bwd {med['lora']:.3f} s  trainable {n_lora:,}")
    print(f"experts  fwd+bwd {med['experts']:.3f} s  trainable {n_ours:,} (4 experts + routers)")
    print(f"xlora    fwd+bwd {med['xlora']:.3f} s  trainable {n_x:,} (X-LoRA classifier)")
    print(f"experts/xlora={med['experts'] / med['xlora']:.2f} experts/lora={med['experts'] / med['lora']:.2f}")


if __name__ == "__main__":
    main()
