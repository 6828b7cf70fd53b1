"""Run folders: rerunning a stage over an earlier run is refused with the reason unless --overwrite;
with it, later SFT stages trained from the replaced weights are moved aside as stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from spacevista.cli import main
from spacevista.train.config import SFT_STAGES
from spacevista.train.runs import RunFolderExists, prepare_grpo_folder, prepare_sft_folders

from train_helpers import tiny_overrides

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def _stage(out: Path, name: str) -> None:
    (out / name / "final").mkdir(parents=True)
    (out / name / "metrics.json").write_text("{}")


def test_rerun_of_a_stage_is_refused_naming_it_and_its_dependents(tmp_path: Path):
    for s in SFT_STAGES:
        _stage(tmp_path, s)
    with pytest.raises(RunFolderExists) as e:
        prepare_sft_folders(tmp_path, ["sft"], SFT_STAGES, None, False, print)
    msg = str(e.value)
    assert f"{tmp_path / 'sft'} (final/, metrics.json) holds an earlier run" in msg
    assert "stage experts" in msg and "stage router" in msg and "stale" in msg and "--overwrite" in msg
    assert all((tmp_path / s / "final").is_dir() for s in SFT_STAGES)  # nothing touched


def test_overwrite_clears_the_stage_and_moves_dependents_aside(tmp_path: Path):
    for s in SFT_STAGES:
        _stage(tmp_path, s)
    lines: list[str] = []
    prepare_sft_folders(tmp_path, ["sft"], SFT_STAGES, None, True, lines.append)
    assert not (tmp_path / "sft").exists()
    for s in ("experts", "router"):
        assert not (tmp_path / s).exists()
        assert (tmp_path / "stale" / s / "final").is_dir()
        assert "retrained" in (tmp_path / "stale" / s / "STALE.txt").read_text()
    assert sum("moved to" in ln for ln in lines) == 2 and any("removing" in ln for ln in lines)


def test_rerunning_only_the_last_stage_leaves_earlier_ones(tmp_path: Path):
    for s in SFT_STAGES:
        _stage(tmp_path, s)
    prepare_sft_folders(tmp_path, ["router"], SFT_STAGES, None, True, print)
    assert (tmp_path / "sft" / "final").is_dir() and (tmp_path / "experts" / "final").is_dir()
    assert not (tmp_path / "stale").exists() and not (tmp_path / "router").exists()


def test_a_resumed_stage_and_the_ones_before_it_are_the_runs_own(tmp_path: Path):
    _stage(tmp_path, "sft")
    (tmp_path / "experts" / "checkpoint-2").mkdir(parents=True)
    prepare_sft_folders(tmp_path, list(SFT_STAGES), SFT_STAGES, "experts", False, print)  # no refusal
    _stage(tmp_path, "router")
    with pytest.raises(RunFolderExists, match="stage router"):
        prepare_sft_folders(tmp_path, list(SFT_STAGES), SFT_STAGES, "experts", False, print)


def test_grpo_folder(tmp_path: Path):
    (tmp_path / "tiny-init").mkdir()
    prepare_grpo_folder(tmp_path, False, False, print)  # a tiny model written there is not a run
    (tmp_path / "grpo" / "checkpoint-2").mkdir(parents=True)
    (tmp_path / "final").mkdir()
    with pytest.raises(RunFolderExists, match=r"final/, grpo/checkpoint-2/"):
        prepare_grpo_folder(tmp_path, False, False, print)
    prepare_grpo_folder(tmp_path, True, False, print)  # resuming it
    prepare_grpo_folder(tmp_path, False, True, print)
    assert not (tmp_path / "final").exists() and not (tmp_path / "grpo").exists()
    assert (tmp_path / "tiny-init").is_dir()


def test_cli_refuses_a_rerun_and_overwrites_on_request(hand_data, tiny_model_dir, tmp_path):
    out = tmp_path / "run"
    common = ["train", "sft", "--config", str(CONFIGS / "tiny-sft.yaml"),
              *tiny_overrides(hand_data, tiny_model_dir, out), "stage_max_steps={sft: 1, experts: 1, router: 1}", "train.save_every=0", "train.eval_every=0"]
    runner = CliRunner()
    res = runner.invoke(main, common + ["stages=[sft, router]"])
    assert res.exit_code == 0, res.output
    old = (out / "sft" / "final" / "model.safetensors").stat().st_mtime_ns
    res = runner.invoke(main, common + ["stages=[sft]"])
    assert res.exit_code == 1 and "refusing to train over an earlier run" in res.output
    assert str(out / "sft") in res.output and "stage router" in res.output and "Traceback" not in res.output
    assert (out / "sft" / "final" / "model.safetensors").stat().st_mtime_ns == old
    res = runner.invoke(main, common[:2] + ["--overwrite"] + common[2:] + ["stages=[sft]"])
    assert res.exit_code == 0, res.output
    assert "moved to" in res.output and (out / "stale" / "router" / "final").is_dir()
    assert not (out / "router").exists() and (out / "sft" / "final" / "model.safetensors").is_file()

    grpo = ["train", "grpo", "--config", str(CONFIGS / "tiny-grpo.yaml"),
            *tiny_overrides(hand_data, out / "sft" / "final", tmp_path / "g"), "train.max_steps=1",
            "train.save_every=0", "train.eval_every=0", "grpo.max_new_tokens=4", "grpo.group_size=2"]
    assert runner.invoke(main, grpo).exit_code == 0
    res = runner.invoke(main, grpo)
    assert res.exit_code == 1 and "refusing to train over an earlier run" in res.output
    res = runner.invoke(main, grpo[:2] + ["--overwrite"] + grpo[2:])
    assert res.exit_code == 0, res.output
