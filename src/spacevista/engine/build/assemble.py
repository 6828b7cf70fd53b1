"""From shards to the dataset: canonical order, build-wide dedup, leakage filter, manifest, report.

Everything written here is a function of the shards and the errors alone (no timings, no runner
names), so any runner, any worker count and any number of interrupted attempts give the same bytes.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from spacevista import __version__
from spacevista.engine.build.cache import shard_name
from spacevista.engine.scene.questions import SceneQA, normalise
from spacevista.engine.dataset.leakage import BenchIndex
from spacevista.engine.dataset.summary import summarise
from spacevista.engine.build.shards import SHARD_DIR, Shard, file_sha256
from spacevista.engine.dataset.writers import write_dataset
from spacevista.records import QARecord

MANIFEST_FORMAT = "spacevista-build"
MANIFEST_VERSION = 1


def dump_json(obj: Any, path: Path) -> None:
    """Sorted, indented JSON written atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_errors(errors: list[dict[str, Any]], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for e in errors:
            f.write(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def dedup_key(r: QARecord) -> tuple[str, str, str]:
    return (normalise(r.question), r.scene_id, r.answer)


def select(shards: list[Shard], bench: BenchIndex | None) -> tuple[list[Shard], list[QARecord], dict[str, Any],
                                                                   list[dict[str, Any]]]:
    """Apply the leakage filter, then build-wide dedup, in canonical order.

    Returns kept shards, kept records, a summary of what was removed, and assembly errors (a second
    source that yields an already-built scene id with different content)."""
    shards = sorted(shards, key=lambda s: (s.scene_id, s.source))
    leaked: list[dict[str, str]] = []
    kept: list[Shard] = []
    for s in shards:
        why = bench.match(s.scene_id, s.frame_hashes) if bench else None
        if why:
            leaked.append({"scene": s.scene_id, "source": s.source, "reason": why, "records": len(s.records)})
        else:
            kept.append(s)
    seen: set[tuple[str, str, str]] = set()
    owner: dict[str, str] = {}
    records: list[QARecord] = []
    final: list[Shard] = []
    errors: list[dict[str, Any]] = []
    n_dup = 0
    total = 0
    for s in kept:
        total += len(s.records)
        if s.scene_id in owner:
            if all(dedup_key(r) in seen for r in s.records):
                n_dup += len(s.records)  # the same scene read twice: all of it is a duplicate
                continue
            errors.append({"scene": s.scene_id, "source": s.source, "stage": "assemble",
                           "reason": f"scene id already built from {owner[s.scene_id]} with different "
                                     "content; this source is left out"})
            continue
        owner[s.scene_id] = s.source
        final.append(s)
        for r in s.records:
            k = dedup_key(r)
            if k in seen:
                n_dup += 1
                continue
            seen.add(k)
            records.append(r)
    removed = {"duplicates": n_dup, "duplicate_rate": round(n_dup / max(1, total), 6),
               "leakage": {"scenes": leaked, "records": sum(x["records"] for x in leaked),
                           "benchmarks": list(bench.files) if bench else [],
                           "benchmark_scene_ids": len(bench.scene_ids) if bench else 0,
                           "benchmark_frame_hashes": len(bench.frame_hashes) if bench else 0,
                           "benchmark_frames_missing": bench.missing_frames if bench else 0}}
    return final, records, removed, errors


def scene_table(shards: list[Shard], records: list[QARecord]) -> dict[str, Any]:
    """Per scene: source, scale, QA count per task and scale, every skipped task with its reason, the
    frames its reader dropped (with reasons), the poses it re-orthonormalised and the recovered metric
    scale of an SfM capture (factor, uncertainty, method)."""
    by_scene: dict[str, list[QARecord]] = {}
    for r in records:
        by_scene.setdefault(r.scene_id, []).append(r)
    out = {}
    for s in shards:
        rs = by_scene.get(s.scene_id, [])
        out[s.scene_id] = {"source": s.source, "scale": s.scale, "qa_count": len(rs),
                           "tasks": dict(sorted(Counter(r.task for r in rs).items())),
                           "task_scale": {t: dict(sorted(Counter(r.scale for r in rs if r.task == t).items()))
                                          for t in sorted({r.task for r in rs})},
                           "skipped": s.skipped, "dropped_frames": s.dropped_frames,
                           "pose_corrections": s.pose_corrections or {"corrected": 0, "max_correction": 0.0}}
        if s.metric_scale is not None:
            out[s.scene_id]["metric_scale"] = s.metric_scale
    return out


def assemble(out: Path, shards: list[Shard], errors: list[dict[str, Any]], bench: BenchIndex | None,
             settings: dict[str, Any], n_sources: int) -> dict[str, Any]:
    """Write qa.jsonl, qa.parquet, exports, manifest.json, report.json and errors.jsonl; returns the report."""
    kept, records, removed, more_errors = select(shards, bench)
    errors = sorted(errors + more_errors, key=lambda e: (e["source"], e["stage"], e["scene"] or ""))
    n = write_dataset(records, out)
    qa_sha = file_sha256(out / "qa.jsonl")
    by_scene: dict[str, list[QARecord]] = {}
    for r in records:
        by_scene.setdefault(r.scene_id, []).append(r)
    report = summarise([SceneQA(s.scene_id, s.scale, by_scene.get(s.scene_id, []), s.skipped, Counter(s.dropped),
                                s.crosscheck, s.metric_scale) for s in kept], errors)
    report["scenes"] = scene_table(kept, records)
    report["removed"] = removed
    report["failed_scenes"] = sorted({e["scene"] for e in errors})
    report["settings"] = settings
    shard_dir = out / SHARD_DIR
    manifest = {
        "format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "engine_version": __version__,
        "settings": settings,
        "shards": [{"file": f"{SHARD_DIR}/{shard_name(s.source)}", "source": s.source, "scene_id": s.scene_id,
                    "key": s.key, "records": len(s.records),
                    "sha256": file_sha256(shard_dir / shard_name(s.source))}
                   for s in sorted(shards, key=lambda s: (s.scene_id, s.source))],
        "counts": {"sources": n_sources, "scenes": len(kept), "errors": len(errors), "records": n,
                   "duplicates_removed": removed["duplicates"],
                   "leakage_records_removed": removed["leakage"]["records"]},
        "records_sha256": qa_sha,
    }
    write_errors(errors, out / "errors.jsonl")
    dump_json(report, out / "report.json")
    dump_json(manifest, out / "manifest.json")
    return report

