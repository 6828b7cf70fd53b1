"""The demo's realistic perception mode: provenance, validation and the CLI option."""

import json

import pytest
from click.testing import CliRunner

from spacevista.cli.demo import demo
from spacevista.engine.build.demo import DemoConfig, run_demo
from spacevista.perception.realistic import RealisticConfig


def test_demo_realistic_records_provenance_and_cli_option(tmp_path):
    common = dict(scenes_per_scale=1, frames=4, width=96, height=72, workers=1, scales=("tabletop",),
                  tasks=("object_size", "absolute_distance", "object_counting"))
    report = run_demo(tmp_path / "r", DemoConfig(**common, perception="realistic", depth_error=0.05))
    assert report["qa_count"] > 0 and not report["errors"]
    rec = json.loads((tmp_path / "r" / "qa.jsonl").read_text().splitlines()[0])
    assert rec["provenance"]["perception"] == {"mode": "realistic", **RealisticConfig(depth_error=0.05).to_dict()}
    with pytest.raises(ValueError, match="depth_error"):
        DemoConfig(perception="realistic", depth_error=0.9)
    with pytest.raises(ValueError, match="realistic"):
        DemoConfig(perception="magic")
    res = CliRunner().invoke(demo, ["--out", str(tmp_path / "c"), "--perception", "realistic", "--depth-error",
                                    "0.1", "--scenes-per-scale", "1", "--frames", "2", "--width", "64", "--height",
                                    "48", "--workers", "1", "--scale", "tabletop", "--task", "object_counting"])
    assert res.exit_code == 0, res.output
    config = json.loads((tmp_path / "c" / "report.json").read_text())["config"]
    assert config["perception"] == "realistic" and config["depth_error"] == 0.1
