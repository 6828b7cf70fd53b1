"""Bringing your own data: a build whose sources hold no scene says what each lacks and writes nothing."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner
from PIL import Image

from spacevista.cli import main
from spacevista.engine.build.discover import what_is_missing


def test_images_without_poses_are_named_and_nothing_is_written(tmp_path):
    src = tmp_path / "photos"
    src.mkdir()
    for i in range(3):
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(src / f"{i:05d}.jpg")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["build", str(src), "--out", str(out)])
    assert res.exit_code != 0
    assert "3 images with no camera poses and intrinsics" in res.output
    assert "nothing written" in res.output
    assert not out.exists()


def test_a_typo_in_the_source_writes_nothing(tmp_path):
    res = CliRunner().invoke(main, ["build", str(tmp_path / "scnes"), "--out", str(tmp_path / "out")])
    assert res.exit_code != 0 and ("no such file or folder" in res.output or "does not exist" in res.output)
    assert not (tmp_path / "out").exists()


def test_what_is_missing_names_the_gap(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "empty" in what_is_missing(tmp_path / "empty")
    posed = tmp_path / "posed"
    posed.mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(posed / "a.png")
    (posed / "frame-000000.pose.txt").write_text("1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n")
    assert "no camera intrinsics" in what_is_missing(posed)
    (tmp_path / "notes.txt").write_text("x")
    assert "no reader recognises" in what_is_missing(tmp_path / "notes.txt")
