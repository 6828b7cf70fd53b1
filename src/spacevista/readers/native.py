"""SpaceVista's own scene folders, registered so they are detected and read like every other source.

The file format (layout, validation, reading and writing) lives in ``spacevista.io.native``; this
module is only its adapter to the reader registry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacevista.io.native import read_scene
from spacevista.readers.base import READERS, check_options
from spacevista.scene import Scale, Scene

HEADER = "scene.json"


@READERS.register("native")
class NativeReader:
    """SpaceVista native scene folder (scene.json, rgb/, depth/, instances/), as synth writes it."""

    #: scales this source typically holds (listed by ``spacevista ls``)
    scales = tuple(Scale)

    @classmethod
    def detect(cls, path: str | Path) -> bool:
        p = Path(path)
        return p.is_dir() and (p / HEADER).is_file()

    @classmethod
    def read(cls, path: str | Path, **options: Any) -> Scene:
        """No options: the header states the id, scale, up vector and every frame."""
        check_options(Path(path).name, options, ())
        return read_scene(path)
