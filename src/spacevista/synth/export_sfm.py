"""A synthetic scene written the way a structure-from-motion tool would write its capture.

``export_sfm(scene, out_dir, sfm_scale, seed)`` writes ``<out_dir>/<scene id>/``::

    images/00000.png ...           the frames as captured
    sparse/0/cameras.bin           one PINHOLE camera
    sparse/0/images.bin            world-to-camera poses and every image's 2-D points
    sparse/0/points3D.bin          3-D points with their tracks (image id, 2-D point index)
    transforms.json                the same poses for nerfstudio (OpenGL camera axes)
    truth/                         the exact scene and its link (spacevista.io.sfm_truth)

Poses and points are what SfM would give: the truth moved by a random rigid transform and scaled by
``sfm_scale`` (``x_sfm = sfm_scale * (R x + t)``), so nothing in the capture is in metres or
gravity-aligned. No depth and no instance maps are written into the capture.

The sparse points imitate triangulated features: ``points_per_frame`` pixels of each frame with
depth, lifted with the exact depth; a point's track is every frame that sees it unoccluded (its
projection lands where the exact depth agrees within 1 %), and a point needs two frames. Keypoints
get Gaussian pixel noise; a fraction ``outlier_rate`` of the points are badly triangulated (moved
along their first ray by up to a factor of 1.6 either way), as real models hold some.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.spatial.transform import Rotation

from spacevista.io.native import staged_folder, write_scene
from spacevista.io.sfm_truth import TRUTH_DIR, write_link
from spacevista.scene import Scene

#: COLMAP's id of the PINHOLE camera model (fx, fy, cx, cy)
PINHOLE = 1
#: flips camera y and z: OpenCV camera axes <-> OpenGL (nerfstudio)
_FLIP_YZ = np.diag([1.0, -1.0, -1.0, 1.0])


def _image_name(index: int) -> str:
    return f"{index:05d}.png"


def _similarity(scene: Scene, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random rotation and a translation about as large as the camera path."""
    R = Rotation.random(random_state=rng).as_matrix()
    centres = np.array([f.position for f in scene.frames])
    reach = 1.0 + float(np.linalg.norm(centres - centres.mean(axis=0), axis=1).max())
    return R, rng.normal(size=3) * reach


def _visible(points: np.ndarray, scene: Scene, depths: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per frame and point: whether it sees the point unoccluded, and the pixel (u, v) it lands on."""
    n = len(points)
    seen = np.zeros((len(scene.frames), n), dtype=bool)
    uv = np.zeros((len(scene.frames), n, 2))
    for j, f in enumerate(scene.frames):
        R, c = f.pose[:3, :3], f.pose[:3, 3]
        cam = (points - c) @ R
        z = cam[:, 2]
        front = z > 1e-9
        p = np.zeros((n, 2))
        p[front] = (cam[front] @ f.camera.K.T)[:, :2] / z[front, None]
        inside = front & (p[:, 0] >= 0) & (p[:, 0] < f.camera.width) & (p[:, 1] >= 0) & (p[:, 1] < f.camera.height)
        d = np.zeros(n)
        d[inside] = depths[j][p[inside, 1].astype(int), p[inside, 0].astype(int)]
        seen[j] = inside & (d > 0) & (np.abs(d - z) <= 0.01 * z)
        uv[j] = p
    return seen, uv


def sparse_points(scene: Scene, rng: np.random.Generator, points_per_frame: int = 400,
                  outlier_rate: float = 0.02, pixel_noise: float = 0.3) -> tuple[np.ndarray, np.ndarray, list, list]:
    """Triangulated-feature imitation in the truth world: points (N, 3), colours (N, 3) uint8, each
    point's track [(frame, (u, v))] and, per frame, its observations [(u, v, point)]."""
    depths = [np.asarray(f.depth(), dtype=np.float64) for f in scene.frames]
    pts, cols = [], []
    for i, f in enumerate(scene.frames):
        valid = np.flatnonzero(depths[i].ravel() > 0)
        if valid.size == 0:
            continue
        pick = rng.choice(valid, size=min(points_per_frame, valid.size), replace=False)
        r, c = np.divmod(pick, f.camera.width)
        z = depths[i].ravel()[pick]
        pix = np.stack([c + 0.5, r + 0.5, np.ones(len(c))], axis=1)
        cam = (pix @ np.linalg.inv(f.camera.K).T) * z[:, None]
        pts.append(cam @ f.pose[:3, :3].T + f.pose[:3, 3])
        cols.append(np.asarray(f.rgb())[r, c])
    points = np.concatenate(pts) if pts else np.zeros((0, 3))
    colours = np.concatenate(cols) if cols else np.zeros((0, 3), np.uint8)
    seen, uv = _visible(points, scene, depths)
    keep = seen.sum(axis=0) >= 2
    points, colours, seen, uv = points[keep], colours[keep], seen[:, keep], uv[:, keep]
    uv = uv + rng.normal(scale=pixel_noise, size=uv.shape)
    # badly triangulated points: the observations stay, the position slides along the first ray
    bad = np.flatnonzero(rng.random(len(points)) < outlier_rate)
    for k in bad:
        first = int(np.flatnonzero(seen[:, k])[0])
        eye = scene.frames[first].pose[:3, 3]
        points[k] = eye + (points[k] - eye) * float(np.exp(rng.uniform(-0.5, 0.5)))
    tracks: list[list[tuple[int, np.ndarray]]] = [[] for _ in range(len(points))]
    per_frame: list[list[tuple[float, float, int]]] = [[] for _ in scene.frames]
    for j in range(len(scene.frames)):
        for k in np.flatnonzero(seen[j]):
            tracks[k].append((j, len(per_frame[j])))
            per_frame[j].append((float(uv[j, k, 0]), float(uv[j, k, 1]), int(k)))
    return points, colours, tracks, per_frame


def _qvec(R: np.ndarray) -> np.ndarray:
    """Rotation -> COLMAP's quaternion (w, x, y, z), w >= 0."""
    x, y, z, w = Rotation.from_matrix(R).as_quat()
    q = np.array([w, x, y, z])
    return q if q[0] >= 0 else -q


def _write_colmap(model: Path, scene: Scene, w2c: list[tuple[np.ndarray, np.ndarray]], points: np.ndarray,
                  colours: np.ndarray, tracks: list, per_frame: list) -> None:
    """cameras.bin, images.bin and points3D.bin in COLMAP's binary layout (little-endian)."""
    model.mkdir(parents=True)
    cam = scene.frames[0].camera
    with open(model / "cameras.bin", "wb") as f:
        f.write(struct.pack("<Q", 1) + struct.pack("<iiQQ", 1, PINHOLE, cam.width, cam.height))
        f.write(struct.pack("<4d", cam.fx, cam.fy, cam.cx, cam.cy))
    with open(model / "images.bin", "wb") as f:
        f.write(struct.pack("<Q", len(scene.frames)))
        for i, (R, t) in enumerate(w2c):
            f.write(struct.pack("<I7dI", i + 1, *_qvec(R), *t, 1) + _image_name(i).encode() + b"\x00")
            f.write(struct.pack("<Q", len(per_frame[i])))
            for u, v, k in per_frame[i]:
                f.write(struct.pack("<ddq", u, v, k + 1))
    with open(model / "points3D.bin", "wb") as f:
        f.write(struct.pack("<Q", len(points)))
        for k, (xyz, rgb) in enumerate(zip(points, colours)):
            f.write(struct.pack("<Q3d3Bd", k + 1, *xyz, *(int(x) for x in rgb), 0.5))
            f.write(struct.pack("<Q", len(tracks[k])))
            for j, idx in tracks[k]:
                f.write(struct.pack("<ii", j + 1, idx))


def _write_transforms(path: Path, scene: Scene, c2w: list[np.ndarray]) -> None:
    cam = scene.frames[0].camera
    frames = [{"file_path": f"images/{_image_name(i)}", "transform_matrix": (T @ _FLIP_YZ).tolist(),
               "colmap_im_id": i + 1} for i, T in enumerate(c2w)]
    meta = {"camera_model": "PINHOLE", "fl_x": cam.fx, "fl_y": cam.fy, "cx": cam.cx, "cy": cam.cy,
            "w": cam.width, "h": cam.height, "frames": frames}
    path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def export_sfm(scene: Scene, out_dir: str | Path, sfm_scale: float, seed: int, points_per_frame: int = 400,
               outlier_rate: float = 0.02, pixel_noise: float = 0.3) -> Path:
    """Write ``scene`` (with exact depth) as an SfM capture with its truth beside it; returns the
    capture's folder. The same scene, scale and seed give the same files."""
    if not sfm_scale > 0:
        raise ValueError(f"sfm_scale must be positive, got {sfm_scale}")
    if not scene.has_depth:
        raise ValueError("the SfM export needs the scene's exact depth to place its points")
    cams = {(f.camera.K.tobytes(), f.camera.width, f.camera.height) for f in scene.frames}
    if len(cams) != 1:
        raise ValueError("the SfM export writes one shared camera; the frames have several")
    rng = np.random.default_rng([seed, zlib.crc32(scene.id.encode())])
    R, t = _similarity(scene, rng)
    points, colours, tracks, per_frame = sparse_points(scene, rng, points_per_frame, outlier_rate, pixel_noise)
    c2w = []
    for f in scene.frames:
        T = np.eye(4)
        T[:3, :3] = R @ f.pose[:3, :3]
        T[:3, 3] = sfm_scale * (R @ f.pose[:3, 3] + t)
        c2w.append(T)
    w2c = [(T[:3, :3].T, -T[:3, :3].T @ T[:3, 3]) for T in c2w]
    with staged_folder(Path(out_dir), scene.id) as stage:
        for i, f in enumerate(scene.frames):
            path = stage / "images" / _image_name(i)
            path.parent.mkdir(exist_ok=True)
            Image.fromarray(np.asarray(f.rgb())).save(path, format="PNG", compress_level=6, optimize=False)
        _write_colmap(stage / "sparse" / "0", scene, w2c, sfm_scale * (points @ R.T + t), colours, tracks, per_frame)
        _write_transforms(stage / "transforms.json", scene, c2w)
        write_scene(scene, stage / TRUTH_DIR)
        write_link(stage, scene.id, {_image_name(i): f.index for i, f in enumerate(scene.frames)}, sfm_scale, R, t)
    return Path(out_dir) / scene.id
