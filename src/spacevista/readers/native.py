"""SpaceVista's own scene folders, registered so they are detected and read like every other source.

The file format (layout, validation, reading and writing) lives in ``spacevista.io.native``; this
module is only its adapter to the reader registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spacevista.io.native import read_scene
from spacevista.readers.base import READERS, Reader
from spacevista.readers.options import ReaderOptions
from spacevista.scene import Scene

HEADER = "scene.json"


@dataclass(frozen=True)
class NativeOptions(ReaderOptions):
    """None: the header states the id, scale, up vector and every frame."""

    reader = "native"


@READERS.register("native")
class NativeReader(Reader, options=NativeOptions):
    """SpaceVista native scene folder (scene.json, rgb/, depth/, instances/), as synth writes it."""

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.is_dir() and (path / HEADER).is_file()

    @classmethod
    def read(cls, path: Path, options: NativeOptions) -> Scene:
        return read_scene(path)
