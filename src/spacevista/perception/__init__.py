"""Perception specialists: metric and video-consistent depth, open-vocabulary detection, mask tracking,
identity association, the degraded oracle, and ``fill_scene`` which fills what a source lacks.

Importing this package loads neither torch nor any weights; specialists read local weights on first use.
"""

from spacevista.perception.base import (SPECIALISTS, DepthPrediction, DepthSpecialist, Detector, HFSpecialist,
                                        RelativeDepthSpecialist, Tracker)

__all__ = ["SPECIALISTS", "DepthPrediction", "DepthSpecialist", "Detector", "HFSpecialist",
           "RelativeDepthSpecialist", "Tracker"]
