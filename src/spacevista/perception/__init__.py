"""Perception specialists: metric and video-consistent depth, open-vocabulary detection, mask tracking,
identity association, the degraded oracle, realistic perception errors, and ``fill_scene`` which fills
what a source lacks.

Importing this package loads neither torch nor any weights; specialists read local weights on first use.

May import ``registry`` and the core types.
"""

from spacevista.perception.base import (SPECIALISTS, DepthPrediction, DepthSpecialist, Detector, HFSpecialist,
                                        RelativeDepthSpecialist, Tracker)
from spacevista.perception.degrade import DegradeConfig, degrade_scene
from spacevista.perception.fill import fill_scene
from spacevista.perception.realistic import RealisticConfig, realistic_scene

__all__ = ["SPECIALISTS", "DegradeConfig", "DepthPrediction", "DepthSpecialist", "Detector", "HFSpecialist",
           "RealisticConfig", "RelativeDepthSpecialist", "Tracker", "degrade_scene", "fill_scene", "realistic_scene"]
