import json

import av
import numpy as np
import pytest

from spacevista.errors import SceneError
from spacevista.readers import detect_format, read_source
from spacevista.readers.video import sample_frames

from .helpers import CX, CY, FX, FY, H, W, project_cv, random_rigid, rng

N = 20


def _write_video(path, n=N, fps=10):
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        for i in range(n):
            img = np.zeros((H, W, 3), np.uint8)
            img[:, : (i + 1) * W // n] = 200  # a bar whose length encodes the frame index
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def _bar(img):
    return int((img[H // 2, :, 0] > 100).sum())


def test_video_with_side_json(tmp_path):
    video = tmp_path / "clip.mp4"
    _write_video(video)
    g = rng(19)
    poses = {i: random_rigid(g) for i in range(N)}
    side = {"K": [[FX, 0, CX], [0, FY, CY], [0, 0, 1]], "width": W, "height": H, "metric": True,
            "convention": "opengl", "poses": {str(i): T.tolist() for i, T in poses.items()}}
    video.with_suffix(".json").write_text(json.dumps(side))
    assert detect_format(video) == "video"
    cache = tmp_path / "cache"
    scene = read_source(video, num_frames=5, cache_dir=cache, cache_format="png")
    assert scene.metric and scene.metadata["poses_known"]
    assert scene.metadata["video_frame_indices"] == [0, 5, 10, 14, 19]
    f = scene.frames[2]
    img = f.rgb()
    assert img.shape == (H, W, 3) and abs(_bar(img) - 11 * W // N) <= 1
    assert f.timestamp == pytest.approx(1.0, abs=1e-6)
    # the pose was given in OpenGL axes: project by hand (looks along -z, y up)
    T = poses[10]
    X = (T @ np.array([0.1, 0.2, -1.5, 1.0]))[:3]
    Xc = np.linalg.inv(T) @ np.append(X, 1)
    uv = [CX + FX * Xc[0] / -Xc[2], CY - FY * Xc[1] / -Xc[2]]
    np.testing.assert_allclose(project_cv(f.camera.K, f.pose, X), uv, atol=1e-9)
    # a second read uses the cache: same files, no decode (the cache index is not rewritten)
    index = next(cache.glob("*/index.json"))
    stamp = index.stat().st_mtime_ns
    again = read_source(video, num_frames=5, cache_dir=cache, cache_format="png")
    assert [x.image_path for x in again.frames] == [x.image_path for x in scene.frames]
    assert index.stat().st_mtime_ns == stamp
    by_fps = read_source(video, fps=2, cache_dir=cache)
    assert by_fps.metadata["video_frame_indices"] == [0, 5, 10, 15]


def test_video_with_transforms_and_without_poses(tmp_path):
    video = tmp_path / "walk.mp4"
    _write_video(video, n=6)
    (tmp_path / "transforms.json").write_text(json.dumps({
        "fl_x": FX, "fl_y": FY, "cx": CX, "cy": CY, "w": W, "h": H,
        "frames": [{"file_path": f"images/{i}.png", "transform_matrix": np.eye(4).tolist()} for i in range(3)]}))
    scene = read_source(video, cache_dir=tmp_path / "c")
    assert len(scene.frames) == 3 and not scene.metric
    assert len(scene.metadata["skipped"]) == 3 and "no pose" in scene.metadata["skipped"][0]["reason"]
    assert np.allclose(scene.frames[0].pose, np.diag([1.0, -1, -1, 1]))
    (tmp_path / "transforms.json").unlink()
    with pytest.raises(SceneError, match="missing side file"):
        read_source(video, cache_dir=tmp_path / "c")
    (tmp_path / "walk.json").write_text(json.dumps({"fx": FX, "fy": FY, "cx": CX, "cy": CY}))
    scene = read_source(video, cache_dir=tmp_path / "c")
    assert len(scene.frames) == 6 and not scene.metadata["poses_known"] and not scene.metric
    (tmp_path / "walk.json").write_text(json.dumps({"fx": FX, "fy": FY, "cx": CX, "cy": CY, "width": 64, "height": 48}))
    with pytest.raises(SceneError, match="intrinsics are for 64x48"):
        read_source(video, cache_dir=tmp_path / "c")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 100)
    (tmp_path / "bad.json").write_text(json.dumps({"fx": FX, "fy": FY, "cx": CX, "cy": CY}))
    with pytest.raises(SceneError, match="unreadable video") as e:
        read_source(bad, cache_dir=tmp_path / "c")
    assert e.value.file.endswith("bad.mp4")


def test_sample_frames():
    t = np.arange(30) / 30.0
    assert sample_frames(t, num_frames=3) == [0, 14, 29]
    assert sample_frames(t, fps=3) == [0, 10, 20]
    assert sample_frames(t) == list(range(30))
    with pytest.raises(ValueError):
        sample_frames(t, num_frames=2, fps=1)


def test_jpeg_cache_is_default_and_deterministic(tmp_path):
    video = tmp_path / "clip.mp4"
    _write_video(video, n=8)
    video.with_suffix(".json").write_text(json.dumps({"fx": FX, "fy": FY, "cx": CX, "cy": CY}))
    a = read_source(video, num_frames=3, cache_dir=tmp_path / "a")
    b = read_source(video, num_frames=3, cache_dir=tmp_path / "b")
    assert a.frames[0].image_path.endswith(".jpg")
    for fa, fb in zip(a.frames, b.frames):
        assert open(fa.image_path, "rb").read() == open(fb.image_path, "rb").read()
    assert abs(_bar(a.frames[1].rgb()) - 5 * W // 8) <= 1  # video frame 4 (0, 4, 7 sampled)
    with pytest.raises(SceneError, match="cache_format"):
        read_source(video, cache_dir=tmp_path / "c", cache_format="gif")


def test_side_file_poses_go_through_the_shared_checks(tmp_path):
    video = tmp_path / "clip.mp4"
    _write_video(video, n=6)
    g = rng(23)
    poses = [np.round(random_rigid(g), 4) for _ in range(6)]
    poses[2][:3, :3] *= 1.1
    frames = [{"file_path": f"{i}.png", "transform_matrix": T.tolist()} for i, T in enumerate(poses)]
    frames.append({"file_path": "again.png", "video_frame": 4, "transform_matrix": np.eye(4).tolist()})
    (tmp_path / "transforms.json").write_text(json.dumps(
        {"fl_x": FX, "fl_y": FY, "cx": CX, "cy": CY, "w": W, "h": H, "frames": frames}))
    scene = read_source(video, cache_dir=tmp_path / "c")
    assert scene.metadata["video_frame_indices"] == [0, 1, 3, 4, 5]
    np.testing.assert_allclose(scene.frames[3].pose @ np.diag([1.0, -1, -1, 1]), poses[4], atol=1e-4)
    assert [(d["frame"], d["error"]) for d in scene.metadata["dropped_frames"]] == [
        (2, "PoseError"), (4, "DuplicateFrameError")]
    assert scene.metadata["pose_corrections"]["corrected"] == 5
