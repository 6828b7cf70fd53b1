"""SFT recipe on a tiny random model and hand-made data (CPU)."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file

from spacevista.model.freeze import param_group
from spacevista.train.config import SFTConfig, load_config
from spacevista.train.data import ItemDataset, collate_items, load_sft_items
from spacevista.train.sft import run_sft

from conftest import tiny_overrides


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


def _cfg(data, model, out, *extra):
    return load_config(SFTConfig, None, tiny_overrides(data, model, out) + list(extra))


def test_labels_cover_the_assistant_turn_and_batches_pad(hand_data, tiny_model_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    cfg = _cfg(hand_data, tiny_model_dir, hand_data / "unused").data
    items = load_sft_items(cfg)
    assert len(items) == 8 and "<semantics>cup</semantics><scale>1 m</scale><answer>2</answer>" in items[0].target
    ds = ItemDataset(items, tok, cfg)
    a, b = ds[0], ds[1]
    labelled = a["input_ids"][a["labels"] != -100]
    assert tok.decode(labelled).startswith("<think>the cup</think>")
    assert tok.decode(labelled).rstrip().endswith("<|im_end|>")
    batch = collate_items([a, b], tok.pad_token_id)
    assert batch["input_ids"].shape[0] == 2 and batch["scale_ids"].tolist() == [0, 1]
    assert batch["video_grid_thw"].shape == (2, 3)


def test_sft_overfits_eight_items(hand_data, tiny_model_dir, tmp_path):
    cfg = _cfg(hand_data, tiny_model_dir, tmp_path, "stages=[sft]", "model.llm=full", "optim.lr=5e-3",
               "optim.min_lr_ratio=1.0", "optim.warmup_ratio=0", "train.max_steps=30", "train.batch_size=8")
    lines = []
    (result,) = run_sft(cfg, log=lines.append)
    losses = result["losses"]
    assert len(losses) == 30
    assert sum(losses[-3:]) / 3 <= 0.2 * losses[0], losses
    assert any(line.startswith("stage=sft step=30 loss=") for line in lines)
    assert (tmp_path / "sft" / "final" / "model.safetensors").is_file()


def test_each_stage_changes_only_its_trainable_parameters(hand_data, tiny_model_dir, tmp_path):
    cfg = _cfg(hand_data, tiny_model_dir, tmp_path, "optim.lr=1e-2", "optim.warmup_ratio=0", "train.max_steps=2",
               "train.batch_size=8")
    results = run_sft(cfg, log=lambda s: None)
    expected = {"sft": {"dense_merger", "fusion", "experts"}, "experts": {"experts"}, "router": {"routers"}}
    before = _weights(tiny_model_dir)
    for r in results:
        after = _weights(Path(r["final"]))
        assert set(after) == set(before)
        changed = {n for n in after if not torch.equal(after[n], before[n])}
        groups = {param_group(n) for n in changed}
        assert groups == expected[r["stage"]], (r["stage"], groups)
        assert set(r["trainable"]) == expected[r["stage"]]
        if r["stage"] == "experts":  # hard routing: every expert index present in the data moved
            moved = {k for n in changed for k in range(4)
                     if ".expert_B" in n and not torch.equal(after[n][:, k], before[n][:, k])}
            assert moved == {0, 1, 2, 3}
        before = after


def test_lora_llm_is_merged_into_the_saved_weights(hand_data, tiny_model_dir, tmp_path):
    cfg = _cfg(hand_data, tiny_model_dir, tmp_path, "stages=[sft]", "model.llm=lora", "model.lora_rank=4",
               "optim.lr=1e-2", "optim.warmup_ratio=0", "train.max_steps=2", "train.batch_size=8")
    (r,) = run_sft(cfg, log=lambda s: None)
    assert r["trainable"]["llm"] > 0
    before, after = _weights(tiny_model_dir), _weights(Path(r["final"]))
    assert set(after) == set(before)  # no adapter tensors left: a plain SpaceVista folder
    name = "model.language_model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(before[name], after[name])
    assert torch.equal(before["model.language_model.embed_tokens.weight"], after["model.language_model.embed_tokens.weight"])


def test_resume_gives_the_same_weights(hand_data, tiny_model_dir, tmp_path):
    common = ["stages=[sft]", "model.llm=full", "optim.lr=1e-2", "train.max_steps=3", "train.batch_size=2",
              "train.grad_accum=2", "train.save_every=1", "train.keep_checkpoints=1"]
    (full,) = run_sft(_cfg(hand_data, tiny_model_dir, tmp_path / "a", *common), log=lambda s: None)
    (part,) = run_sft(_cfg(hand_data, tiny_model_dir, tmp_path / "b", *common, "train.stop_after=1"),
                      log=lambda s: None)
    assert part["stopped"] and part["steps"] == 1
    assert not (tmp_path / "b" / "sft" / "final").exists()
    assert [p.name for p in (tmp_path / "b" / "sft").glob("checkpoint-*")] == ["checkpoint-1"]
    lines = []
    (rest,) = run_sft(_cfg(hand_data, tiny_model_dir, tmp_path / "b", *common, "train.resume=auto"), log=lines.append)
    assert any("resumed" in s and "step=1" in s for s in lines)
    assert rest["losses"] == full["losses"][1:]
    a, b = _weights(Path(full["final"])), _weights(Path(rest["final"]))
    assert all(torch.equal(a[n], b[n]) for n in a)
