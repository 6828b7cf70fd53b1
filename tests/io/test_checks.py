"""The checks every reader shares: rounded poses corrected, bad ones named, the frame-drop rule."""

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from spacevista.errors import (DuplicateFrameError, IntrinsicsError, PoseError, SceneError, TooFewFramesError,
                               UnsafePathError)
from spacevista.io.checks import POSE_TOL, FrameLog, check_camera, inside, rigid_pose


def _pose(rotvec=(0.4, -0.9, 0.2), t=(1.0, -2.0, 0.5)) -> np.ndarray:
    T = np.eye(4)
    T[:3, :3] = Rotation.from_rotvec(rotvec).as_matrix()
    T[:3, 3] = t
    return T


def test_exact_pose_is_returned_unchanged():
    T = _pose()
    out, correction = rigid_pose(T, "s", "pose.txt")
    assert correction == 0.0 and np.array_equal(out, T)


def test_pose_rounded_to_four_decimals_is_reorthonormalised():
    T = _pose()
    rounded = np.round(T, 4)
    assert np.abs(rounded[:3, :3].T @ rounded[:3, :3] - np.eye(3)).max() > 1e-5  # the old checks' tolerance
    out, correction = rigid_pose(rounded, "s", "pose.txt")
    R = out[:3, :3]
    np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-12)
    assert np.linalg.det(R) == pytest.approx(1.0)
    assert 0 < correction < 1e-4
    np.testing.assert_allclose(out, T, atol=1e-4)
    np.testing.assert_array_equal(out[:3, 3], rounded[:3, 3])  # the translation is left as written


def test_scaled_pose_is_refused_with_a_named_error():
    T = _pose()
    T[:3, :3] *= 1.1
    with pytest.raises(PoseError, match="not a rigid transform: max .R\\^T R - I. = 0.21 exceeds 0.01") as e:
        rigid_pose(T, "s", "frame-000003.pose.txt", "000003")
    assert e.value.frame == "000003" and e.value.file == "frame-000003.pose.txt"
    assert "frame 000003" in str(e.value) and isinstance(e.value, SceneError)


@pytest.mark.parametrize("bad, reason", [
    (np.diag([1.0, 1.0, -1.0, 1.0]), "determinant -1"),
    (np.diag([0.0, 0.0, 0.0, 1.0]), "determinant 0"),
    (np.full((4, 4), np.nan), "non-finite"),
    (np.eye(3), "must be 4x4"),
    ([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0.1, 1]], "bottom row"),
    ("not a pose", "not a numeric matrix"),
])
def test_other_bad_poses(bad, reason):
    with pytest.raises(PoseError, match=reason):
        rigid_pose(bad, "s", "f")


def test_error_just_inside_the_tolerance_is_corrected_and_just_outside_refused():
    T = _pose()
    for factor, ok in ((1 + 0.45 * POSE_TOL, True), (1 + 0.55 * POSE_TOL, False)):
        S = T.copy()
        S[:3, :3] *= factor  # |R^T R - I| = factor^2 - 1, about 2 (factor - 1)
        if ok:
            out, correction = rigid_pose(S, "s", "f")
            assert correction == pytest.approx(np.abs(out[:3, :3] - S[:3, :3]).max())
        else:
            with pytest.raises(PoseError):
                rigid_pose(S, "s", "f")


def test_camera_checks():
    K = np.array([[30.0, 0, 15.5], [0, 28.0, 11.5], [0, 0, 1]])
    assert check_camera(K, 32, 24, "s", "k.txt").cx == 15.5
    off = K.copy()
    off[0, 2] = -0.4 * 32  # cropped images: the principal point may lie a little outside
    assert check_camera(off, 32, 24, "s", "k.txt").cx == pytest.approx(-12.8)
    far = K.copy()
    far[0, 2] = 10000
    with pytest.raises(IntrinsicsError, match="frame 7: principal point \\(10000, 11.5\\) lies outside the 320x24"):
        check_camera(far, 320, 24, "s", "k.txt", 7)
    neg = K.copy()
    neg[1, 1] = -1
    with pytest.raises(IntrinsicsError, match="focal lengths must be positive"):
        check_camera(neg, 32, 24, "s", "k.txt")
    nan = K.copy()
    nan[0, 0] = np.nan
    with pytest.raises(IntrinsicsError, match="non-finite"):
        check_camera(nan, 32, 24, "s", "k.txt")
    with pytest.raises(IntrinsicsError, match="intrinsics are for 64x24 but the image is 32x24"):
        check_camera(K, 32, 24, "s", "k.txt", declared=(64, 24))


def test_inside(tmp_path):
    assert inside(tmp_path, "rgb/0.png", "s", "scene.json") == tmp_path / "rgb/0.png"
    assert inside(tmp_path, str(tmp_path / "rgb/0.png"), "s", "scene.json") == tmp_path / "rgb/0.png"
    for name in ("../../etc/passwd", "/etc/passwd", "rgb/../../x.png", Path("..") / tmp_path.name / ".." / "x"):
        with pytest.raises(UnsafePathError, match="leaves the scene folder"):
            inside(tmp_path, name, "s", "scene.json")


def _reader(bad: set[int], skip: set[int] = frozenset()):
    def read_one(i: int, index: int):
        if i in skip:
            return None
        if i in bad:
            raise SceneError("s", f"{i}.png", "unreadable image")
        return index
    return read_one


def test_one_bad_frame_of_ten_is_dropped_and_recorded():
    log = FrameLog("s")
    frames, kept = log.read(range(10), _reader({4}))
    assert frames == list(range(9)) and kept == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    assert log.dropped == [{"frame": 4, "file": "4.png", "error": "SceneError", "reason": "unreadable image"}]
    meta: dict = {}
    log.record(meta)
    assert meta == {"dropped_frames": log.dropped}  # no correction made, none recorded


def test_fewer_than_half_left_refuses_the_scene():
    log = FrameLog("s")
    assert len(log.read(range(10), _reader({0, 1, 2, 3, 4}))[0]) == 5  # exactly half is enough
    with pytest.raises(TooFewFramesError, match="6 of 10 frames dropped, 4 left.*first: frame 0: SceneError: "
                                                "unreadable image") as e:
        FrameLog("s").read(range(10), _reader({0, 1, 2, 3, 4, 5}))
    assert e.value.file == "0.png" and len(e.value.dropped) == 6
    with pytest.raises(TooFewFramesError, match="1 of 1 frames dropped, 0 left"):
        FrameLog("s").read([0], _reader({0}))


def test_frames_the_reader_skips_do_not_count_as_tried():
    frames, _ = FrameLog("s").read(range(10), _reader({0, 1}, skip={2, 3, 4, 5, 6}))
    assert frames == [0, 1, 2]  # 3 of 5 tried remain


def test_repeated_index_drops_the_later_frame_and_unsafe_paths_refuse_the_scene():
    log = FrameLog("s")
    items = [("a", 0), ("b", 1), ("c", 0)]
    frames, kept = log.read(items, lambda item, index: item[0], key=lambda item: item[1])
    assert frames == ["a", "b"] and kept == items[:2]
    assert log.dropped[0]["frame"] == 0 and log.dropped[0]["error"] == DuplicateFrameError.__name__

    def escape(i, index):
        raise UnsafePathError("s", "scene.json", "path leaves the scene folder")
    with pytest.raises(UnsafePathError):
        FrameLog("s").read(range(3), escape)


def test_corrections_are_counted_and_merged_into_metadata():
    log = FrameLog("s")
    for rotvec in ((0.1, 0, 0), (0, 0.7, 0.2)):
        log.pose(np.round(_pose(rotvec), 4), "f")
    log.pose(_pose(), "f")  # exact: not counted
    meta = {"pose_corrections": {"corrected": 2, "max_correction": 1.0}}
    log.record(meta)
    assert meta["pose_corrections"]["corrected"] == 4 and meta["pose_corrections"]["max_correction"] == 1.0
    fresh: dict = {}
    log.record(fresh)
    assert fresh["pose_corrections"]["corrected"] == 2 and 0 < fresh["pose_corrections"]["max_correction"] < 1e-4
