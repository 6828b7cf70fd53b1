"""Per-scene shard files: a finished scene's records, skips, frame hashes and what its reader
dropped or corrected, written atomically.

A shard is the unit of resume: it appears under its final name only when complete (temporary
name, fsync, rename), so a build killed at any moment leaves either a whole shard or none.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacevista.engine.scene.questions import SceneQA
from spacevista.records import QARecord

SHARD_DIR = "shards"
TMP_MARK = ".tmp-"


@dataclass
class Shard:
    """What one source produced."""

    key: str
    source: str
    scene_id: str
    scale: str
    records: list[QARecord] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    #: SHA-256 of the pixels of every frame: of the source images and of the frames written out
    frame_hashes: list[str] = field(default_factory=list)
    #: frames the reader dropped, each ``{"frame", "file", "error", "reason"}`` (``io.checks``)
    dropped_frames: list[dict[str, Any]] = field(default_factory=list)
    #: poses the reader re-orthonormalised: ``{"corrected": n, "max_correction": x}`` (0 and 0.0: none)
    pose_corrections: dict[str, Any] = field(default_factory=dict)
    #: lifted against annotated objects, for a scene with its own 3D annotation (SceneQA.crosscheck)
    crosscheck: dict[str, Any] | None = None
    #: the recovered metric scale of an SfM capture (engine.scene.metric_scale); None for others
    metric_scale: dict[str, Any] | None = None

    def to_json(self) -> str:
        d = {"key": self.key, "source": self.source, "scene_id": self.scene_id, "scale": self.scale,
             "records": [r.to_dict() for r in self.records], "skipped": self.skipped,
             "dropped": dict(sorted(self.dropped.items())), "frame_hashes": self.frame_hashes,
             "dropped_frames": self.dropped_frames, "pose_corrections": self.pose_corrections}
        if self.crosscheck is not None:
            d["crosscheck"] = self.crosscheck
        if self.metric_scale is not None:
            d["metric_scale"] = self.metric_scale
        return json.dumps(d, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Shard":
        d = json.loads(text)
        d["records"] = [QARecord.from_dict(r) for r in d["records"]]
        return cls(**d)

    def scene_qa(self) -> SceneQA:
        from collections import Counter

        return SceneQA(self.scene_id, self.scale, list(self.records), list(self.skipped), Counter(self.dropped),
                       self.crosscheck, self.metric_scale)


def write_shard(shard: Shard, path: Path) -> None:
    """Write ``shard`` to ``path`` via a per-process temporary file, fsync and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}{TMP_MARK}{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(shard.to_json())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_shard(path: Path) -> Shard:
    """Read a shard; a damaged one raises ``ValueError`` naming the file."""
    try:
        return Shard.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(f"{path}: damaged shard ({e})") from e


def cached_shard(path: Path, key: str) -> Shard | None:
    """The shard at ``path`` if it exists, reads cleanly and was built under ``key``."""
    if not path.is_file():
        return None
    try:
        shard = read_shard(path)
    except ValueError:
        return None
    return shard if shard.key == key else None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def remove_stale_temporaries(folder: Path) -> int:
    """Delete temporary files a killed run left in ``folder`` (not recursive); returns how many."""
    n = 0
    if folder.is_dir():
        for p in folder.iterdir():
            if p.is_file() and (TMP_MARK in p.name or p.name.endswith(".tmp")):
                p.unlink()
                n += 1
    return n
