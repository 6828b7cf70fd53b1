"""Finding the scenes of a build: each source argument is a scene, or a folder of scenes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spacevista.errors import SceneError


def is_scene(path: Path, fmt: str) -> bool:
    """Whether ``path`` itself is one scene in format ``fmt`` ("auto": any reader detects it)."""
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


def predicted_scene_id(path: str | Path, options: dict[str, Any] | None = None) -> str:
    """The id a source's scene will most likely get, without reading it: a native header's id, else
    the ``scene_id`` option or the folder (file stem) name, as most readers name scenes."""
    p = Path(path)
    header = p / "scene.json"
    if header.is_file():
        try:
            sid = json.loads(header.read_text(encoding="utf-8")).get("id")
        except (OSError, ValueError, AttributeError):
            sid = None
        if isinstance(sid, str) and sid:
            return sid
    sid = (options or {}).get("scene_id")
    if sid:
        return str(sid)
    return p.stem if p.is_file() else p.name


def rounds_by_scene_id(sources: list[str], options: dict[str, Any] | None = None) -> list[list[str]]:
    """Split sources into rounds so that no two sources expected to share a scene id run at once:
    round k holds the k-th source (in path order) of every id. Two workers never write the same
    ``frames/<scene>`` folder concurrently, and the first source of an id always writes it."""
    groups: dict[str, list[str]] = {}
    for s in sorted(sources):
        groups.setdefault(predicted_scene_id(s, options), []).append(s)
    depth = max((len(g) for g in groups.values()), default=0)
    return [sorted(g[k] for g in groups.values() if len(g) > k) for k in range(depth)]
