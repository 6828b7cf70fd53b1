"""ScanNet++'s 3D instance annotation of its laser-scan mesh.

::

    <scene_id>/scans/
      mesh_aligned_0.05.ply      the aligned mesh (binary PLY), in the same world as the iPhone's
                                 ``aligned_pose`` and the DSLR poses
      segments.json              {"segIndices": [...]}: one entry per mesh vertex
      segments_anno.json         {"segGroups": [{"id", "objectId", "label", "segments", "obb"}]}

As in the ScanNet++ toolkit, a group's ``segments`` are indices of mesh vertices; ``segments.json``
must have one entry per vertex. Object ids are ``objectId + 1`` (0 stays background); ScanNet++ has
no 2-D instance images, so frames get instance maps by projecting this mesh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spacevista.errors import SceneError
from spacevista.readers.annotations.mesh import annotations_from_vertex_ids, read_ply_mesh
from spacevista.readers.annotations.scannet import read_seg_groups, read_seg_indices
from spacevista.scene import Annotations

MESH, SEGMENTS, ANNOTATION = "mesh_aligned_0.05.ply", "segments.json", "segments_anno.json"


def scannetpp_files(scene_root: Path) -> tuple[Path, Path, Path] | None:
    """(mesh, segments, annotation) under ``scene_root/scans``; None unless all three exist."""
    scans = scene_root / "scans"
    files = (scans / MESH, scans / SEGMENTS, scans / ANNOTATION)
    return files if all(f.is_file() for f in files) else None


def load_scannetpp(scene: str, mesh: str, segments: str, annotation: str) -> Annotations:
    """ScanNet++'s annotated objects (the mesh is already in the poses' world)."""
    V, F = read_ply_mesh(scene, Path(mesh))
    n_seg = len(read_seg_indices(scene, Path(segments)))
    if n_seg != len(V):
        raise SceneError(scene, segments, f"{n_seg} segment indices for a mesh of {len(V)} vertices ({mesh})")
    vertex_ids = np.zeros(len(V), dtype=np.int64)
    labels = {}
    for oid, label, verts in read_seg_groups(scene, Path(annotation)):
        idx = np.asarray(verts, dtype=np.int64)
        if len(idx) and (idx.min() < 0 or idx.max() >= len(V)):
            raise SceneError(scene, annotation, f"object {oid} ({label}) names vertex {int(idx.max())} of a mesh "
                                                f"of {len(V)} vertices")
        vertex_ids[idx] = oid + 1
        labels[oid + 1] = label
    return annotations_from_vertex_ids("scannetpp", V, F, vertex_ids, labels, [mesh, segments, annotation])
