import gzip
import json

import numpy as np
import pytest
from PIL import Image

from spacevista.errors import SceneError, UnsafePathError
from spacevista.readers import detect_format, read_source

from .helpers import H, W, project_cv, random_rigid, rng, write_rgb, write_u16


def _ndc_to_px(x_ndc, y_ndc, fmt):
    """PyTorch3D NDC (+x left, +y up) -> pixels, written out by hand."""
    half = np.array([W / 2, H / 2])
    rescale = half if fmt == "ndc_norm_image_bounds" else np.array([half.min(), half.min()])
    return np.array([half[0] - x_ndc * rescale[0], half[1] - y_ndc * rescale[1]])


def _write(tmp_path, fmt="ndc_isotropic", n=3):
    g = rng(11)
    root = tmp_path / "co3d"
    cat = root / "apple"
    anns = []
    for seq in ("110_13051_23361", "189_20393_38136"):
        for i in range(n):
            rel = f"apple/{seq}"
            write_rgb(root / rel / "images" / f"frame{i + 1:06d}.jpg", g)
            T = random_rigid(g)  # an arbitrary rigid map; R below is its rotation
            z = np.full((H, W), 1.25 / 0.5, dtype=np.float16)  # png stores depth / scale_adjustment
            write_u16(root / rel / "depths" / f"frame{i + 1:06d}.jpg.geometric.png", z.view(np.uint16))
            mask = np.zeros((H, W), np.uint8)
            mask[4:20, 6:26] = 255
            (root / rel / "masks").mkdir(parents=True, exist_ok=True)
            Image.fromarray(mask).save(root / rel / "masks" / f"frame{i + 1:06d}.png")
            dmask = np.ones((H, W), np.uint8)
            dmask[0, :] = 0
            (root / rel / "depth_masks").mkdir(parents=True, exist_ok=True)
            Image.fromarray(dmask).save(root / rel / "depth_masks" / f"frame{i + 1:06d}.png")
            anns.append({
                "sequence_name": seq, "frame_number": i, "frame_timestamp": i / 30.0,
                "image": {"path": f"{rel}/images/frame{i + 1:06d}.jpg", "size": [H, W]},
                "depth": {"path": f"{rel}/depths/frame{i + 1:06d}.jpg.geometric.png", "scale_adjustment": 0.5,
                          "mask_path": f"{rel}/depth_masks/frame{i + 1:06d}.png"},
                "mask": {"path": f"{rel}/masks/frame{i + 1:06d}.png", "mass": 320.0},
                "viewpoint": {"R": T[:3, :3].tolist(), "T": T[:3, 3].tolist(), "focal_length": [1.9, 2.1],
                              "principal_point": [0.05, -0.03], "intrinsics_format": fmt},
                "meta": {"frame_type": "test_known", "frame_size": [H, W]}})
    cat.mkdir(parents=True, exist_ok=True)
    with gzip.open(cat / "frame_annotations.jgz", "wt", encoding="utf-8") as f:
        json.dump(anns, f)
    return root, anns


@pytest.mark.parametrize("fmt", ["ndc_isotropic", "ndc_norm_image_bounds"])
def test_read_sequence_projects_like_pytorch3d(tmp_path, fmt):
    root, anns = _write(tmp_path, fmt)
    assert detect_format(root / "apple") == "co3d"
    scene = read_source(root / "apple" / "189_20393_38136")
    assert scene.id == "189_20393_38136" and not scene.metric and len(scene.frames) == 3
    assert scene.metadata["categories"] == {1: "apple"}
    a = [x for x in anns if x["sequence_name"] == "189_20393_38136"][1]
    f = scene.frames[1]
    R, T = np.array(a["viewpoint"]["R"]), np.array(a["viewpoint"]["T"])
    # a world point in front of the PyTorch3D camera: X_cam = X_world @ R + T, so X_world = (X_cam - T) @ R^T
    Xcam = np.array([0.2, -0.1, 2.0])
    X = (Xcam - T) @ R.T
    fl, pp = a["viewpoint"]["focal_length"], a["viewpoint"]["principal_point"]
    x_ndc = fl[0] * Xcam[0] / Xcam[2] + pp[0]
    y_ndc = fl[1] * Xcam[1] / Xcam[2] + pp[1]
    np.testing.assert_allclose(project_cv(f.camera.K, f.pose, X), _ndc_to_px(x_ndc, y_ndc, fmt), atol=1e-9)
    depth = f.depth()
    assert depth[5, 5] == pytest.approx(1.25, rel=1e-3) and depth[0, 5] == 0.0
    inst = f.instances()
    assert inst[10, 10] == 1 and inst[0, 0] == 0
    assert f.timestamp == pytest.approx(1 / 30)
    # back-project a depth pixel and compare with the point recovered through PyTorch3D's convention
    u, v, z = 9, 14, float(depth[14, 9])
    Xs = f.pose @ np.append(np.linalg.inv(f.camera.K) @ np.array([u, v, 1.0]) * z, 1)
    Xc_p3d = (Xs[:3] @ R) + T
    np.testing.assert_allclose(Xc_p3d[2], z, atol=1e-9)
    np.testing.assert_allclose(_ndc_to_px(fl[0] * Xc_p3d[0] / z + pp[0], fl[1] * Xc_p3d[1] / z + pp[1], fmt), [u, v],
                               atol=1e-9)


def test_first_sequence_by_default_and_errors(tmp_path):
    root, anns = _write(tmp_path)
    scene = read_source(root / "apple" / "frame_annotations.jgz", metric_scale=0.01)
    assert scene.id == "110_13051_23361" and scene.metric
    with pytest.raises(SceneError, match="no sequence 'nope'"):
        read_source(root / "apple", sequence="nope")
    first = anns[0]["frame_number"]
    anns[0]["image"]["size"] = [H * 2, W]
    with gzip.open(root / "apple/frame_annotations.jgz", "wt") as f:
        json.dump(anns, f)
    scene = read_source(root / "apple")  # that frame is dropped, the sequence kept
    assert first not in scene.metadata["source_frame_numbers"]
    (drop,) = scene.metadata["dropped_frames"]
    assert drop["frame"] == first and drop["error"] == "IntrinsicsError"
    assert "intrinsics are for 32x48" in drop["reason"]
    for a in anns:
        if a["sequence_name"] == anns[0]["sequence_name"]:
            a["image"]["path"] = "../../etc/passwd"
    with gzip.open(root / "apple/frame_annotations.jgz", "wt") as f:
        json.dump(anns, f)
    with pytest.raises(UnsafePathError, match="leaves the scene folder"):
        read_source(root / "apple")
    (root / "apple/frame_annotations.jgz").write_bytes(b"garbage")
    with pytest.raises(SceneError, match="unreadable frame annotations"):
        read_source(root / "apple")
