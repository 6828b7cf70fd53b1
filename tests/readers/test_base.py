import pickle

import numpy as np
import pytest

from spacevista.errors import SceneError
from spacevista.readers import READERS, detect_format, read_source
from spacevista.errors import PoseError
from spacevista.readers.base import DepthRemap, FrameLog, file_here_or_above, numeric_rows, select_indices

from .helpers import CX, CY, FX, FY, H, W, random_rigid, rng, write_rgb, write_u16

ALL = ["arkitscenes", "co3d", "colmap", "native", "nerfstudio", "rgbd_folder", "scannet", "scannetpp", "uco3d",
       "video", "wildrgbd"]


def test_registry_lists_every_reader():
    assert READERS.names() == ALL
    for name, reader in READERS.items():
        assert callable(reader.detect) and callable(reader.read) and reader.scales


@pytest.mark.parametrize("name", ALL)
def test_every_reader_rejects_an_empty_folder_with_a_scene_error(tmp_path, name):
    empty = tmp_path / "empty_scene"
    empty.mkdir()
    assert not READERS.get(name).detect(empty)
    with pytest.raises(SceneError) as e:
        read_source(empty, format=name)
    assert e.value.file and "empty_scene" in e.value.file and e.value.reason


def test_unknown_format_name(tmp_path):
    with pytest.raises(SceneError, match="unknown format 'ply'"):
        read_source(tmp_path, format="ply")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SceneError, match="unknown format: no reader recognises it"):
        detect_format(tmp_path)


def test_scene_with_lazy_loaders_pickles(tmp_path):
    g = rng(31)
    for i in range(2):
        write_rgb(tmp_path / f"frame-{i:06d}.color.png", g)
        write_u16(tmp_path / f"frame-{i:06d}.depth.png", np.full((H, W), 1000))
        np.savetxt(tmp_path / f"frame-{i:06d}.pose.txt", random_rigid(g))
    np.savetxt(tmp_path / "camera-intrinsics.txt", np.array([[FX, 0, CX], [0, FY, CY], [0, 0, 1]]))
    scene = read_source(tmp_path)
    copy = pickle.loads(pickle.dumps(scene))
    np.testing.assert_array_equal(copy.frames[1].rgb(), scene.frames[1].rgb())
    assert copy.frames[0].depth()[0, 0] == pytest.approx(1.0)


def test_select_indices_and_rigid_check():
    assert select_indices(10) == list(range(10))
    assert select_indices(10, stride=3) == [0, 3, 6, 9]
    assert select_indices(10, num_frames=3) == [0, 4, 9]  # linspace 0, 4.5, 9 rounds half to even
    T = random_rigid(rng(1))
    np.testing.assert_array_equal(FrameLog("s").pose(T, "f"), T)
    shear = T.copy()
    shear[0, 1] += 0.1
    with pytest.raises(PoseError, match="not a rigid transform"):
        FrameLog("s").pose(shear, "pose.txt")
    with pytest.raises(PoseError, match="non-finite"):
        FrameLog("s").pose(np.full((4, 4), np.nan), "pose.txt")


def test_depth_remap_identity_and_scaling():
    K = np.array([[FX, 0, CX], [0, FY, CY], [0, 0, 1.0]])
    same = DepthRemap(K, (W, H), K, (W, H))
    d = np.arange(W * H, dtype=np.float32).reshape(H, W)
    assert same.identity and same(d) is d
    up = DepthRemap(np.diag([0.5, 0.5, 1]) @ K, (W // 2, H // 2), K, (W, H))
    small = np.arange((W // 2) * (H // 2), dtype=np.float32).reshape(H // 2, W // 2)
    big = up(small)
    assert big.shape == (H, W) and big[10, 14] == small[5, 7]


def test_numeric_rows_skip_blank_lines_and_name_the_bad_line(tmp_path):
    table = tmp_path / "poses.txt"
    table.write_text("1 2 3\n\n4 5 6\n")
    assert numeric_rows("s", table, 3, "3 numbers") == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    table.write_text("1 2 3\n4 5\n")
    with pytest.raises(SceneError, match="line 2: expected 3 numbers, found 2"):
        numeric_rows("s", table, 3, "3 numbers")
    table.write_text("1 2 x\n")
    with pytest.raises(SceneError, match="line 1: not numeric"):
        numeric_rows("s", table, 3, "3 numbers")


def test_scaled_depth_remap_and_shared_file_lookup(tmp_path):
    K = np.array([[FX, 0, CX], [0, FY, CY], [0, 0, 1.0]])
    scaled = DepthRemap.scaled(K, (W, H), (W // 2, H // 2))
    explicit = DepthRemap(np.diag([0.5, 0.5, 1]) @ K, (W // 2, H // 2), K, (W, H))
    small = np.arange((W // 2) * (H // 2), dtype=np.float32).reshape(H // 2, W // 2)
    np.testing.assert_array_equal(scaled(small), explicit(small))
    seq = tmp_path / "seq"
    seq.mkdir()
    (tmp_path / "camera-intrinsics.txt").write_text("shared")
    assert file_here_or_above(seq, "camera-intrinsics.txt") == tmp_path / "camera-intrinsics.txt"
    (seq / "camera-intrinsics.txt").write_text("own")
    assert file_here_or_above(seq, "missing.txt", "camera-intrinsics.txt") == seq / "camera-intrinsics.txt"
    assert file_here_or_above(seq, "missing.txt") is None
