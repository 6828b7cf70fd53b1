"""SpaceVista-Bench JSON: the official benchmark file, written from QA records and read back.

One file holds a JSON list of entries::

    {"id", "question", "answer", "videos": [[frame paths]], "input_type",
     "annotations": {"points": [{"coords": [y, x], "image_index"}],
                     "bboxes": [{"coords": [x1, y1, x2, y2], "image_index"}],
                     "masks": [{"mask_path", "object_ids", "image_path"}], "dual_bbox"},
     "metadata": {"category": Indoor|Outdoor|Tabletop|TinyTabletop, "scale": mm|cm|m|<km,
                  "original_type": e.g. OBJECT_COUNTING}}

Multiple-choice questions carry their options in the question text (the official file has no
options field); the writer appends them when the record's question does not already list them.
Frame and mask paths are written relative to the JSON file's folder (``paths="relative"``, the
default: the folder can move, and the official evaluator, which opens paths from its working
directory, runs from that folder) or absolute (``paths="absolute"``: the official evaluator runs
from any working directory, the folder stays where it is). A mask's ``image_path`` is the very
string its frame has in ``videos``, so the official lookup matches it exactly. The writer also
stores ``metadata.unit``, ``metadata.task`` and ``metadata.options`` (extra keys official readers
ignore) so that a file written here reads back without loss.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from spacevista.records import QARecord
from spacevista.scene import Scale

_REQUIRED = ("id", "question", "answer", "videos")
PATH_MODES = ("relative", "absolute")
_LISTED_OPTION_RE = re.compile(r"(?m)^\s*\(?A[\.\):]\s")


def format_options(options: list[str]) -> str:
    """Options as lines ``A. text``."""
    return "\n".join(f"{chr(ord('A') + i)}. {o}" for i, o in enumerate(options))


def question_with_options(question: str, options: list[str]) -> str:
    """The question followed by its options, unless it already lists them."""
    if not options or _LISTED_OPTION_RE.search(question):
        return question
    return f"{question}\nOptions:\n{format_options(options)}"


def _bench_scale(record: QARecord) -> str:
    """The official ``scale`` label: the answer's length unit (mm, cm, m; km written ``<km``)."""
    unit = record.unit
    base = unit[:-1] if unit and unit[-1] in "23" else unit
    if base in ("mm", "cm", "m"):
        return base
    if base == "km":
        return "<km"
    return Scale.parse(record.scale).unit


def _rel(path: str, root: Path, out_dir: Path, absolute: bool = False) -> str:
    p = Path(path)
    if not p.is_absolute():
        p = root / p
    if absolute:
        return p.resolve().as_posix()
    return Path(os.path.relpath(p.resolve(), out_dir.resolve())).as_posix()


def _entry(record: QARecord, root: Path, out_dir: Path, absolute: bool = False,
           mask_files: Mapping[str, str] | None = None) -> dict[str, Any]:
    frames = [_rel(f, root, out_dir, absolute) for f in record.frames]
    ann_in = record.annotations or {}
    ann: dict[str, Any] = {"points": [], "bboxes": [], "masks": [], "dual_bbox": ann_in.get("dual_bbox")}
    for p in ann_in.get("points", []) or []:
        ann["points"].append({**p, "coords": [float(c) for c in p["coords"]],
                              "image_index": int(p.get("image_index", 0))})
    for b in ann_in.get("bboxes", []) or []:
        ann["bboxes"].append({**b, "coords": [float(c) for c in b["coords"]],
                              "image_index": int(b.get("image_index", 0))})
    for m in ann_in.get("masks", []) or []:
        m2 = dict(m)
        if m2.get("mask_path"):
            mp = (mask_files or {}).get(m2["mask_path"], m2["mask_path"])
            m2["mask_path"] = _rel(mp, root, out_dir, absolute)
        if "image_index" in m2 and 0 <= int(m2["image_index"]) < len(frames):
            m2["image_path"] = frames[int(m2["image_index"])]
        elif m2.get("image_path"):
            m2["image_path"] = _rel(m2["image_path"], root, out_dir, absolute)
        ann["masks"].append(m2)
    meta = {"category": Scale.parse(record.scale).official_category,
            "scale": _bench_scale(record),
            "original_type": record.original_type or record.task.upper(),
            "unit": record.unit, "task": record.task}
    if record.options:
        meta["options"] = list(record.options)
    return {"id": record.id,
            "question": question_with_options(record.question, record.options),
            "answer": record.answer,
            "videos": [frames],
            "input_type": record.input_type,
            "annotations": ann,
            "metadata": meta}


def write_bench_json(records: Iterable[QARecord], path: str | Path, root: str | Path, paths: str = "relative",
                     mask_files: Mapping[str, str] | None = None) -> int:
    """Write records as an official SpaceVista-Bench JSON list; returns the number written.

    ``root`` is the folder the records' relative frame and mask paths start from (the dataset
    folder); in the file they become relative to ``path``'s folder, or absolute with
    ``paths="absolute"``. ``mask_files`` replaces mask paths (as the records have them) by the
    files to list instead (the official evaluator reads array files only). Written atomically.
    """
    if paths not in PATH_MODES:
        raise ValueError(f"unknown path mode {paths!r}; expected one of {PATH_MODES}")
    path = Path(path)
    root = Path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = [_entry(r, root, path.parent, paths == "absolute", mask_files) for r in records]
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(entries, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
    return len(entries)


def read_bench_json(path: str | Path) -> list[dict[str, Any]]:
    """Read and check an official SpaceVista-Bench JSON list.

    Frame and mask paths are returned as stored (relative to the file's folder, or absolute).
    A malformed file or entry raises ``ValueError`` naming the file and the entry.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from e
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of entries, got {type(data).__name__}")
    for i, e in enumerate(data):
        if not isinstance(e, dict):
            raise ValueError(f"{path}: entry {i} is not an object")
        missing = [k for k in _REQUIRED if k not in e]
        if missing:
            raise ValueError(f"{path}: entry {i} ({e.get('id')!r}) lacks {missing}")
        v = e["videos"]
        if not (isinstance(v, list) and v and isinstance(v[0], list)):
            raise ValueError(f"{path}: entry {e['id']!r}: 'videos' must be a list holding one list of frame paths")
        e.setdefault("input_type", "image_text")
        e.setdefault("annotations", {})
        e.setdefault("metadata", {})
    return data
