"""ScanNet's 3D instance annotation: mesh, over-segmentation and aggregation into objects.

::

    scene0000_00/
      scene0000_00_vh_clean_2.ply                 the cleaned, decimated mesh (binary PLY; x y z, colour)
      scene0000_00_vh_clean_2.0.010000.segs.json  {"segIndices": [segment id of every vertex], ...}
      scene0000_00.aggregation.json               {"segGroups": [{"id", "objectId", "label",
                                                                   "segments": [segment ids]}], ...}
      scene0000_00.txt                            "axisAlignment = ..." (applied to poses and mesh alike)

The aggregation names its segments file (``segmentsFile``: ``scannet.<scene>_vh_clean_2.0.010000.segs.json``);
the mesh is the segments file's stem (``<scene>_vh_clean_2.ply``), so the older
``<scene>_vh_clean.aggregation.json`` pairs with ``<scene>_vh_clean.segs.json`` and ``<scene>_vh_clean.ply``.
An object's id is ``objectId + 1``, the value ScanNet's 2-D ``instance-filt`` images hold, so 2-D
instances and 3D objects match by id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.errors import SceneError
from spacevista.readers.annotations.mesh import annotations_from_vertex_ids, read_ply_mesh, transform_points
from spacevista.readers.base import read_text
from spacevista.scene import Annotations

#: aggregation file names, newest release first
AGGREGATIONS = ("{name}.aggregation.json", "{name}_vh_clean.aggregation.json")


def read_json(scene: str, path: Path) -> Any:
    try:
        return json.loads(read_text(scene, Path(path)))
    except json.JSONDecodeError as e:
        raise SceneError(scene, str(path), f"bad JSON: {e}") from e


def read_seg_indices(scene: str, path: Path) -> np.ndarray:
    """The segment id of every mesh vertex (``segIndices``)."""
    data = read_json(scene, path)
    try:
        seg = np.asarray(data["segIndices"], dtype=np.int64).reshape(-1)
    except (KeyError, TypeError, ValueError) as e:
        raise SceneError(scene, str(path), f"bad segments file: expected an integer 'segIndices' list ({e})") from e
    return seg


def read_seg_groups(scene: str, path: Path, what: str = "annotation") -> list[tuple[int, str, list[int]]]:
    """``(objectId, label, segments)`` of every ``segGroups`` entry of an annotation (``what``) file."""
    data = read_json(scene, path)
    try:
        return [(int(g["objectId"]), str(g["label"]), [int(s) for s in g["segments"]]) for g in data["segGroups"]]
    except (KeyError, TypeError, ValueError) as e:
        raise SceneError(scene, str(path), f"bad {what} file: expected segGroups with objectId, label and "
                                           f"segments ({e})") from e


def scannet_files(folder: Path, name: str) -> tuple[Path, Path, Path] | None:
    """(mesh, segments, aggregation) of scene ``name`` in ``folder`` or its parent; None unless all three exist."""
    for d in (folder, folder.parent):
        for pattern in AGGREGATIONS:
            agg = d / pattern.format(name=name)
            if not agg.is_file():
                continue
            try:
                declared = str(json.loads(agg.read_text(encoding="utf-8")).get("segmentsFile") or "")
            except (OSError, ValueError, AttributeError):
                declared = ""
            declared = declared.removeprefix("scannet.")
            candidates = [declared] if declared else []
            candidates += [f"{name}_vh_clean_2.0.010000.segs.json", f"{name}_vh_clean.segs.json"]
            for segs_name in candidates:
                segs = d / segs_name
                mesh = d / f"{segs_name.split('.')[0]}.ply"
                if segs.is_file() and mesh.is_file():
                    return mesh, segs, agg
    return None


def load_scannet(scene: str, mesh: str, segments: str, aggregation: str,
                 align: tuple[float, ...] | None) -> Annotations:
    """ScanNet's annotated objects in the scene's world: the mesh moved by the axis alignment
    (``align``, 16 numbers row-major, or None) exactly as the reader moves the poses."""
    V, F = read_ply_mesh(scene, Path(mesh))
    seg = read_seg_indices(scene, Path(segments))
    if len(seg) != len(V):
        raise SceneError(scene, segments, f"{len(seg)} segment indices for a mesh of {len(V)} vertices ({mesh})")
    groups = read_seg_groups(scene, Path(aggregation), "aggregation")
    # segment id -> object id (objectId + 1), looked up for every vertex at once
    seg_ids = np.asarray([s for _, _, segs in groups for s in segs], dtype=np.int64)
    obj_ids = np.asarray([oid + 1 for oid, _, segs in groups for _ in segs], dtype=np.int64)
    vertex_ids = np.zeros(len(V), dtype=np.int64)
    if len(seg_ids):
        order = np.argsort(seg_ids, kind="stable")
        seg_sorted, obj_sorted = seg_ids[order], obj_ids[order]
        pos = np.clip(np.searchsorted(seg_sorted, seg, side="right") - 1, 0, len(seg_sorted) - 1)
        hit = seg_sorted[pos] == seg
        vertex_ids[hit] = obj_sorted[pos[hit]]
    labels = {oid + 1: label for oid, label, _ in groups}
    V = transform_points(V, None if align is None else np.asarray(align))
    return annotations_from_vertex_ids("scannet", V, F, vertex_ids, labels, [mesh, segments, aggregation])
