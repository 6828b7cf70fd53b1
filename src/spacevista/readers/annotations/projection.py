"""Instance maps drawn by projecting annotated geometry into a frame.

Where a source has no 2-D instance ids (ScanNet++, ARKitScenes, ScanNet frames outside its 2-D
release), a frame's instances are what its camera sees of the annotated surface: each pixel's ray
is cast against the whole annotated mesh (objects, walls, floor and unlabelled parts, so nearer
surfaces hide farther ones) and takes the id of the object it hits first. This is how ScanNet made
its own 2-D labels. With the frame's depth, a pixel whose measured surface lies clearly in front of
the hit is left as background: something the annotation lacks (the walls around ARKitScenes'
boxes) hides the object there.
"""

from __future__ import annotations

import numpy as np

from spacevista.geometry.raycast import MeshCaster
from spacevista.scene import Annotations

#: a measured depth nearer than the annotated surface by more than this fraction hides it
OCCLUSION_TOLERANCE = 0.1


def project_instances(ann: Annotations, caster: MeshCaster, K: np.ndarray, width: int, height: int,
                      pose: np.ndarray, depth: np.ndarray | None = None,
                      tolerance: float = OCCLUSION_TOLERANCE) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, z)``: the annotated object id each pixel sees (int32, 0: none) and the z-depth of
    the annotated surface there (float32, 0: none), for a camera ``K`` of ``width`` x ``height``
    at ``pose`` (camera-to-world, OpenCV axes). ``depth`` (measured z, 0 = invalid) enables the
    occlusion rule of the module docstring."""
    tri, z = caster.render(K, width, height, pose)
    ids = np.zeros(tri.shape, dtype=np.int32)
    hit = tri >= 0
    ids[hit] = ann.face_ids[tri[hit]]
    if depth is not None:
        d = np.asarray(depth, dtype=np.float64)
        if d.shape != ids.shape:
            raise ValueError(f"depth is {d.shape[1]}x{d.shape[0]}, the camera {width}x{height}")
        with np.errstate(invalid="ignore"):
            hidden = hit & (d > 0) & (d < z * (1.0 - tolerance))
        ids[hidden] = 0
    return ids, z
