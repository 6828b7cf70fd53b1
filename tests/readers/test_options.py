"""Typed reader options: one frozen dataclass per reader, coerced, validated, and named in errors."""

import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest

from spacevista.errors import SceneError
from spacevista.readers import READERS, ReaderOptionError, read_source, reader_options, validate_options
from spacevista.scene import Scale

from .helpers import CX, CY, FX, FY, random_rigid, rng, write_rgb


def _rgbd_folder(root: Path, n: int = 4) -> Path:
    g = rng(5)
    for i in range(n):
        write_rgb(root / f"frame-{i:06d}.color.png", g)
        np.savetxt(root / f"frame-{i:06d}.pose.txt", random_rigid(g))
    np.savetxt(root / "camera-intrinsics.txt", np.array([[FX, 0, CX], [0, FY, CY], [0, 0, 1]]))
    return root


@pytest.mark.parametrize("name", READERS.names())
def test_every_reader_has_frozen_options_that_name_it(name):
    options_cls = READERS.get(name).Options
    assert options_cls.reader == name
    opts = options_cls()
    assert pickle.loads(pickle.dumps(opts)) == opts
    for f in dataclasses.fields(opts):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(opts, f.name, getattr(opts, f.name))


def test_unknown_option_names_reader_and_option(tmp_path):
    _rgbd_folder(tmp_path)
    with pytest.raises(ReaderOptionError) as e:
        read_source(tmp_path, strde=2)
    assert e.value.reader == "rgbd_folder" and e.value.option == "strde"
    assert "rgbd_folder reader" in str(e.value) and "'strde'" in str(e.value) and "stride" in str(e.value)
    assert isinstance(e.value, SceneError) and isinstance(e.value, ValueError)


@pytest.mark.parametrize("name, given, option, words", [
    ("rgbd_folder", {"stride": 0}, "stride", "must be >= 1, got 0"),
    ("scannet", {"num_frames": "many"}, "num_frames", "must be an integer, got 'many'"),
    ("scannet", {"resolution": "rgb"}, "resolution", "must be one of 'color', 'depth'"),
    ("scannet", {"annotated_only": "no"}, "annotated_only", "must be true or false"),
    ("co3d", {"scale": "galactic"}, "scale", "is not a scale"),
    ("colmap", {"metric_scale": -1.0}, "metric_scale", "must be > 0"),
    ("video", {"num_frames": 8, "fps": 2.0}, "fps", "cannot be given with 'num_frames'"),
    ("video", {"stride": 2}, "stride", "unknown reader option"),
    ("video", {"cache_format": "gif"}, "cache_format", "must be one of 'jpg', 'png'"),
    ("native", {"num_frames": 4}, "num_frames", "unknown reader option"),
    ("nerfstudio", {"up": "sideways"}, "up", "must be one of 'auto'"),
])
def test_invalid_value_names_reader_and_option(name, given, option, words):
    with pytest.raises(ReaderOptionError) as e:
        reader_options(name, given)
    assert (e.value.reader, e.value.option) == (name, option)
    assert str(e.value).startswith(f"{name} reader: ") and words in str(e.value)


def test_values_are_coerced_without_loss():
    opts = reader_options("co3d", {"stride": "3", "num_frames": 4.0, "scene_id": 7, "scale": Scale.TINY,
                                   "metric_scale": 2})
    assert (opts.stride, opts.num_frames, opts.scene_id, opts.scale, opts.metric_scale) == (3, 4, "7", "tiny", 2.0)
    assert reader_options("colmap", {"images": Path("/data/images")}).images == "/data/images"
    assert reader_options("wildrgbd", {"scale": "table"}).scale == "tabletop"  # an alias, made canonical
    with pytest.raises(ReaderOptionError, match="must be an integer, got 2.5"):
        reader_options("co3d", {"stride": 2.5})
    with pytest.raises(ReaderOptionError, match="must be an integer, got True"):
        reader_options("co3d", {"num_frames": True})


def test_defaults_are_each_readers_own():
    assert reader_options("wildrgbd").scale == "tabletop" and reader_options("uco3d").scale == "tiny"
    assert reader_options("scannet").scale == "indoor" and reader_options("scannet").annotated_only is None
    assert reader_options("arkitscenes").max_time_offset == 0.005
    assert reader_options("video").cache_format == "jpg"


def test_options_reach_the_reader(tmp_path):
    _rgbd_folder(tmp_path, n=6)
    scene = read_source(tmp_path, stride="2", scale="table", scene_id="renamed")
    assert scene.metadata["source_frame_ids"] == ["000000", "000002", "000004"]
    assert scene.id == "renamed" and scene.scale is Scale.TABLETOP


def test_auto_format_checks_names_only():
    validate_options("auto", {"stride": 2, "fps": 1.0})  # each taken by some reader
    with pytest.raises(ReaderOptionError, match="no reader takes option\\(s\\) 'strde'") as e:
        validate_options("auto", {"strde": 2})
    assert e.value.option == "strde"
    with pytest.raises(ReaderOptionError, match="video reader"):
        validate_options("video", {"stride": 2})
