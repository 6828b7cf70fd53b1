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


_IMAGES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
_VIDEOS = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v"}
_HINT = "see docs/readers.md for the folder each format expects, or docs/byod.md to bring your own data"


def what_is_missing(path: Path) -> str:
    """Why ``path`` is no scene, in the user's terms: what it holds and what a scene needs."""
    if path.is_file():
        return (f"{path.name} is a file no reader recognises (scene sources are folders, or video files: "
                f"{', '.join(sorted(_VIDEOS))}); {_HINT}")
    files = [f for f in path.rglob("*") if f.is_file() and not f.name.startswith(".")][:5000]
    if not files:
        return f"the folder is empty; {_HINT}"
    images = [f for f in files if f.suffix.lower() in _IMAGES]
    names = {f.name.lower() for f in files}
    has_poses = bool({"transforms.json", "images.txt", "images.bin", "scene.json"} & names) or any(
        n.endswith((".pose.txt", ".traj")) or n.startswith("pose") for n in names)
    has_intrinsics = bool({"transforms.json", "cameras.txt", "cameras.bin", "scene.json"} & names) or any(
        "intrinsic" in n for n in names)
    if images and not has_poses:
        lacks = "camera poses" + ("" if has_intrinsics else " and intrinsics")
        return (f"a folder of {len(images)} images with no {lacks}: a scene needs posed frames (a nerfstudio "
                "transforms.json, a COLMAP sparse model, per-frame pose files, a native scene.json...); "
                f"run structure-from-motion (COLMAP) on the images first; {_HINT}")
    if images and not has_intrinsics:
        return f"{len(images)} images and poses but no camera intrinsics; {_HINT}"
    return f"neither a scene (no reader recognises it) nor a folder of scenes; {_HINT}"


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
            reason = (what_is_missing(p) if fmt == "auto"
                      else f"not a {fmt} scene nor a folder of {fmt} scenes; {_HINT}")
            errors.append({"scene": p.name, "source": str(p), "stage": "discover", "reason": reason})
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
