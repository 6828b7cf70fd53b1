"""Finding the scenes of a build: each source argument is a scene, or a folder of scenes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacevista.errors import SceneError


def is_scene(path: Path, fmt: str) -> bool:
    """Whether ``path`` itself is one scene in format ``fmt`` ("auto": native or any reader)."""
    if fmt in ("auto", "native") and (path / "scene.json").is_file():
        return True
    if fmt == "native":
        return False
    from spacevista.readers import READERS, detect_format

    if fmt != "auto":
        return fmt in READERS and bool(READERS.get(fmt).detect(path))
    try:
        detect_format(path)
    except SceneError:
        return False
    return True


def discover(sources: list[str | Path], fmt: str = "auto") -> tuple[list[str], list[dict[str, Any]]]:
    """Scene paths (absolute, sorted, unique) and one error per argument that holds no scene.

    A folder that is not itself a scene contributes every visible sub-folder (each becomes a scene,
    or an error of its own if unreadable) and every file a reader recognises (videos)."""
    found: set[str] = set()
    errors: list[dict[str, Any]] = []
    for src in sources:
        p = Path(src).resolve()
        if not p.exists():
            errors.append({"scene": p.name, "source": str(p), "stage": "discover", "reason": "no such file or folder"})
            continue
        if is_scene(p, fmt):
            found.add(str(p))
            continue
        children = []
        if p.is_dir():
            for c in sorted(p.iterdir()):
                if c.name.startswith("."):
                    continue
                if c.is_dir() or is_scene(c, fmt):
                    children.append(str(c))
        if not children:
            errors.append({"scene": p.name, "source": str(p), "stage": "discover",
                           "reason": f"neither a scene ({fmt}) nor a folder of scenes"})
        found.update(children)
    return sorted(found), errors
