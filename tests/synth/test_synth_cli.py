from click.testing import CliRunner

from spacevista.io.native import read_scene
from spacevista.cli.synth import synth


def test_synth_command_writes_native_scenes(tmp_path):
    res = CliRunner().invoke(synth, ["--scale", "tiny", "--n", "2", "--out", str(tmp_path), "--seed", "5",
                                     "--frames", "2", "--width", "32", "--height", "24"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["synth-tiny-0005", "synth-tiny-0006"]
    scene = read_scene(tmp_path / "synth-tiny-0006")
    assert len(scene.frames) == 2 and scene.frames[0].rgb().shape == (24, 32, 3)
    assert scene.has_ground_truth and scene.metadata["relations"]
    assert "wrote 2 scenes" in res.output


def test_synth_command_rejects_bad_scale(tmp_path):
    res = CliRunner().invoke(synth, ["--scale", "galaxy", "--out", str(tmp_path)])
    assert res.exit_code != 0 and "galaxy" in res.output


def test_synth_command_handheld_capture(tmp_path):
    res = CliRunner().invoke(synth, ["--scale", "outdoor", "--out", str(tmp_path), "--seed", "2", "--capture",
                                     "handheld", "--frames", "7", "--width", "32", "--height", "24"])
    assert res.exit_code == 0, res.output
    scene = read_scene(tmp_path / "synth-outdoor-0002")
    assert len(scene.frames) == 7 and "(7 frames" in res.output
    assert scene.metadata["capture"]["mode"] == "handheld" and scene.metadata["capture"]["path"] == "street walk"
    assert scene.frames[1].timestamp == 1 / scene.metadata["capture"]["fps"]


def test_synth_command_default_is_the_clip(tmp_path):
    res = CliRunner().invoke(synth, ["--scale", "tiny", "--out", str(tmp_path), "--width", "16", "--height", "12"])
    assert res.exit_code == 0, res.output
    scene = read_scene(tmp_path / "synth-tiny-0000")
    assert len(scene.frames) == 16 and scene.metadata["capture"] == {"mode": "clip", "fps": 2.0, "frames": 16}
