import json

import numpy as np
import pytest
from PIL import Image

from spacevista.errors import SceneError
from spacevista.readers import detect_format, read_source

from .helpers import CX, CY, FX, FY, H, W, project_cv, random_rigid, rng, write_rgb, write_u16

K = np.array([[FX, 0, CX], [0, FY, CY], [0, 0, 1.0]])


def _write(root, n=3):
    g = rng(13)
    lines, poses = [], []
    for i in range(n):
        write_rgb(root / "rgb" / f"{i:05d}.png", g)
        write_u16(root / "depth" / f"{i:05d}.png", np.full((H, W), 800 + 100 * i))
        m = np.zeros((H, W), np.uint8)
        m[5:15, 5:15] = 255
        (root / "masks").mkdir(exist_ok=True)
        Image.fromarray(m).save(root / "masks" / f"{i:05d}.png")
        T = random_rigid(g)
        poses.append(T)
        lines.append(f"{i} " + " ".join(f"{x:.17g}" for x in T.reshape(-1)))
    (root / "cam_poses.txt").write_text("\n".join(lines) + "\n")
    (root / "metadata").write_text(json.dumps({"K": K.T.reshape(-1).tolist(), "w": W, "h": H, "fps": 30}))
    return poses


def test_read_scene(tmp_path):
    root = tmp_path / "mouse" / "scenes" / "scene_000"
    poses = _write(root)
    assert detect_format(root) == "wildrgbd"
    scene = read_source(root)
    assert scene.metric and scene.metadata["categories"] == {1: "mouse"} and len(scene.frames) == 3
    f = scene.frames[2]
    X = (poses[2] @ np.array([0.05, 0.02, 0.6, 1.0]))[:3]
    Xc = np.linalg.inv(poses[2]) @ np.append(X, 1)
    np.testing.assert_allclose(project_cv(f.camera.K, f.pose, X), (K @ Xc[:3])[:2] / Xc[2], atol=1e-9)
    u, v = 7, 3
    z = f.depth()[v, u]
    assert z == pytest.approx(1.0)
    Xs = poses[2] @ np.append(np.linalg.inv(K) @ np.array([u, v, 1.0]) * 1.0, 1)
    np.testing.assert_allclose(f.pose @ np.append(np.linalg.inv(f.camera.K) @ [u, v, 1.0] * z, 1), Xs, atol=1e-6)
    assert f.instances()[10, 10] == 1 and f.instances()[20, 30] == 0


def test_errors(tmp_path):
    root = tmp_path / "scene_001"
    _write(root)
    (root / "metadata").write_text(json.dumps({"K": K.T.reshape(-1).tolist(), "w": W}))
    with pytest.raises(SceneError, match="bad metadata") as e:
        read_source(root)
    assert e.value.file.endswith("metadata")
    (root / "metadata").write_text(json.dumps({"K": K.T.reshape(-1).tolist(), "w": W, "h": H}))
    (root / "cam_poses.txt").write_text("0 1 2 3\n")
    with pytest.raises(SceneError, match="frame id \\+ 16 numbers"):
        read_source(root)


def test_repeated_frame_id_and_rounded_poses(tmp_path):
    root = tmp_path / "mouse" / "scenes" / "scene_000"
    poses = _write(root, n=4)
    lines = [f"{i} " + " ".join(f"{x:.4f}" for x in T.reshape(-1)) for i, T in enumerate(poses)]
    lines.append("1 " + " ".join(f"{x:.4f}" for x in np.eye(4).reshape(-1)))  # frame 1 listed again
    (root / "cam_poses.txt").write_text("\n".join(lines) + "\n")
    scene = read_source(root)
    assert scene.metadata["source_frame_ids"] == [0, 1, 2, 3]
    np.testing.assert_allclose(scene.frames[1].pose, poses[1], atol=1e-4)  # the first entry is kept
    (drop,) = scene.metadata["dropped_frames"]
    assert drop["frame"] == 1 and drop["error"] == "DuplicateFrameError"
    assert scene.metadata["pose_corrections"]["corrected"] == 4
