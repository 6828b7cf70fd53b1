"""ARKitScenes' 3D object annotation: oriented boxes with labels.

::

    <video_id>/<video_id>_3dod_annotation.json
      {"skipped": false,
       "data": [{"uid": "...", "label": "chair",
                 "segments": {"obbAligned": {"centroid": [x, y, z],
                                             "axesLengths": [a, b, c],
                                             "normalizedAxes": [9 numbers]},
                              "obb": {...the same keys...}}}]}

Metres, in the world of ``lowres_wide.traj`` (ARKitScenes' own loader draws these boxes over point
clouds lifted through those poses). ``normalizedAxes`` holds the box's three unit axes one after the
other (row i of the 3x3 is axis i), and ``axesLengths[i]`` is the full extent along axis i: a corner
is ``centroid + sum_i (+-axesLengths[i] / 2) axis_i``. ``obbAligned`` (the gravity-aligned box the
ARKitScenes benchmark reads) is used when present, else ``obb``. Objects are numbered 1, 2, ... in
file order; each is its box's closed surface (twelve triangles).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from spacevista.errors import SceneError
from spacevista.geometry.boxes import upright_box
from spacevista.readers.annotations.scannet import read_json
from spacevista.scene import Annotations, SceneObject

#: the twelve triangles of a box whose corners are ordered by (sign x, sign y, sign z), x outermost
BOX_FACES = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5],   # -x, +x
                      [0, 4, 5], [0, 5, 1], [2, 3, 7], [2, 7, 6],   # -y, +y
                      [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]],  # -z, +z
                     dtype=np.int64)


def box_corners_3d(centroid: np.ndarray, lengths: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """The 8 corners (8, 3) of an oriented box (``axes`` rows are its unit axes), ordered by the
    sign along axis 0, then 1, then 2 (each -, +)."""
    signs = np.array(list(itertools.product((-0.5, 0.5), repeat=3)))
    return np.asarray(centroid, float) + (signs * np.asarray(lengths, float)) @ np.asarray(axes, float)


def _box(scene: str, path: str, k: int, item: dict) -> tuple[str, str, np.ndarray, np.ndarray, np.ndarray]:
    try:
        segs = item["segments"]
        obb = segs.get("obbAligned") or segs["obb"]
        centroid = np.asarray(obb["centroid"], dtype=np.float64).reshape(3)
        lengths = np.asarray(obb["axesLengths"], dtype=np.float64).reshape(3)
        axes = np.asarray(obb["normalizedAxes"], dtype=np.float64).reshape(3, 3)
        label = str(item["label"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise SceneError(scene, path, f"data[{k}]: expected label and segments.obb(Aligned) with centroid, "
                                      f"axesLengths and normalizedAxes ({e})") from e
    if not (np.all(np.isfinite(centroid)) and np.all(np.isfinite(axes)) and np.all(lengths > 0)):
        raise SceneError(scene, path, f"data[{k}] ({label}): box needs finite values and positive lengths")
    if np.abs(axes @ axes.T - np.eye(3)).max() > 1e-3:
        raise SceneError(scene, path, f"data[{k}] ({label}): normalizedAxes are not orthonormal")
    return label, str(item.get("uid", k)), centroid, lengths, axes


def load_arkit_boxes(scene: str, path: str) -> Annotations:
    """The annotated boxes of an ARKitScenes ``_3dod_annotation.json`` as closed box surfaces."""
    data = read_json(scene, Path(path))
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SceneError(scene, path, "bad annotation file: expected {\"data\": [...]}")
    if data.get("skipped"):
        items = []  # the annotators skipped this scan: nothing in it is annotated
    objects, verts, faces, face_ids = [], [], [], []
    for k, item in enumerate(items):
        label, uid, centroid, lengths, axes = _box(scene, path, k, item)
        corners = box_corners_3d(centroid, lengths, axes)
        oid = k + 1
        center, size, yaw = upright_box(corners)
        objects.append(SceneObject(id=oid, category=label, center=center, size=size, yaw=float(yaw),
                                   mesh_vertices=corners, mesh_faces=BOX_FACES.copy(),
                                   attributes={"shape": "box", "label": label, "uid": uid,
                                               "axes": axes.tolist(), "lengths": lengths.tolist()}))
        faces.append(BOX_FACES + 8 * k)
        verts.append(corners)
        face_ids.append(np.full(len(BOX_FACES), oid))
    if not objects:
        return Annotations("arkitscenes", [], np.zeros((0, 3)), np.zeros((0, 3), np.int64), np.zeros(0, np.int64),
                           files=[path])
    return Annotations("arkitscenes", objects, np.concatenate(verts), np.concatenate(faces),
                       np.concatenate(face_ids), files=[path])
