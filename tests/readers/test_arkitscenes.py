import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from spacevista.errors import SceneError, TooFewFramesError
from spacevista.readers import detect_format, read_source

from .helpers import CX, CY, FX, FY, H, W, project_cv, rng, write_rgb, write_u16

VIDEO = "41069025"


def _write(tmp_path, stamps=(6845.78, 6845.88, 6845.98), traj_offset=0.0):
    g = rng(17)
    root = tmp_path / VIDEO / f"{VIDEO}_frames"
    lines, extr = [], []
    for t in stamps:
        ts = f"{t:.3f}"
        write_rgb(root / "lowres_wide" / f"{VIDEO}_{ts}.png", g)
        write_u16(root / "lowres_depth" / f"{VIDEO}_{ts}.png", np.full((H, W), 2000))
        (root / "lowres_wide_intrinsics").mkdir(exist_ok=True)
        (root / "lowres_wide_intrinsics" / f"{VIDEO}_{ts}.pincam").write_text(f"{W} {H} {FX} {FY} {CX} {CY}")
        rvec = g.normal(size=3) * 0.5
        tvec = g.normal(size=3)
        lines.append(f"{t + traj_offset:.6f} " + " ".join(f"{x:.17g}" for x in (*rvec, *tvec)))
        extr.append((rvec, tvec))
    (root / "lowres_wide.traj").write_text("\n".join(lines) + "\n")
    return tmp_path / VIDEO, extr


def test_read_inverts_world_to_camera(tmp_path):
    path, extr = _write(tmp_path, traj_offset=0.002)
    assert detect_format(path) == "arkitscenes"
    scene = read_source(path)
    assert scene.id == VIDEO and scene.metric and len(scene.frames) == 3
    f = scene.frames[1]
    rvec, tvec = extr[1]
    R = Rotation.from_rotvec(rvec).as_matrix()
    X = np.array([0.3, 0.2, -0.5])
    Xc = R @ X + tvec  # the trajectory maps world to camera
    if Xc[2] < 0.1:
        X = R.T @ (np.array([0.1, 0.1, 2.0]) - tvec)
        Xc = R @ X + tvec
    uv = np.array([FX * Xc[0] / Xc[2] + CX, FY * Xc[1] / Xc[2] + CY])
    np.testing.assert_allclose(project_cv(f.camera.K, f.pose, X), uv, atol=1e-8)
    u, v = 4, 20
    z = f.depth()[v, u]
    assert z == pytest.approx(2.0)
    Xs = f.pose @ np.append(np.linalg.inv(f.camera.K) @ [u, v, 1.0] * z, 1)
    np.testing.assert_allclose(R @ Xs[:3] + tvec, [(u - CX) / FX * 2, (v - CY) / FY * 2, 2.0], atol=1e-9)


def test_unmatched_frames_are_skipped(tmp_path):
    path, _ = _write(tmp_path, traj_offset=0.02)
    with pytest.raises(SceneError, match="no usable frames.*no trajectory pose within 5 ms"):
        read_source(path)
    scene = read_source(path, max_time_offset=0.05)
    assert len(scene.frames) == 3


def test_bad_pincam(tmp_path):
    path, _ = _write(tmp_path)
    pins = sorted((path / f"{VIDEO}_frames" / "lowres_wide_intrinsics").glob("*.pincam"))
    pins[0].write_text("256 192 100")
    scene = read_source(path)  # one bad frame of three is dropped, not the scene
    assert scene.metadata["source_timestamps"] == ["6845.880", "6845.980"]
    (drop,) = scene.metadata["dropped_frames"]
    assert drop["frame"] == "6845.780" and drop["file"] == str(pins[0])
    assert "width height fx fy cx cy" in drop["reason"]
    pins[1].write_text(f"{W} {H} {FX} {FY} 1000 {CY}")
    with pytest.raises(TooFewFramesError, match="2 of 3 frames dropped") as e:
        read_source(path)
    assert e.value.file.endswith(".pincam")
    second = e.value.dropped[1]
    assert second["error"] == "IntrinsicsError" and "principal point (1000, 11.5)" in second["reason"]
