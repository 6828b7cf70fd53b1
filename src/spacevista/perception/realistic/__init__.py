"""Realistic perception errors: exact depth, masks and poses as metric depth models, RGB-D sensors,
detectors, mask trackers and pose files deliver them (docs/perception.md lists every source).

``realistic_scene`` degrades a whole scene; ``realistic_depth`` and ``realistic_masks`` work on one
frame's arrays with the temporal state passed along, so they can be used without a Scene.
"""

from spacevista.perception.realistic.config import DEPTH_STEP_M, RealisticConfig, far_depth
from spacevista.perception.realistic.depth import DepthErrorState, realistic_depth
from spacevista.perception.realistic.masks import MaskErrorState, realistic_masks
from spacevista.perception.realistic.poses import round_pose
from spacevista.perception.realistic.scene import realistic_scene

__all__ = ["DEPTH_STEP_M", "DepthErrorState", "MaskErrorState", "RealisticConfig", "far_depth", "realistic_depth",
           "realistic_masks", "realistic_scene", "round_pose"]
