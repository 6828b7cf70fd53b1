"""Reader options in a build: checked when the build is configured, carried as plain data."""

import json
import pickle

import pytest
from click.testing import CliRunner

from spacevista.cli import main
from spacevista.engine.build.stages import BuildConfig
from spacevista.readers import ReaderOptionError, reader_options


def test_options_round_trip_through_pickling_and_the_config_dict(tmp_path):
    cfg = BuildConfig(out=str(tmp_path), seed=3, fmt="scannet",
                      options={"num_frames": 16, "stride": 2, "resolution": "depth", "annotated_only": False})
    typed = reader_options(cfg.fmt, cfg.options)
    assert (typed.num_frames, typed.stride, typed.resolution, typed.annotated_only) == (16, 2, "depth", False)
    for back in (pickle.loads(pickle.dumps(cfg)), BuildConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))):
        assert back == cfg
        assert reader_options(back.fmt, back.options) == typed
    assert pickle.loads(pickle.dumps(typed)) == typed


@pytest.mark.parametrize("fmt, options, reader, option", [
    ("native", {"num_frames": 8}, "native", "num_frames"),
    ("nerfstudio", {"downscale": 0}, "nerfstudio", "downscale"),
    ("auto", {"metric_scael": 2}, "", "metric_scael"),
])
def test_config_refuses_bad_options_before_reading(tmp_path, fmt, options, reader, option):
    with pytest.raises(ReaderOptionError) as e:
        BuildConfig(out=str(tmp_path), fmt=fmt, options=options)
    assert (e.value.reader, e.value.option) == (reader, option)


def test_cli_names_reader_and_option(tmp_path):
    res = CliRunner().invoke(main, ["build", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"),
                                    "--format", "colmap", "--option", "metric_scale=-2"])
    assert res.exit_code == 2, res.output
    assert "colmap reader" in res.output and "'metric_scale' must be > 0" in res.output
    assert not (tmp_path / "out").exists()
