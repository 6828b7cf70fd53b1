"""Scene-level leakage filter: keep benchmark scenes out of a training build.

As the paper does, a training scene is removed when it appears in a benchmark, matched two ways:
by scene id, and by frame content, the SHA-256 of a frame's decoded RGB pixels (so a frame copied
into a benchmark under another name or container still matches). Each built scene carries the
pixel hashes of its source frames and of the JPEG frames the engine wrote, so a benchmark holding
either lossless copies of the source or the engine's own frames is caught.

Benchmark files are SpaceVista-Bench JSON (``spacevista.io.bench.read_bench_json``) or an engine
``qa.jsonl``. The scene id of a Bench JSON entry is ``metadata.scene_id`` (or ``scene_id``) when
present, else the name of the folder holding its frames (``frames/<scene>/00000.jpg``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image


def array_sha256(rgb: np.ndarray) -> str:
    """SHA-256 of an HxWx3 uint8 image: its shape then its pixels in C order."""
    a = np.ascontiguousarray(rgb, dtype=np.uint8)
    h = hashlib.sha256(f"{a.shape[0]}x{a.shape[1]}x{a.shape[2] if a.ndim == 3 else 1}\0".encode())
    h.update(a.tobytes())
    return h.hexdigest()


def image_sha256(path: str | Path) -> str:
    """Pixel hash of an image file (decoded to RGB)."""
    with Image.open(path) as im:
        return array_sha256(np.asarray(im.convert("RGB")))


@dataclass
class BenchIndex:
    """Scene ids and frame pixel hashes of the benchmark files, each traced back to its file."""

    scene_ids: dict[str, str] = field(default_factory=dict)
    frame_hashes: dict[str, str] = field(default_factory=dict)
    missing_frames: int = 0
    files: list[str] = field(default_factory=list)

    def _add_frames(self, frames: list[str], base: Path, label: str) -> None:
        for f in frames:
            p = Path(f) if Path(f).is_absolute() else base / f
            if not p.is_file():
                self.missing_frames += 1
                continue
            self.frame_hashes.setdefault(image_sha256(p), label)

    def add_file(self, path: str | Path) -> None:
        """Index one benchmark file (Bench JSON list or engine qa.jsonl)."""
        path = Path(path)
        label = str(path)
        self.files.append(label)
        seen_frames: set[str] = set()
        if path.suffix == ".jsonl":
            from spacevista.io.jsonl import read_jsonl

            for r in read_jsonl(path):
                self.scene_ids.setdefault(r.scene_id, label)
                new = [f for f in r.frames if f not in seen_frames]
                seen_frames.update(new)
                self._add_frames(new, path.parent, label)
            return
        from spacevista.io.bench import read_bench_json

        for e in read_bench_json(path):
            frames = [str(f) for f in e["videos"][0]]
            meta = e.get("metadata") or {}
            sid = meta.get("scene_id") or e.get("scene_id") or (Path(frames[0]).parent.name if frames else "")
            if sid:
                self.scene_ids.setdefault(str(sid), label)
            new = [f for f in frames if f not in seen_frames]
            seen_frames.update(new)
            self._add_frames(new, path.parent, label)

    def match(self, scene_id: str, frame_hashes: list[str]) -> str | None:
        """Why the scene leaks into a benchmark, or None."""
        if scene_id in self.scene_ids:
            return f"scene id {scene_id!r} is in {self.scene_ids[scene_id]}"
        for h in frame_hashes:
            if h in self.frame_hashes:
                return f"a frame's pixels match a frame of {self.frame_hashes[h]} (sha256 {h[:12]})"
        return None


def load_bench_index(paths: list[str | Path]) -> BenchIndex:
    """Index all benchmark files; a malformed file raises ``ValueError`` naming it."""
    index = BenchIndex()
    for p in paths:
        if not Path(p).is_file():
            raise ValueError(f"{p}: benchmark file not found")
        index.add_file(p)
    return index
