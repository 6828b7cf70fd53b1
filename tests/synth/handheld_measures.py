"""Numbers that describe a capture: motion, coverage, truncation, visibility, walls seen.

Shared by tests/synth/test_handheld.py; all are computed from the rendered frames and poses.
"""

from __future__ import annotations

import numpy as np

from spacevista.synth.motion import wall_clearance


def eyes(scene) -> np.ndarray:
    return np.array([f.pose[:3, 3] for f in scene.frames])


def extent(scene) -> float:
    """Diagonal of the box around every object's mesh."""
    v = np.concatenate([o.mesh_vertices for o in scene.objects])
    return float(np.linalg.norm(v.max(0) - v.min(0)))


def mean_step(scene) -> float:
    """Mean camera translation between consecutive frames."""
    return float(np.linalg.norm(np.diff(eyes(scene), axis=0), axis=1).mean())


def azimuth_span_deg(scene, center) -> float:
    """How many degrees around ``center`` (xy) the camera positions sweep (unwrapped).

    Positions closer to the centre than half the median distance (a hand leaning over the
    middle of a table) are left out: there the angle says little about what was walked round.
    """
    d = eyes(scene)[:, :2] - np.asarray(center, dtype=float)
    r = np.linalg.norm(d, axis=1)
    d = d[r >= 0.5 * np.median(r)]
    a = np.unwrap(np.arctan2(d[:, 1], d[:, 0]))
    return float(np.degrees(a.max() - a.min()))


def touches_border(scene) -> set[int]:
    """Ids of objects whose mask touches the image border in some frame."""
    out: set[int] = set()
    for f in scene.frames:
        inst = f.instances()
        edge = np.concatenate([inst[0], inst[-1], inst[:, 0], inst[:, -1]])
        out |= set(np.unique(edge).tolist()) - {0}
    return out


def ever_in_full(scene, obj) -> bool:
    """Whether every vertex of the object projects inside the image, in front, in some frame."""
    v = np.c_[obj.mesh_vertices, np.ones(len(obj.mesh_vertices))]
    for f in scene.frames:
        cam = (np.linalg.inv(f.pose) @ v.T).T[:, :3]
        if (cam[:, 2] <= 1e-6).any():
            continue
        K = f.camera.K
        u = K[0, 0] * cam[:, 0] / cam[:, 2] + K[0, 2]
        w = K[1, 1] * cam[:, 1] / cam[:, 2] + K[1, 2]
        if (u >= 0).all() and (u <= f.camera.width).all() and (w >= 0).all() and (w <= f.camera.height).all():
            return True
    return False


def sides_seen_deg(scene, obj, steepest: float = 60.0) -> float:
    """Degrees of azimuth around the object that the camera views its sides from.

    Frames where it is visible count, except those looking down on it steeper than ``steepest``
    degrees: from overhead one sees the top, and the azimuth there means little.
    """
    idx = obj.attributes["visible_frames"]
    d = eyes(scene)[idx] - obj.center
    d = d[np.degrees(np.arctan2(d[:, 2], np.linalg.norm(d[:, :2], axis=1))) < steepest] if len(idx) else d
    if not len(d):
        return 0.0
    a = np.unwrap(np.arctan2(d[:, 1], d[:, 0]))
    return float(np.degrees(a.max() - a.min()))


def visible_fraction(scene, obj) -> float:
    return len(obj.attributes["visible_frames"]) / len(scene.frames)


def depth_medians(scene) -> np.ndarray:
    """Median z-depth of each frame over the pixels that hit something."""
    out = []
    for f in scene.frames:
        d = f.depth()
        out.append(float(np.median(d[d > 0])) if (d > 0).any() else np.inf)
    return np.array(out)


def walls_seen(scene, tol: float = 0.03) -> np.ndarray:
    """Per wall of the room polygon, how many background pixels (over all frames) lie on it."""
    room = scene.metadata["room"]
    poly, top = np.asarray(room["floor_polygon"]), room["ceiling_height"]
    hits = np.zeros(len(poly), dtype=np.int64)
    for f in scene.frames:
        d, inst = f.depth(), f.instances()
        r, c = np.nonzero((inst == 0) & (d > 0))
        if not len(r):
            continue
        K, z = f.camera.K, d[r, c].astype(np.float64)
        cam = np.stack([(c + 0.5 - K[0, 2]) / K[0, 0] * z, (r + 0.5 - K[1, 2]) / K[1, 1] * z, z], axis=1)
        p = cam @ f.pose[:3, :3].T + f.pose[:3, 3]
        p = p[(p[:, 2] > 0.1) & (p[:, 2] < top - 0.1)]
        for k in range(len(poly)):
            seg = np.array([poly[k], poly[(k + 1) % len(poly)]])
            hits[k] += int((wall_clearance(p, seg) < tol).sum())
    return hits
