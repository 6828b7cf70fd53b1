"""Recovering the world's up vector when the source does not state it.

Methods, recorded in ``scene.up_method``:
- ``"given"`` / ``"gravity"`` / ``"axis_alignment"``: the source states it (kept as is).
- ``"cameras"``: the mean of the cameras' up directions (-y of each OpenCV camera); people hold
  cameras roughly upright, so the mean is close to gravity for hand-held and drone video.
- ``"floor"``: for metric scenes with depth, the normal of the largest plane within 30 degrees of
  the camera prior, found by RANSAC (2 cm threshold) in depth back-projected from up to 8 evenly
  spaced frames, oriented so that the cameras lie above it (most points, where the cameras do not
  tell; ``geometry.planes.floor_up``). Falls
  back to ``"cameras"`` (and says why in ``metadata["up_notes"]``) when there are too few depth
  points or no such plane.

Poses are not rotated: ``scene.up`` is expressed in the source's world frame.
"""

from __future__ import annotations

import numpy as np

from spacevista.geometry.cameras import backproject
from spacevista.geometry.planes import floor_up, up_from_cameras
from spacevista.scene import Scene

_SOURCE_METHODS = ("given", "gravity", "axis_alignment")
UP_METHODS = ("auto", "cameras", "floor", "keep")

__all__ = ["UP_METHODS", "resolve_up", "up_from_cameras", "floor_up"]


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
    notes = scene.metadata.setdefault("up_notes", [])
    poses = np.stack([f.pose for f in scene.frames])
    try:
        cam_up = up_from_cameras(poses)
    except ValueError as e:  # camera up axes cancel out: keep +z and say so
        notes.append(f"cameras: {e}; +z assumed")
        scene.up, scene.up_method = np.array([0.0, 0.0, 1.0]), "assumed"
        return scene
    want_floor = method == "floor" or (method == "auto" and scene.metric and scene.has_depth)
    if want_floor:
        rng = np.random.default_rng(seed)
        points = _depth_points(scene, max_frames, rng)
        if len(points) >= 100:
            try:
                up, height = floor_up(points, rng, threshold=0.02, prior_up=cam_up, cameras=poses[:, :3, 3])
            except ValueError as e:
                notes.append(f"floor: {e}")
            else:
                scene.up, scene.up_method = up, "floor"
                scene.metadata["floor_height"] = height
                return scene
        else:
            notes.append("floor: fewer than 100 valid depth points")
    scene.up, scene.up_method = cam_up, "cameras"
    return scene


def _depth_points(scene: Scene, max_frames: int, rng: np.random.Generator, per_frame: int = 4000) -> np.ndarray:
    """World points back-projected from the depth of up to ``max_frames`` evenly spaced frames."""
    n = len(scene.frames)
    idx = np.unique(np.linspace(0, n - 1, min(max_frames, n)).round().astype(int))
    chunks = []
    for i in idx:
        f = scene.frames[int(i)]
        pts = backproject(f.depth(), f.camera.K, f.pose)
        if len(pts) > per_frame:
            pts = pts[np.sort(rng.choice(len(pts), per_frame, replace=False))]
        chunks.append(pts)
    return np.concatenate(chunks) if chunks else np.zeros((0, 3))


