"""The exact truth written beside a synthetic structure-from-motion capture, and how to find it.

``spacevista synth --as colmap`` writes a scene as an SfM tool would (no depth, arbitrary scale and
frame) and, beside it, the scene it came from::

    <project>/
      images/ sparse/0/ transforms.json     the capture (spacevista.synth.export_sfm)
      truth/
        sfm.json                            this link: see below
        <scene-id>/                         the native scene: exact poses in metres, depth, instance
                                            maps, object meshes

``sfm.json`` holds ``format``/``version``, the truth scene's folder name, the similarity the capture
went through (``x_sfm = sfm_scale * (R x_truth + t)``) and ``images``: each capture image's file name
-> the truth frame it was rendered as. Frames are matched by image file name (``Frame.image_path``),
so a capture read with ``num_frames`` or ``stride`` still finds its truth.

Who reads it: the synthetic perception specialists (exact depth and instance maps as a model would
deliver them) and the build (the exact graph, so that the engine scores itself). The scale
recovery never does: it sees only what a real capture gives.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.errors import SceneError
from spacevista.io.native import read_scene
from spacevista.scene import Frame, Scene

TRUTH_DIR = "truth"
LINK_FILE = "sfm.json"
LINK_FORMAT = "spacevista-sfm-truth"
LINK_VERSION = 1


@dataclass(frozen=True)
class TruthLink:
    """A capture's link to its truth: the native scene folder, image name -> truth frame index, and
    the similarity (``sfm_scale``, ``rotation``, ``translation``) from truth to capture."""

    folder: Path
    images: dict[str, int]
    sfm_scale: float
    rotation: np.ndarray
    translation: np.ndarray


def write_link(project: Path, truth_scene: str, images: dict[str, int], sfm_scale: float, rotation: np.ndarray,
               translation: np.ndarray) -> Path:
    """Write ``<project>/truth/sfm.json``; returns its path."""
    path = Path(project) / TRUTH_DIR / LINK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"format": LINK_FORMAT, "version": LINK_VERSION, "scene": truth_scene, "sfm_scale": float(sfm_scale),
            "rotation": np.asarray(rotation, float).tolist(), "translation": np.asarray(translation, float).tolist(),
            "images": dict(sorted(images.items()))}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def find_link(root: Path | None) -> TruthLink | None:
    """The truth link of the capture whose project folder is ``root``; None when there is none.
    A link that exists but cannot be read is a SceneError naming it."""
    if root is None:
        return None
    path = Path(root) / TRUTH_DIR / LINK_FILE
    if not path.is_file():
        return None
    try:
        d: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if d.get("format") != LINK_FORMAT or d.get("version") != LINK_VERSION:
            raise ValueError(f"not a {LINK_FORMAT} v{LINK_VERSION} file")
        return TruthLink(path.parent / str(d["scene"]), {str(k): int(v) for k, v in d["images"].items()},
                         float(d["sfm_scale"]), np.asarray(d["rotation"], float).reshape(3, 3),
                         np.asarray(d["translation"], float).reshape(3))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SceneError(None, str(path), f"unreadable truth link: {e}") from e


def truth_frames(scene: Scene, link: TruthLink) -> tuple[Scene, list[Frame]]:
    """The truth scene and, per frame of ``scene``, the truth frame its image was rendered as.
    Raises SceneError when a frame's image is not in the link."""
    truth = read_scene(link.folder)
    by_index = {f.index: f for f in truth.frames}
    out = []
    for f in scene.frames:
        name = Path(f.image_path or "").name
        if name not in link.images or link.images[name] not in by_index:
            raise SceneError(scene.id, str(link.folder.parent / LINK_FILE),
                             f"frame {f.index} ({name or 'no image'}) has no truth frame")
        out.append(by_index[link.images[name]])
    return truth, out


def aligned_truth(scene: Scene) -> Scene | None:
    """The truth of ``scene`` frame for frame (same indices, so the engine's exact graph lines up
    with the capture's), or None when the capture has no truth beside it."""
    link = find_link(scene.root)
    if link is None:
        return None
    truth, frames = truth_frames(scene, link)
    return dataclasses.replace(truth, frames=[dataclasses.replace(t, index=f.index)
                                              for f, t in zip(scene.frames, frames)])
