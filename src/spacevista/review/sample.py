"""Loading a built dataset and drawing the stratified review sample.

The sample is stratified per (task, scale): ``n`` items in total, spread as evenly as the strata
sizes allow (water filling: every stratum gets the same share, strata too small to fill their
share give the rest to the others, and the last few items left after an even split go to strata
picked by the seeded generator). Within a stratum the items are drawn without replacement, and the
final order is shuffled so that an annotator sees the tasks mixed. Same records and seed give the
same sample, whatever the order of lines in ``qa.jsonl``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.io.jsonl import read_jsonl
from spacevista.records import QARecord

QA_FILE = "qa.jsonl"

Stratum = tuple[str, str]


def load_dataset(dataset_dir: str | Path) -> list[QARecord]:
    """All records of ``dataset_dir/qa.jsonl``; missing file or duplicate ids raise ``ValueError``."""
    path = Path(dataset_dir) / QA_FILE
    if not path.is_file():
        raise ValueError(f"{path}: no such file (a dataset folder holds {QA_FILE})")
    records = list(read_jsonl(path))
    seen: set[str] = set()
    for r in records:
        if r.id in seen:
            raise ValueError(f"{path}: record id {r.id!r} appears twice")
        seen.add(r.id)
    return records


def allocate(sizes: dict[Stratum, int], n: int, rng: np.random.Generator) -> dict[Stratum, int]:
    """How many items to draw from each stratum: ``n`` in total, as even as the sizes allow."""
    if n < 0:
        raise ValueError(f"sample size must be >= 0, got {n}")
    keys = sorted(sizes)
    alloc = {k: 0 for k in keys}
    remaining = min(n, sum(sizes.values()))
    while remaining > 0:
        open_keys = [k for k in keys if alloc[k] < sizes[k]]
        share = remaining // len(open_keys)
        if share == 0:
            # Fewer items left than open strata: the generator picks which strata get one more.
            picks = rng.choice(len(open_keys), size=remaining, replace=False)
            for i in sorted(int(p) for p in picks):
                alloc[open_keys[i]] += 1
            remaining = 0
            break
        for k in open_keys:
            take = min(share, sizes[k] - alloc[k])
            alloc[k] += take
            remaining -= take
    return alloc


def stratified_sample(records: list[QARecord], n: int | None, seed: int) -> list[QARecord]:
    """The review sample: ``n`` records (all when ``n`` is None) stratified per task x scale."""
    rng = np.random.default_rng(seed)
    strata: dict[Stratum, list[QARecord]] = {}
    for r in sorted(records, key=lambda r: r.id):
        strata.setdefault((r.task, r.scale), []).append(r)
    total = len(records) if n is None else n
    alloc = allocate({k: len(v) for k, v in strata.items()}, total, rng)
    chosen: list[QARecord] = []
    for key in sorted(strata):
        members = strata[key]
        picks = rng.choice(len(members), size=alloc[key], replace=False)
        chosen.extend(members[int(i)] for i in sorted(picks))
    order = rng.permutation(len(chosen))
    return [chosen[int(i)] for i in order]


@dataclass
class Prompt:
    """One visual prompt to draw: a point [y, x], a box [x1, y1, x2, y2] or a mask overlay."""

    kind: str
    frame: int
    coords: list[float] = field(default_factory=list)
    mask: int | None = None  # index into record.annotations["masks"]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "frame": self.frame, "coords": self.coords}
        if self.mask is not None:
            d["mask"] = self.mask
        return d


def _frame_of_mask(record: QARecord, mask: dict[str, Any]) -> int:
    image_path = str(mask.get("image_path") or "")
    if image_path:
        norm = image_path.lstrip("./")
        for i, f in enumerate(record.frames):
            if f.lstrip("./") == norm:
                return i
        base = Path(norm).name
        for i, f in enumerate(record.frames):
            if Path(f).name == base:
                return i
    if isinstance(mask.get("image_index"), int):
        return int(mask["image_index"])
    return record.reference_frame if record.reference_frame is not None else 0


def _numbers(values: Any, n: int) -> list[float] | None:
    if not isinstance(values, (list, tuple)) or len(values) != n:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    return [float(v) for v in values]


def visual_prompts(record: QARecord) -> tuple[list[Prompt], list[str]]:
    """The record's visual prompts in drawing form, and warnings about malformed annotations."""
    prompts: list[Prompt] = []
    warnings: list[str] = []
    ann = record.annotations or {}
    n_frames = len(record.frames)
    for kind, key, n in (("point", "points", 2), ("box", "bboxes", 4)):
        for k, entry in enumerate(ann.get(key) or []):
            coords = _numbers(entry.get("coords") if isinstance(entry, dict) else None, n)
            idx = entry.get("image_index") if isinstance(entry, dict) else None
            if coords is None or not isinstance(idx, int) or not 0 <= idx < n_frames:
                warnings.append(f"{key}[{k}] is malformed or points outside the {n_frames} frames: {entry!r}")
                continue
            prompts.append(Prompt(kind, idx, coords))
    for k, entry in enumerate(ann.get("masks") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("mask_path"), str):
            warnings.append(f"masks[{k}] has no mask_path: {entry!r}")
            continue
        idx = _frame_of_mask(record, entry)
        if not 0 <= idx < n_frames:
            warnings.append(f"masks[{k}] refers to frame {idx}, outside the {n_frames} frames")
            continue
        prompts.append(Prompt("mask", idx, [], mask=k))
    return prompts, warnings


def item_payload(record: QARecord) -> dict[str, Any]:
    """What the review page needs to show one record."""
    prompts, warnings = visual_prompts(record)
    return {
        "id": record.id, "scene_id": record.scene_id, "task": record.task, "scale": record.scale,
        "category": record.category, "answer_type": record.answer_type, "input_type": record.input_type,
        "question": record.question, "options": list(record.options), "answer": record.answer,
        "unit": record.unit, "rationale": record.rationale, "exact_answer": record.exact_answer,
        "frames": list(record.frames), "reference_frame": record.reference_frame,
        "prompts": [p.to_dict() for p in prompts], "warnings": warnings,
    }
