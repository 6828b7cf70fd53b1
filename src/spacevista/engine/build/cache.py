"""Cache keys of a build: what a finished scene's shard depends on.

A shard is reused only when its key matches: the source path, a fingerprint of the source's
content, the seed, the task list, the format, the reader options and the engine version. The
fingerprint hashes every file's relative path and size, the whole content of files up to
``FULL_HASH_BYTES`` and the first and last ``EDGE_BYTES`` of larger ones (videos, big depth
archives), so a changed scene is rebuilt while a rerun over terabytes stays cheap.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Sequence

from spacevista import __version__

FULL_HASH_BYTES = 1 << 20
EDGE_BYTES = 1 << 16
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _visible_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts))


def source_fingerprint(path: str | Path) -> str:
    """SHA-256 over the relative paths, sizes and (edges of) the bytes of every visible file."""
    root = Path(path)
    h = hashlib.sha256()
    for f in _visible_files(root):
        rel = f.name if root.is_file() else f.relative_to(root).as_posix()
        size = f.stat().st_size
        h.update(f"{rel}\0{size}\0".encode())
        with open(f, "rb") as fh:
            if size <= FULL_HASH_BYTES:
                h.update(fh.read())
            else:
                h.update(fh.read(EDGE_BYTES))
                fh.seek(size - EDGE_BYTES)
                h.update(fh.read(EDGE_BYTES))
    return h.hexdigest()


def cache_key(source: str | Path, seed: int, tasks: Sequence[str] | None, fmt: str,
              options: dict[str, Any] | None = None) -> str:
    """The key a scene's shard is stored under (see the module docstring)."""
    payload = {"source": str(Path(source).resolve()), "content": source_fingerprint(source), "seed": seed,
               "tasks": sorted(tasks) if tasks else None, "format": fmt, "options": options or {},
               "engine_version": __version__}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def shard_name(source: str | Path) -> str:
    """File name of a source's shard: readable folder name plus a hash of its absolute path, so two
    sources with the same folder name never share a shard."""
    p = Path(source).resolve()
    digest = hashlib.sha256(str(p).encode()).hexdigest()[:12]
    return f"{_UNSAFE.sub('_', p.name)[:60]}-{digest}.json"
