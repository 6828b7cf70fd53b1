"""The native scene format through the reader registry: detected and read like any other source."""

import numpy as np
import pytest

from spacevista.errors import SceneError
from spacevista.io.native import write_scene
from spacevista.readers import detect_format, read_source
from spacevista.synth.generate import generate_scene


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    scene = generate_scene("tabletop", seed=4, n_frames=3, width=40, height=30)
    return scene, write_scene(scene, tmp_path_factory.mktemp("native"))


def test_native_folder_is_detected_and_read_through_read_source(written):
    scene, path = written
    assert detect_format(path) == "native"
    back = read_source(path)
    assert back.id == scene.id and back.source == "synth" and back.root == path
    assert len(back.frames) == len(scene.frames) and len(back.objects) == len(scene.objects)
    np.testing.assert_array_equal(back.frames[2].rgb(), scene.frames[2].rgb())
    np.testing.assert_array_equal(back.frames[1].pose, scene.frames[1].pose)


def test_native_is_detected_before_the_layouts_its_folders_resemble(written, tmp_path):
    """A native folder that also holds a 7-Scenes pose file is still native."""
    _, path = written
    np.savetxt(path / "frame-000000.pose.txt", np.eye(4))
    try:
        assert detect_format(path) == "native"
    finally:
        (path / "frame-000000.pose.txt").unlink()


def test_named_native_format_on_a_folder_without_header(tmp_path):
    (tmp_path / "rgb").mkdir()
    with pytest.raises(SceneError, match="missing scene.json") as e:
        read_source(tmp_path, format="native")
    assert e.value.file.endswith("scene.json")
