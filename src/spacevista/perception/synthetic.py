"""The synthetic specialist: an oracle with realistic errors, for captures that carry their truth.

``spacevista synth --as colmap`` writes a capture as SfM would (no depth, no masks) and its exact
truth beside it (:mod:`spacevista.io.sfm_truth`). Registered as ``synthetic``, this specialist stands
in for a metric depth model (``--depth synthetic --depth-error E``) or for the detector and tracker
(``--tracker synthetic``), with no weights:

- depth: each frame's exact z-depth, as the synth renderer ray-cast it from every mesh of the scene
  (objects and background) when the scene was made and stored in the truth folder, passed through
  the realistic depth error model (``perception.realistic.realistic_depth``) as a monocular metric
  depth model errs: per-frame scale error correlated over the video, smooth warp, far-depth bias
  and noise (all sized by ``depth_error``), random holes, the scale's maximum range and the stored
  quantisation. The active-sensor errors (flying pixels at edges, no depth on dark or saturated
  pixels) are off unless given as keyword arguments (``RealisticConfig`` fields). The errors are
  drawn from the scene id and ``seed``.
- instances: each frame's exact instance map and the objects' categories ("oracle tracker").

Frames find their truth by image file name. A scene without truth is an error naming it: the
specialist never invents anything.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.errors import SceneError
from spacevista.io.sfm_truth import find_link, truth_frames
from spacevista.perception.base import SPECIALISTS, DepthPrediction
from spacevista.perception.realistic import DepthErrorState, RealisticConfig, realistic_depth
from spacevista.scene import Frame, Scene


@SPECIALISTS.register("synthetic")
class SyntheticSpecialist:
    """Depth or instance maps from a capture's truth, depth with realistic errors; needs no weights."""

    name = "synthetic"
    #: the build gives no weights folder (``--depth synthetic``) and needs no detector for its masks
    needs_weights = False
    needs_detector = False

    def __init__(self, path: str | Path | None = None, device: str = "cpu", dtype: str = "float32",
                 depth_error: float = 0.05, seed: int = 0, **realistic: Any):
        model = {"flying_rate": 0.0, "dark_threshold": None, "saturated_threshold": None}
        self.config = RealisticConfig(depth_error=float(depth_error), **{**model, **realistic})
        self.seed = int(seed)

    def load(self) -> None:
        """Nothing to load."""

    def _truth(self, scene: Scene) -> tuple[Scene, list[Frame]]:
        link = find_link(scene.root)
        if link is None:
            raise SceneError(scene.id, str(scene.root) if scene.root else None,
                             "the synthetic specialist needs the truth written beside the capture "
                             "(truth/sfm.json, from spacevista synth --as colmap)")
        return truth_frames(scene, link)

    def predict_scene(self, scene: Scene) -> list[DepthPrediction]:
        """Every frame's depth as a metric depth model with ``depth_error`` would deliver it."""
        rng = np.random.default_rng([self.seed, zlib.crc32(scene.id.encode())])
        state = DepthErrorState(scene.scale)
        out = []
        for f, t in zip(scene.frames, self._truth(scene)[1]):
            depth = realistic_depth(t.depth(), f.rgb(), self.config, rng, state)
            out.append(DepthPrediction(depth, f.camera.fx))
        return out

    def track_scene(self, scene: Scene) -> tuple[list[np.ndarray], dict[int, str]]:
        """Every frame's exact instance map and the objects' categories."""
        truth, frames = self._truth(scene)
        return [np.asarray(t.instances(), dtype=np.int32) for t in frames], {o.id: o.category for o in truth.objects}

    def provenance(self) -> dict[str, Any]:
        return {"name": self.name, "oracle": "exact truth beside the capture",
                "realistic": self.config.to_dict()}
