import sqlite3
import struct

import av
import numpy as np
import pytest

from spacevista.errors import SceneError, UnsafePathError
from spacevista.readers import detect_format, read_source

from .helpers import H, W, project_cv, random_rigid, rng

SEQ = "1-10000-20000"
N = 6


def _video(path, n, mask=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        for i in range(n):
            img = np.zeros((H, W, 3), np.uint8)
            if mask:
                img[4:20, 8:24] = 255
            else:
                img[:, : (i + 1) * W // n] = 200
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def _pack(kind, values):
    values = np.asarray(values).reshape(-1).tolist()
    return struct.pack("<" + kind * len(values), *values)


def _write(root):
    """A metadata.sqlite with uCO3D's table and column names, tuples packed as float32/int32 blobs."""
    g = rng(37)
    rel = f"stationery/pen/{SEQ}"
    _video(root / rel / "rgb_video.mp4", N)
    _video(root / rel / "mask_video.mp4", N, mask=True)
    con = sqlite3.connect(root / "metadata.sqlite")
    con.execute("CREATE TABLE sequence_annots (sequence_name TEXT PRIMARY KEY, category TEXT, super_category TEXT, "
                "_video_path TEXT, _video_length FLOAT, _mask_video_path TEXT, _depth_video_path TEXT)")
    con.execute("CREATE TABLE frame_annots (sequence_name TEXT, frame_number INTEGER, frame_timestamp FLOAT, "
                "_image_path TEXT, _image_size BLOB, _depth_path TEXT, _depth_scale_adjustment FLOAT, "
                "_mask_path TEXT, _mask_mass FLOAT, _viewpoint_R BLOB, _viewpoint_T BLOB, "
                "_viewpoint_focal_length BLOB, _viewpoint_principal_point BLOB, "
                "_viewpoint_colmap_distortion_coeffs BLOB, _viewpoint_intrinsics_format TEXT, "
                "PRIMARY KEY (sequence_name, frame_number))")
    con.execute("INSERT INTO sequence_annots VALUES (?, ?, ?, ?, ?, ?, ?)",
                (SEQ, "pen", "stationery", f"{rel}/rgb_video.mp4", N / 10, f"{rel}/mask_video.mp4", None))
    cams = []
    for i in range(N):
        T = random_rigid(g)
        R32 = T[:3, :3].astype(np.float32)
        t32 = T[:3, 3].astype(np.float32)
        cams.append((R32.astype(np.float64), t32.astype(np.float64)))
        dist = np.zeros(12)
        dist[0] = 0.01
        con.execute("INSERT INTO frame_annots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (SEQ, i, i / 10, f"{rel}/frames/{i}.jpg", _pack("i", [H, W]), None, None, None, 100.0,
                     _pack("f", R32), _pack("f", t32), _pack("f", [2.2, 2.2]), _pack("f", [0.04, -0.02]),
                     _pack("f", dist), "ndc_isotropic"))
    con.commit()
    con.close()
    return cams


def test_read_uco3d_sequence(tmp_path):
    root = tmp_path / "uco3d"
    root.mkdir()
    cams = _write(root)
    assert detect_format(root) == "uco3d"
    scene = read_source(root, cache_dir=tmp_path / "cache")
    assert scene.id == SEQ and not scene.metric and len(scene.frames) == N
    assert scene.metadata["categories"] == {1: "pen"} and scene.metadata["distortion"][0][0] == pytest.approx(0.01)
    f = scene.frames[3]
    assert abs(int((f.rgb()[H // 2, :, 0] > 100).sum()) - 4 * W // N) <= 1  # video frame 3 at t = 0.3 s
    inst = f.instances()
    assert inst[12, 16] == 1 and inst[0, 0] == 0
    # PyTorch3D projection by hand (isotropic NDC: the shorter side spans [-1, 1], +x left, +y up)
    R, T = cams[3]
    Xcam = np.array([0.1, 0.05, 1.5])
    X = (Xcam - T) @ R.T
    x_ndc, y_ndc = 2.2 * Xcam[0] / Xcam[2] + 0.04, 2.2 * Xcam[1] / Xcam[2] - 0.02
    half = min(W, H) / 2
    uv = [W / 2 - x_ndc * half, H / 2 - y_ndc * half]
    np.testing.assert_allclose(project_cv(f.camera.K, f.pose, X), uv, atol=1e-6)


def test_uco3d_errors(tmp_path):
    root = tmp_path / "uco3d"
    root.mkdir()
    _write(root)
    with pytest.raises(SceneError, match="no sequence 'x'"):
        read_source(root, sequence="x", cache_dir=tmp_path / "c")
    con = sqlite3.connect(root / "metadata.sqlite")
    con.execute("UPDATE frame_annots SET _viewpoint_R = ? WHERE frame_number = 2", (b"\x00" * 8,))
    con.commit()
    con.close()
    scene = read_source(root, cache_dir=tmp_path / "c")  # that frame is dropped, not the sequence
    assert 2 not in scene.metadata["source_frame_numbers"] and len(scene.frames) == N - 1
    (drop,) = scene.metadata["dropped_frames"]
    assert drop["frame"] == 2 and "bad frame annotation: expected 9 packed values" in drop["reason"]
    assert "metadata.sqlite" in drop["file"]
    con = sqlite3.connect(root / "metadata.sqlite")
    con.execute("UPDATE sequence_annots SET _video_path = ?", ("../../../outside.mp4",))
    con.commit()
    con.close()
    with pytest.raises(UnsafePathError, match="leaves the scene folder"):
        read_source(root, cache_dir=tmp_path / "c")
