"""Recovering the world's up vector when the source does not state it.

Methods, recorded in ``scene.up_method``:
- ``"given"`` / ``"gravity"`` / ``"axis_alignment"``: the source states it (kept as is).
- ``"cameras"``: the mean of the cameras' up directions (-y of each OpenCV camera); people hold
  cameras roughly upright, so the mean is close to gravity for hand-held and drone video.
- ``"floor"``: for metric scenes with depth, the normal of a large horizontal-ish plane found by
  RANSAC in back-projected depth points of a few frames, oriented to agree with the camera prior,
  and chosen among planes near the prior as the lowest one (the floor or table top under the
  cameras). Falls back to ``"cameras"`` (and says why in ``metadata["up_notes"]``) when no plane is
  supported well enough.

Poses are not rotated: ``scene.up`` is expressed in the source's world frame.
"""

from __future__ import annotations

import numpy as np

from spacevista.scene import Scene

_SOURCE_METHODS = ("given", "gravity", "axis_alignment")
UP_METHODS = ("auto", "cameras", "floor", "keep")


def resolve_up(scene: Scene, method: str = "auto", seed: int = 0, max_frames: int = 8) -> Scene:
    """Set ``scene.up`` and ``scene.up_method`` in place and return the scene.

    ``auto`` keeps an up vector the source stated, else uses ``floor`` for metric scenes with depth
    and ``cameras`` otherwise. ``keep`` leaves whatever the reader set.
    """
    if method not in UP_METHODS:
        raise ValueError(f"unknown up method {method!r}; expected one of {UP_METHODS}")
    if method == "keep" or not scene.frames:
        return scene
    if method == "auto" and scene.up_method in _SOURCE_METHODS:
        return scene
    poses = np.stack([f.pose for f in scene.frames])
    cam_up = up_from_cameras(poses)
    notes = scene.metadata.setdefault("up_notes", [])
    want_floor = method == "floor" or (method == "auto" and scene.metric and scene.has_depth)
    if want_floor:
        rng = np.random.default_rng(seed)
        points = _depth_points(scene, max_frames, rng)
        if len(points) >= 100:
            up = floor_up(points, rng, threshold=0.02, prior_up=cam_up)
            if up is not None:
                scene.up = up
                scene.up_method = "floor"
                return scene
            notes.append("floor: no plane within 30 degrees of the camera up held enough points")
        else:
            notes.append("floor: fewer than 100 valid depth points")
    scene.up = cam_up
    scene.up_method = "cameras"
    return scene


def up_from_cameras(poses: np.ndarray) -> np.ndarray:
    """Unit mean of the cameras' up directions (-y axis of OpenCV camera-to-world poses)."""
    ups = -np.asarray(poses, dtype=np.float64)[:, :3, 1]
    m = ups.sum(axis=0)
    n = np.linalg.norm(m)
    if n < 1e-9:
        return np.array([0.0, 0.0, 1.0])
    return m / n


def _depth_points(scene: Scene, max_frames: int, rng: np.random.Generator, per_frame: int = 4000) -> np.ndarray:
    """World points back-projected from the depth of up to ``max_frames`` evenly spaced frames."""
    idx = np.unique(np.linspace(0, len(scene.frames) - 1, min(max_frames, len(scene.frames))).round().astype(int))
    chunks = []
    for i in idx:
        f = scene.frames[int(i)]
        d = f.depth()
        v, u = np.nonzero(np.isfinite(d) & (d > 0))
        if len(u) == 0:
            continue
        if len(u) > per_frame:
            pick = rng.choice(len(u), per_frame, replace=False)
            u, v = u[pick], v[pick]
        z = d[v, u].astype(np.float64)
        K = f.camera.K
        xc = np.stack([(u - K[0, 2]) / K[0, 0] * z, (v - K[1, 2]) / K[1, 1] * z, z], axis=1)
        chunks.append(xc @ f.pose[:3, :3].T + f.pose[:3, 3])
    return np.concatenate(chunks) if chunks else np.zeros((0, 3))


def _fit_plane(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares plane (unit normal n, offset d with n.x + d = 0)."""
    c = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - c, full_matrices=False)
    n = vt[-1]
    return n, -float(n @ c)


def floor_up(points: np.ndarray, rng: np.random.Generator, threshold: float = 0.02,
             prior_up: np.ndarray | None = None, max_angle_deg: float = 30.0, iterations: int = 300,
             min_fraction: float = 0.05) -> np.ndarray | None:
    """Up vector from the floor: the plane, among those within ``max_angle_deg`` of ``prior_up``, that
    holds at least ``min_fraction`` of the points and lies lowest along the prior; ``None`` if none."""
    pts = np.asarray(points, dtype=np.float64)
    prior = np.array([0.0, 0.0, 1.0]) if prior_up is None else np.asarray(prior_up, float) / np.linalg.norm(prior_up)
    cos_max = np.cos(np.radians(max_angle_deg))
    candidates: list[tuple[float, np.ndarray]] = []
    remaining = pts
    # peel off up to 3 near-horizontal planes, then take the lowest: floors lie under tables
    for _ in range(3):
        if len(remaining) < max(30, int(min_fraction * len(pts))):
            break
        best_inl, best_n = None, None
        for _ in range(iterations):
            s = remaining[rng.choice(len(remaining), 3, replace=False)]
            n = np.cross(s[1] - s[0], s[2] - s[0])
            nn = np.linalg.norm(n)
            if nn < 1e-12:
                continue
            n /= nn
            if abs(n @ prior) < cos_max:
                continue
            inl = np.abs((remaining - s[0]) @ n) < threshold
            if best_inl is None or inl.sum() > best_inl.sum():
                best_inl, best_n = inl, n
        if best_inl is None or best_inl.sum() < min_fraction * len(pts):
            break
        n, d = _fit_plane(remaining[best_inl])
        if n @ prior < 0:
            n, d = -n, -d
        if n @ prior >= cos_max:
            height = float(np.median(remaining[best_inl] @ prior))
            candidates.append((height, n))
        remaining = remaining[~best_inl]
    if not candidates:
        return None
    return min(candidates, key=lambda c: c[0])[1]
