"""``spacevista train sft|grpo`` with the shipped tiny configs on a small demo dataset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from spacevista.cli import main

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    from spacevista.engine.build.demo import DemoConfig, run_demo

    out = tmp_path_factory.mktemp("demo")
    run_demo(out, DemoConfig(scenes_per_scale=1, frames=4, width=96, height=72, workers=1))
    return out


def test_train_sft_and_grpo_commands(demo_data, tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["train", "sft", "--config", str(CONFIGS / "tiny-sft.yaml"), f"data.root={demo_data}",
                               f"output_dir={tmp_path / 'sft'}", "stages=[sft, router]",
                               "stage_max_steps={sft: 2, router: 2}"])
    assert res.exit_code == 0, res.output
    steps = re.findall(r"stage=(\w+) step=(\d+) loss=([\d.]+)", res.output)
    assert [(s, n) for s, n, _ in steps] == [("sft", "1"), ("sft", "2"), ("router", "1"), ("router", "2")]
    final = tmp_path / "sft" / "router" / "final"
    assert (final / "model.safetensors").is_file()

    res = runner.invoke(main, ["train", "grpo", "--config", str(CONFIGS / "tiny-grpo.yaml"), f"data.root={demo_data}",
                               f"output_dir={tmp_path / 'grpo'}", f"model.path={final}", "train.max_steps=2",
                               "grpo.max_new_tokens=8"])
    assert res.exit_code == 0, res.output
    assert len(re.findall(r"^step=\d+ loss=-?[\d.]+ reward=[\d.]+", res.output, re.M)) == 2
    assert (tmp_path / "grpo" / "final" / "model.safetensors").is_file()


def test_bad_override_is_a_clean_error(tmp_path):
    res = CliRunner().invoke(main, ["train", "sft", "--config", str(CONFIGS / "tiny-sft.yaml"), "optim.lr=-1"])
    assert res.exit_code != 0 and "optim.lr" in res.output and "Traceback" not in res.output
