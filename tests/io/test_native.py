import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spacevista.errors import SceneError, TooFewFramesError, UnsafePathError
from spacevista.io.native import read_scene, write_scene
from spacevista.scene import Camera, Frame, Scene, SceneObject
from spacevista.synth.generate import generate_scene


@pytest.fixture(scope="module")
def synth_scene():
    return generate_scene("tabletop", seed=2, n_frames=3, width=40, height=30)


@pytest.fixture()
def written(synth_scene, tmp_path):
    return write_scene(synth_scene, tmp_path)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_round_trip(synth_scene, written):
    assert written.name == synth_scene.id
    back = read_scene(written)
    assert back.id == synth_scene.id and back.scale is synth_scene.scale and back.source == "synth"
    assert back.metadata == json.loads(json.dumps(synth_scene.metadata))
    np.testing.assert_array_equal(back.up, synth_scene.up)
    assert back.root == written
    assert len(back.frames) == len(synth_scene.frames)
    for fa, fb in zip(synth_scene.frames, back.frames):
        assert fb.index == fa.index and fb.timestamp == fa.timestamp
        np.testing.assert_array_equal(fb.pose, fa.pose)
        np.testing.assert_array_equal(fb.camera.K, fa.camera.K)
        np.testing.assert_array_equal(fb.rgb(), fa.rgb())
        np.testing.assert_array_equal(fb.depth(), fa.depth())  # float32, bit exact
        np.testing.assert_array_equal(fb.instances(), fa.instances())
        assert fb.rgb_array is None  # lazily loaded, not kept
    for oa, ob in zip(synth_scene.objects, back.objects):
        assert (ob.id, ob.category, ob.yaw) == (oa.id, oa.category, oa.yaw)
        np.testing.assert_array_equal(ob.center, oa.center)
        np.testing.assert_array_equal(ob.size, oa.size)
        np.testing.assert_array_equal(ob.mesh_vertices, oa.mesh_vertices)
        np.testing.assert_array_equal(ob.mesh_faces, oa.mesh_faces)
        assert ob.attributes == oa.attributes
    # loaders are picklable, so read scenes can travel to worker processes
    assert pickle.loads(pickle.dumps(back.frames[0].depth_loader))().shape == (30, 40)


def test_tiny_depth_keeps_sub_millimetre_precision(tmp_path):
    cam = Camera.from_fov(8, 6, 50)
    depth = np.full((6, 8), 0.1234567, dtype=np.float32)
    scene = Scene("tiny-depth", "tiny", [Frame(0, cam, np.eye(4), rgb_array=np.zeros((6, 8, 3), np.uint8),
                                               depth_array=depth)])
    back = read_scene(write_scene(scene, tmp_path))
    np.testing.assert_array_equal(back.frames[0].depth(), depth)


def test_writes_are_deterministic_and_atomic(synth_scene, tmp_path):
    a = write_scene(synth_scene, tmp_path / "a")
    b = write_scene(synth_scene, tmp_path / "b")
    assert _files(a) == _files(b)
    write_scene(synth_scene, tmp_path / "a")  # replacing an existing scene
    assert _files(a) == _files(b)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [synth_scene.id]  # no temp left


def test_invalid_depth_is_written_as_zero(tmp_path):
    cam = Camera.from_fov(4, 3, 60)
    d = np.array([[1, np.nan, np.inf, -1]] * 3, dtype=np.float32)
    scene = Scene("s", "indoor", [Frame(0, cam, np.eye(4), rgb_array=np.zeros((3, 4, 3), np.uint8), depth_array=d)])
    back = read_scene(write_scene(scene, tmp_path))
    np.testing.assert_array_equal(back.frames[0].depth()[0], [1, 0, 0, 0])


def test_jpeg_images(synth_scene, tmp_path):
    back = read_scene(write_scene(synth_scene, tmp_path, image_format="jpg"))
    assert back.frames[0].image_path.endswith(".jpg")
    diff = np.abs(back.frames[0].rgb().astype(int) - synth_scene.frames[0].rgb().astype(int))
    assert diff.mean() < 12


# ------------------------------------------------------------------------------- bad inputs


def _edit_header(root: Path, fn) -> None:
    header = json.loads((root / "scene.json").read_text())
    fn(header)
    (root / "scene.json").write_text(json.dumps(header))


def _expect(root: Path, file_suffix: str, reason: str, load: str | None = None) -> SceneError:
    with pytest.raises(SceneError) as info:
        scene = read_scene(root)
        if load:
            getattr(scene.frames[1], load)()
    err = info.value
    assert err.scene == "synth-tabletop-0002"
    assert err.file is not None and err.file.endswith(file_suffix), err.file
    assert reason in err.reason, err.reason
    assert err.scene in str(err) and file_suffix in str(err)
    return err


def _expect_dropped(root: Path, file_suffix: str, reason: str, error: str = "SceneError") -> dict:
    """Frame 1 of the three is bad: it is dropped with its reason and the scene keeps the others;
    with frame 2 broken the same way too, fewer than half remain and the scene is refused."""
    scene = read_scene(root)
    assert [f.index for f in scene.frames] == [0, 2]
    (drop,) = scene.metadata["dropped_frames"]
    assert drop["frame"] == 1 and drop["file"].endswith(file_suffix), drop
    assert reason in drop["reason"] and drop["error"] == error, drop
    return drop


def test_missing_frame_file(written):
    (written / "rgb" / "00001.png").unlink()
    _expect_dropped(written, "rgb/00001.png", "missing frame file")
    (written / "rgb" / "00002.png").unlink()
    err = _expect(written, "rgb/00001.png", "2 of 3 frames dropped, 1 left")
    assert isinstance(err, TooFewFramesError) and "first: frame 1: SceneError: missing frame file" in err.reason
    assert [d["frame"] for d in err.dropped] == [1, 2]


def test_missing_depth_file(written):
    (written / "depth" / "00001.npz").unlink()
    _expect_dropped(written, "depth/00001.npz", "missing frame file")


def test_image_of_wrong_size(written):
    Image.fromarray(np.zeros((31, 40, 3), np.uint8)).save(written / "rgb" / "00001.png")
    _expect_dropped(written, "rgb/00001.png", "40x31 but its camera is 40x30")


def test_instances_of_wrong_size(written):
    Image.fromarray(np.zeros((30, 41), np.uint16)).save(written / "instances" / "00001.png")
    _expect_dropped(written, "instances/00001.png", "camera is 40x30")


def test_depth_of_wrong_size(written):
    np.savez(written / "depth" / "00001.npz", depth=np.ones((30, 39), np.float32))
    _expect_dropped(written, "depth/00001.npz", "depth is (30, 39)")


def test_nan_depth(written):
    d = np.ones((30, 40), np.float32)
    d[3, 4] = np.nan
    np.savez(written / "depth" / "00001.npz", depth=d)
    _expect(written, "depth/00001.npz", "1 NaN/inf pixels", load="depth")


def test_all_invalid_depth(written):
    np.savez(written / "depth" / "00001.npz", depth=np.zeros((30, 40), np.float32))
    _expect(written, "depth/00001.npz", "no valid", load="depth")


def test_non_rigid_pose(written):
    def scale_pose(h):
        h["frames"][1]["pose"][0][0] *= 2.0
    _edit_header(written, scale_pose)
    _expect_dropped(written, "scene.json", "pose is not a rigid transform", "PoseError")


def test_non_invertible_pose(written):
    def zero_pose(h):
        h["frames"][1]["pose"] = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
    _edit_header(written, zero_pose)
    _expect_dropped(written, "scene.json", "determinant 0", "PoseError")


def test_pose_wrong_shape(written):
    _edit_header(written, lambda h: h["frames"][1].update(pose=[[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
    _expect_dropped(written, "scene.json", "pose must be 4x4", "PoseError")


def test_rounded_poses_are_reorthonormalised_and_recorded(synth_scene, written):
    def round_poses(h):
        for f in h["frames"]:
            f["pose"] = np.round(np.asarray(f["pose"]), 4).tolist()
    _edit_header(written, round_poses)
    scene = read_scene(written)
    assert len(scene.frames) == 3
    for fa, fb in zip(synth_scene.frames, scene.frames):
        R = fb.pose[:3, :3]
        np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-12)
        np.testing.assert_allclose(fb.pose, fa.pose, atol=2e-4)
    pc = scene.metadata["pose_corrections"]
    assert pc["corrected"] == 3 and 1e-6 < pc["max_correction"] < 1e-4 and pc["tolerance"] == 1e-2


def test_principal_point_far_outside_is_refused_naming_the_frame(written):
    _edit_header(written, lambda h: [f["camera"].update(cx=10000) for f in h["frames"]])
    err = _expect(written, "scene.json", "first: frame 0: IntrinsicsError: principal point (10000, 15)")
    assert "outside the 40x30 image" in err.reason


def test_duplicate_frame_index_drops_the_later_frame(written):
    _edit_header(written, lambda h: h["frames"][2].update(index=0))
    scene = read_scene(written)
    assert [f.index for f in scene.frames] == [0, 1]
    (drop,) = scene.metadata["dropped_frames"]
    assert drop["frame"] == 0 and drop["error"] == "DuplicateFrameError"


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "rgb/../../outside.png"])
def test_paths_leaving_the_scene_folder_refuse_the_scene(written, name):
    _edit_header(written, lambda h: h["frames"][1].update(rgb=name))
    with pytest.raises(UnsafePathError, match="leaves the scene folder") as info:
        read_scene(written)
    assert info.value.file.endswith("scene.json") and name in info.value.reason


def test_absolute_path_inside_the_scene_folder_is_accepted(written):
    _edit_header(written, lambda h: h["frames"][1].update(rgb=str(written / "rgb" / "00001.png")))
    assert len(read_scene(written).frames) == 3


def test_empty_scene(written):
    _edit_header(written, lambda h: h.update(frames=[]))
    _expect(written, "scene.json", "no frames")


def test_bad_json(written):
    (written / "scene.json").write_text('{"id": "synth-tabletop-0002", "frames": [')
    err = _expect(written, "scene.json", "bad JSON")
    assert "line 1" in err.reason


def test_unknown_scale(written):
    _edit_header(written, lambda h: h.update(scale="galactic"))
    _expect(written, "scene.json", "unknown scale 'galactic'")


def test_bad_camera(written):
    _edit_header(written, lambda h: h["frames"][1]["camera"].update(fx=-3))
    _expect_dropped(written, "scene.json", "focal lengths must be positive, got fx=-3", "IntrinsicsError")
    _edit_header(written, lambda h: h["frames"][2]["camera"].pop("fy"))
    err = _expect(written, "scene.json", "2 of 3 frames dropped")
    assert err.dropped[1]["frame"] == 2 and err.dropped[1]["reason"] == "camera lacks 'fy'"
    assert err.dropped[1]["error"] == "IntrinsicsError"


def test_bad_objects_and_mesh(written):
    (written / "meshes" / "1.npz").unlink()
    with pytest.raises(SceneError) as info:
        read_scene(written)
    assert info.value.file.endswith("meshes/1.npz") and "missing mesh file" in info.value.reason
    (written / "objects.json").write_text("{oops")
    with pytest.raises(SceneError, match="bad JSON") as info:
        read_scene(written)
    assert info.value.file.endswith("objects.json")


def test_missing_header(tmp_path):
    with pytest.raises(SceneError) as info:
        read_scene(tmp_path / "nowhere")
    assert info.value.scene == "nowhere" and "missing scene.json" in info.value.reason


def test_write_rejects_frameless_scene(tmp_path):
    with pytest.raises(SceneError, match="without frames"):
        write_scene(Scene("e", "indoor", []), tmp_path)


def test_objects_without_meshes_round_trip(tmp_path):
    cam = Camera.from_fov(4, 3, 60)
    scene = Scene("o", "outdoor", [Frame(0, cam, np.eye(4), rgb_array=np.zeros((3, 4, 3), np.uint8))],
                  objects=[SceneObject(3, "car", [1, 2, 0.5], [4, 2, 1.5], 0.3, attributes={"k": 1})])
    back = read_scene(write_scene(scene, tmp_path))
    assert back.objects[0].mesh_vertices is None and back.objects[0].attributes == {"k": 1}
    assert not back.frames[0].has_depth and not back.frames[0].has_instances


def test_foreign_depth_files_npy_and_millimetre_png(written):
    d = np.full((30, 40), 1234, dtype=np.uint16)
    Image.fromarray(d).save(written / "depth" / "00001.png")
    np.save(written / "depth" / "00002.npy", np.full((30, 40), 0.5, np.float32))

    def point(h):
        h["depth_unit"] = "mm"
        h["frames"][1]["depth"] = "depth/00001.png"
        h["frames"][2]["depth"] = "depth/00002.npy"
    _edit_header(written, point)
    scene = read_scene(written)
    np.testing.assert_allclose(scene.frames[1].depth(), 1.234, rtol=1e-6)
    np.testing.assert_allclose(scene.frames[2].depth(), 0.5e-3, rtol=1e-6)  # the unit applies to every file


def test_unknown_depth_unit(written):
    _edit_header(written, lambda h: h.update(depth_unit="furlong"))
    _expect(written, "scene.json", "unknown depth_unit 'furlong'")


def test_read_from_header_path(written):
    assert read_scene(written / "scene.json").id == "synth-tabletop-0002"
