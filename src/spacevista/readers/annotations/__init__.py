"""3D annotations of the sources that ship them, loaded into :class:`~spacevista.scene.Annotations`.

- ScanNet (``scannet``): ``_vh_clean_2.ply``, ``_vh_clean_2.0.010000.segs.json`` and
  ``.aggregation.json``, moved by the scene's axis alignment;
- ScanNet++ (``scannetpp``): ``scans/mesh_aligned_0.05.ply``, ``segments.json``, ``segments_anno.json``;
- ARKitScenes (``arkitscenes``): the oriented boxes of ``<video_id>_3dod_annotation.json``.

Readers name the annotations with :func:`annotation_source` (the loader's arguments and the files'
sizes and times), attach :func:`annotation_loader` to the scene and, for frames without 2-D
instance ids, :func:`projected_instance_loader`. Both are ``functools.partial`` objects over that
hashable source, so scenes pickle and every frame of one worker shares one parsed mesh and one ray
caster (:func:`load_annotations` caches them per process).
"""

from __future__ import annotations

import functools
import os
from typing import Any, Callable

import numpy as np

from spacevista.geometry.raycast import MeshCaster
from spacevista.readers.annotations.arkit import load_arkit_boxes
from spacevista.readers.annotations.projection import project_instances
from spacevista.readers.annotations.scannet import load_scannet, scannet_files
from spacevista.readers.annotations.scannetpp import load_scannetpp, scannetpp_files
from spacevista.scene import Annotations

LOADERS: dict[str, Callable[..., Annotations]] = {
    "scannet": load_scannet, "scannetpp": load_scannetpp, "arkitscenes": load_arkit_boxes}

__all__ = ["LOADERS", "annotation_loader", "annotation_source", "load_annotations", "load_projected_instances",
           "projected_instance_loader", "scannet_files", "scannetpp_files"]

#: what names one set of annotations: (kind, file stamps, loader arguments)
Source = tuple


def annotation_source(kind: str, *args: Any) -> Source:
    """The key of the annotations ``LOADERS[kind](*args)`` reads: the arguments plus the size and
    modification time of every file among them, so a file changed on disk is read again."""
    if kind not in LOADERS:
        raise KeyError(f"unknown annotation kind {kind!r}; known: {', '.join(LOADERS)}")
    stamps = []
    for a in args:
        if isinstance(a, str) and os.path.isfile(a):
            st = os.stat(a)
            stamps.append((st.st_size, st.st_mtime_ns))
    return (kind, tuple(stamps), *args)


@functools.lru_cache(maxsize=4)
def load_annotations(source: Source) -> Annotations:
    """The annotations of ``source`` (:func:`annotation_source`), parsed once per process."""
    kind, _, *args = source
    return LOADERS[kind](*args)


@functools.lru_cache(maxsize=4)
def _caster(source: Source) -> MeshCaster | None:
    ann = load_annotations(source)
    return MeshCaster(ann.vertices, ann.faces) if len(ann.faces) else None


def annotation_loader(source: Source) -> Callable[[], Annotations]:
    """A picklable loader of the annotations of ``source``."""
    return functools.partial(load_annotations, source)


def load_projected_instances(source: Source, K: np.ndarray, width: int, height: int, pose: np.ndarray,
                             depth_loader: Callable[[], np.ndarray] | None = None) -> np.ndarray:
    """The instance map (H, W) int32 of one frame, projected from the annotations (see
    :mod:`~spacevista.readers.annotations.projection`)."""
    caster = _caster(source)
    if caster is None:
        return np.zeros((int(height), int(width)), dtype=np.int32)
    depth = depth_loader() if depth_loader is not None else None
    ids, _ = project_instances(load_annotations(source), caster, K, width, height, pose, depth)
    return ids


def projected_instance_loader(source: Source, K: np.ndarray, width: int, height: int, pose: np.ndarray,
                              depth_loader: Callable[[], np.ndarray] | None = None) -> Callable[[], np.ndarray]:
    """A picklable instance loader for a frame without 2-D ids: :func:`load_projected_instances`."""
    return functools.partial(load_projected_instances, source, np.asarray(K, dtype=np.float64), int(width),
                             int(height), np.asarray(pose, dtype=np.float64), depth_loader)
