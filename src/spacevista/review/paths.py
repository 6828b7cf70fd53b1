"""Resolving request paths to files inside the dataset folder, and nothing else.

A path is refused (``Forbidden``) when it is absolute, has a ``..`` or ``.`` segment, a backslash,
a NUL byte or a drive letter, or when it resolves (symlinks followed) outside the folder; it is
``NotFound`` when no such file exists or its type is not an image. Callers percent-decode once
before calling, so ``%2e%2e`` arrives here as ``..``; a double-encoded ``%252e`` arrives as a
literal ``%2e`` name that does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path

#: file types the review page may load from the dataset folder
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"})

_DRIVE = re.compile(r"^[A-Za-z]:")


class Forbidden(Exception):
    """The path tries to leave the dataset folder."""


class NotFound(Exception):
    """No servable file at this path."""


def resolve_inside(root: str | Path, rel: str, suffixes: frozenset[str] = IMAGE_SUFFIXES) -> Path:
    """The real path of ``rel`` under ``root``; raises ``Forbidden`` or ``NotFound``."""
    if not rel or "\x00" in rel or "\\" in rel or rel.startswith("/") or _DRIVE.match(rel):
        raise Forbidden(f"path {rel!r} is not a relative path inside the dataset")
    parts = rel.split("/")
    if any(p in ("..", ".") for p in parts):
        raise Forbidden(f"path {rel!r} has a '.' or '..' segment")
    if any(p == "" for p in parts):
        raise NotFound(f"path {rel!r} has an empty segment")
    base = Path(root).resolve(strict=True)
    try:
        real = (base / rel).resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError, RuntimeError, OSError) as e:
        raise NotFound(f"path {rel!r}: {e.__class__.__name__}") from e
    if not real.is_relative_to(base):
        raise Forbidden(f"path {rel!r} resolves outside the dataset")
    if not real.is_file():
        raise NotFound(f"path {rel!r} is not a file")
    if real.suffix.lower() not in suffixes:
        raise NotFound(f"path {rel!r}: only {sorted(suffixes)} files are served")
    return real
