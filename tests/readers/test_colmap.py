import struct

import numpy as np
import pytest

from spacevista.errors import SceneError
from spacevista.readers import detect_format, read_source
from spacevista.readers.colmap_model import MODEL_IDS, read_points3d

from .helpers import H, W, project_cv, rng, write_rgb

CAMERAS = [(1, "PINHOLE", (30.0, 28.0, 15.5, 11.5)),
           (2, "SIMPLE_RADIAL", (29.0, 16.0, 12.0, 0.01)),
           (3, "OPENCV", (30.0, 31.0, 15.0, 12.5, 0.01, -0.01, 0.001, 0.002)),
           (4, "SIMPLE_PINHOLE", (27.0, 16.0, 12.0)),
           (5, "RADIAL", (27.0, 16.0, 12.0, 0.1, 0.01))]


def _quat(g):
    q = g.normal(size=4)
    q /= np.linalg.norm(q)
    return q if q[0] > 0 else -q


def _R(q):
    """Hamilton quaternion (w, x, y, z) -> rotation, written out by hand."""
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def _images(g):
    return [(i + 1, _quat(g), g.normal(size=3), CAMERAS[i][0], f"im_{i:02d}.png") for i in range(len(CAMERAS))]


def _points():
    return [(1, (0.1, 0.2, 3.0), (255, 0, 10), 0.5, [(1, 0), (2, 0)]), (7, (1.0, -1.0, 4.0), (1, 2, 3), 0.25, [])]


def _write_text(model, images):
    model.mkdir(parents=True)
    with open(model / "cameras.txt", "w") as f:
        f.write("# Camera list with one line of data per camera:\n#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n")
        for cid, m, p in CAMERAS:
            f.write(f"{cid} {m} {W} {H} " + " ".join(repr(x) for x in p) + "\n")
    with open(model / "images.txt", "w") as f:
        f.write("# Image list with two lines of data per image:\n")
        for iid, q, t, cid, name in images:
            f.write(f"{iid} " + " ".join(repr(float(x)) for x in (*q, *t)) + f" {cid} {name}\n")
            f.write("\n" if iid % 2 else "1.5 2.5 1 3.0 4.0 -1\n")  # odd images: no 2-D points
    with open(model / "points3D.txt", "w") as f:
        f.write("# 3D point list\n")
        for pid, xyz, rgb, err, track in _points():
            f.write(f"{pid} {xyz[0]} {xyz[1]} {xyz[2]} {rgb[0]} {rgb[1]} {rgb[2]} {err} "
                    + " ".join(f"{a} {b}" for a, b in track) + "\n")


def _write_binary(model, images):
    """Byte layout exactly as COLMAP's WriteCamerasBinary / WriteImagesBinary / WritePoints3DBinary."""
    model.mkdir(parents=True)
    with open(model / "cameras.bin", "wb") as f:
        f.write(struct.pack("<Q", len(CAMERAS)))
        for cid, m, p in CAMERAS:
            f.write(struct.pack("<iiQQ", cid, MODEL_IDS[m][0], W, H))
            f.write(struct.pack("<" + "d" * len(p), *p))
    with open(model / "images.bin", "wb") as f:
        f.write(struct.pack("<Q", len(images)))
        for iid, q, t, cid, name in images:
            f.write(struct.pack("<I", iid) + struct.pack("<7d", *q, *t) + struct.pack("<I", cid))
            f.write(name.encode() + b"\x00")
            pts = [] if iid % 2 else [(1.5, 2.5, 1), (3.0, 4.0, -1)]
            f.write(struct.pack("<Q", len(pts)))
            for x, y, pid in pts:
                f.write(struct.pack("<ddq", x, y, pid))
    with open(model / "points3D.bin", "wb") as f:
        f.write(struct.pack("<Q", len(_points())))
        for pid, xyz, rgb, err, track in _points():
            f.write(struct.pack("<QdddBBBd", pid, *xyz, *rgb, err))
            f.write(struct.pack("<Q", len(track)))
            for a, b in track:
                f.write(struct.pack("<ii", a, b))


@pytest.mark.parametrize("kind", ["txt", "bin"])
def test_read_model_and_project(tmp_path, kind):
    g = rng(5)
    images = _images(g)
    for *_, name in images:
        write_rgb(tmp_path / "images" / name, g)
    (_write_text if kind == "txt" else _write_binary)(tmp_path / "sparse" / "0", images)
    assert detect_format(tmp_path) == "colmap"
    scene = read_source(tmp_path)
    assert scene.metric is False and scene.metadata["model_format"] == kind
    assert len(scene.frames) == len(CAMERAS) and scene.up_method == "cameras"
    assert scene.metadata["cameras"][3]["distortion"] == [0.01, -0.01, 0.001, 0.002]
    X = np.array([0.3, -0.4, 0.5])
    for f, (iid, q, t, cid, name) in zip(scene.frames, images):
        assert f.image_path.endswith(name)
        # COLMAP's own convention by hand: x_cam = R(q) X + t, then its camera model's pinhole part
        params = dict((c[0], c[2]) for c in CAMERAS)[cid]
        model = dict((c[0], c[1]) for c in CAMERAS)[cid]
        fx, fy, cx, cy = ((params[0], params[0], params[1], params[2]) if model in ("SIMPLE_PINHOLE", "SIMPLE_RADIAL", "RADIAL")
                          else params[:4])
        Xc = _R(q) @ X + t
        uv = np.array([fx * Xc[0] / Xc[2] + cx, fy * Xc[1] / Xc[2] + cy])
        np.testing.assert_allclose(project_cv(f.camera.K, f.pose, X), uv, rtol=1e-9, atol=1e-8)
        np.testing.assert_allclose(f.position, -_R(q).T @ t, atol=1e-9)
    xyz, rgb, err = read_points3d("s", tmp_path / "sparse" / "0")
    np.testing.assert_allclose(xyz, [[0.1, 0.2, 3.0], [1.0, -1.0, 4.0]])
    assert rgb[0].tolist() == [255, 0, 10] and err.tolist() == [0.5, 0.25]
    scaled = read_source(tmp_path / "sparse" / "0", images=tmp_path / "images", metric_scale=0.5)
    assert scaled.metric and np.allclose(scaled.frames[0].position, 0.5 * scene.frames[0].position)


def test_bad_models(tmp_path):
    g = rng(6)
    images = _images(g)
    for *_, name in images:
        write_rgb(tmp_path / "images" / name, g)
    model = tmp_path / "sparse" / "0"
    _write_binary(model, images)
    data = (model / "images.bin").read_bytes()
    (model / "images.bin").write_bytes(data[:40])
    with pytest.raises(SceneError, match="truncated") as e:
        read_source(tmp_path)
    assert e.value.file.endswith("images.bin")
    _write_text(tmp_path / "t" / "sparse", images)
    (tmp_path / "t" / "images").symlink_to(tmp_path / "images")
    text = (tmp_path / "t/sparse/cameras.txt").read_text().replace("PINHOLE 32 24", "PINHOLE 64 48", 1)
    (tmp_path / "t/sparse/cameras.txt").write_text(text)
    scene = read_source(tmp_path / "t")  # only the image of camera 1 is dropped
    assert scene.metadata["source_image_names"] == [name for *_, name in images[1:]]
    (drop,) = scene.metadata["dropped_frames"]
    assert drop["frame"] == "im_00.png" and drop["error"] == "IntrinsicsError"
    assert "intrinsics are for 64x48 but the image is 32x24" in drop["reason"] and drop["file"].endswith("cameras.txt")
    text = text.replace("PINHOLE 64 48", "PINHOLE 32 24", 1).replace("OPENCV", "WEIRD_MODEL")
    (tmp_path / "t/sparse/cameras.txt").write_text(text)
    with pytest.raises(SceneError, match="unknown camera model 'WEIRD_MODEL'"):
        read_source(tmp_path / "t")


@pytest.mark.parametrize("kind", ["txt", "bin"])
def test_sparse_observations_give_each_frames_points_and_their_depth(tmp_path, kind):
    """Even image ids observe point 1 at pixel (1.5, 2.5) (and one 2-D point with no 3-D point);
    odd ones observe nothing. Depth is z of the point in the image's camera, in the poses' units."""
    from spacevista.readers.colmap import sparse_observations

    g = rng(7)
    images = _images(g)
    for *_, name in images:
        write_rgb(tmp_path / "images" / name, g)
    (_write_text if kind == "txt" else _write_binary)(tmp_path / "sparse" / "0", images)
    X = np.array([0.1, 0.2, 3.0])
    for scale in (None, 0.5):
        scene = read_source(tmp_path, **({} if scale is None else {"metric_scale": scale}))
        obs = sparse_observations(scene)
        assert len(obs) == len(images)
        for (uv, z), (iid, q, t, *_) in zip(obs, images):
            if iid % 2:
                assert uv.shape == (0, 2) and z.shape == (0,)
                continue
            np.testing.assert_allclose(uv, [[1.5, 2.5]])
            np.testing.assert_allclose(z, [(scale or 1.0) * (_R(q) @ X + t)[2]], rtol=1e-12)
            # the frame's own pose agrees: the point is that far along its optical axis
            f = scene.frames[[im[0] for im in images].index(iid)]
            np.testing.assert_allclose(z, [(np.linalg.inv(f.pose)[:3, :3] @ ((scale or 1.0) * X)
                                            + np.linalg.inv(f.pose)[:3, 3])[2]], rtol=1e-9)


def test_sparse_observations_need_a_model(tmp_path):
    from spacevista.readers.colmap import sparse_observations
    from spacevista.scene import Camera, Frame, Scene

    scene = Scene("s", "indoor", [Frame(0, Camera.from_fov(8, 6, 60), np.eye(4))], metric=False)
    assert sparse_observations(scene) is None
