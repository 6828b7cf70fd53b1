"""``realistic_scene``: a synthetic scene's exact depth, masks and poses as real perception delivers them."""

from __future__ import annotations

import dataclasses

import numpy as np

from spacevista.errors import SceneError
from spacevista.perception.realistic.config import RealisticConfig
from spacevista.perception.realistic.depth import DepthErrorState, realistic_depth
from spacevista.perception.realistic.masks import MaskErrorState, realistic_masks
from spacevista.perception.realistic.poses import round_pose
from spacevista.scene import Frame, Scene


def _first_free_id(scene: Scene) -> int:
    """One above every id a true object or an instance map of the scene uses."""
    top = max((o.id for o in scene.objects), default=0)
    for f in scene.frames:
        inst = f.instances()
        if inst.size:
            top = max(top, int(inst.max()))
    return top + 1


def realistic_scene(scene: Scene, config: RealisticConfig, rng: np.random.Generator) -> Scene:
    """A new Scene whose frames carry perceived depth, instance maps and rounded poses.

    ``scene.objects`` (the ground truth) is shared unchanged; the frames' RGB and cameras are kept.
    The rounded poses are not re-orthonormalised: ``Frame`` accepts them, and the engine is meant to
    see them as a pose file would give them. Raises SceneError when a frame lacks depth or instances.
    """
    if not scene.has_depth or not scene.has_instances:
        raise SceneError(scene.id, None, "realistic perception needs depth and instance maps in every frame")
    depth_rng, mask_rng = rng.spawn(2)
    depth_state = DepthErrorState(scene.scale)
    mask_state = MaskErrorState(next_id=_first_free_id(scene),
                                 categories={o.id: o.category for o in scene.objects})
    frames: list[Frame] = []
    for f in scene.frames:
        has_rgb = f.rgb_array is not None or f.rgb_loader is not None
        depth = realistic_depth(f.depth(), f.rgb() if has_rgb else None, config, depth_rng, depth_state)
        inst = realistic_masks(f.instances(), config, mask_rng, mask_state)
        pose = f.pose.copy() if config.pose_decimals is None else round_pose(f.pose, config.pose_decimals)
        frames.append(dataclasses.replace(f, pose=pose, depth_array=depth, instance_array=inst, depth_loader=None,
                                          instance_loader=None, depth_path=None, instance_path=None))
    metadata = dict(scene.metadata)
    metadata["perception"] = {"mode": "realistic", **config.to_dict()}
    return dataclasses.replace(scene, frames=frames, metadata=metadata)
