"""Realistic perception errors: exact depth, masks and poses as metric depth models, RGB-D sensors,
detectors, mask trackers and pose files deliver them (docs/perception.md lists every source).

``realistic_depth`` works on one frame's arrays with the temporal state passed along, so it can be
used without a Scene.
"""

from spacevista.perception.realistic.config import DEPTH_STEP_M, RealisticConfig, far_depth
from spacevista.perception.realistic.depth import DepthErrorState, realistic_depth

__all__ = ["DEPTH_STEP_M", "DepthErrorState", "RealisticConfig", "far_depth", "realistic_depth"]
