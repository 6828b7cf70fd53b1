"""Opening a scene from any supported source: the native format or a registered reader."""

from __future__ import annotations

from pathlib import Path

from spacevista.errors import SceneError
from spacevista.scene import Scene


def open_scene(path: str | Path, fmt: str = "auto", **options) -> Scene:
    """Read one scene folder. ``fmt`` "native" or a reader name; "auto" detects it."""
    path = Path(path)
    if not path.exists():
        raise SceneError(path.name, str(path), "no such file or folder")
    if fmt in ("auto", "native") and (path / "scene.json").is_file():
        from spacevista.io.native import read_scene

        return read_scene(path)
    if fmt == "native":
        raise SceneError(path.name, str(path / "scene.json"), "not a native scene folder (scene.json missing)")
    try:
        from spacevista.readers import read_source
    except ImportError as e:  # readers not installed in this build
        raise SceneError(path.name, str(path), f"no reader available ({e})") from e
    return read_source(path, format=fmt, **options)
