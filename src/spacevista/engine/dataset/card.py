"""The dataset card (``README.md``) that makes a dataset folder a Hugging Face dataset as it stands.

Its YAML header names ``qa.parquet`` as the one data file of the ``default`` configuration (the
folder's other JSON files are exports, not rows), lists the features of the Parquet schema and the
row count, and gives the licence: ``apache-2.0`` (the project's) for sets built from synthetic scenes
only, else ``other`` with the source datasets named, whose terms apply. The body counts the items
per task and per scale. ``datasets.load_dataset(folder)`` then reads the Parquet file with these
features.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from spacevista.records import QARecord

CARD_FILE = "README.md"
_DTYPES = {pa.string(): "string", pa.large_string(): "string", pa.int64(): "int64", pa.int32(): "int32",
           pa.float64(): "float64", pa.float32(): "float32", pa.bool_(): "bool", pa.null(): "null"}


def _feature_lines(schema: pa.Schema) -> list[str]:
    lines = []
    for f in schema:
        if f.type not in _DTYPES:
            raise ValueError(f"qa.parquet column {f.name} has type {f.type}, which the card cannot name")
        lines += [f"  - name: {f.name}", f"    dtype: {_DTYPES[f.type]}"]
    return lines


def _table(title: str, counts: Counter) -> list[str]:
    lines = [f"| {title} | items |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(counts.items())]
    return lines


def card_text(records: list[QARecord], schema: pa.Schema, num_bytes: int) -> str:
    """The card of a set written as ``qa.parquet`` with ``schema`` (``num_bytes`` in memory)."""
    sources = sorted({r.source for r in records})
    synthetic = sources == ["synth"]
    header = ["---", f"license: {'apache-2.0' if synthetic else 'other'}"]
    if not synthetic:
        header.append("license_name: source-dataset-terms")
    header += ["pretty_name: SpaceVista engine set", "task_categories:", "- visual-question-answering",
               "configs:", "- config_name: default", "  data_files:", "  - split: train", "    path: qa.parquet",
               "dataset_info:", "  features:"]
    header += _feature_lines(schema)
    header += ["  splits:", "  - name: train", f"    num_bytes: {num_bytes}", f"    num_examples: {len(records)}",
               "---", ""]
    body = ["# SpaceVista engine set", "",
            f"{len(records)} spatial questions written by the SpaceVista data engine, one row per "
            "question in `qa.parquet` (nested fields as JSON text); the same rows are in `qa.jsonl`. "
            "Frame paths are relative to this folder.", "",
            "Exports beside it: `sft.json` (ShareGPT, declared in `dataset_info.json` for LLaMA-Factory), "
            "`grpo.jsonl` (TRL GRPO columns), `bench.json` (official SpaceVista-Bench layout).", "",
            "Licence: " + ("Apache-2.0; the scenes are synthetic." if synthetic else
                           "the terms of the source datasets apply (" + ", ".join(sources) + ")."), ""]
    body += _table("task", Counter(r.task for r in records)) + [""]
    body += _table("scale", Counter(r.scale for r in records)) + [""]
    return "\n".join(header + body)


def write_card(records: list[QARecord], out: Path) -> Path:
    """Write ``README.md`` for ``out/qa.parquet`` (already written); returns its path."""
    path = out / CARD_FILE
    tmp = path.with_name(path.name + ".tmp")
    table = pq.read_table(out / "qa.parquet")
    tmp.write_text(card_text(records, table.schema, table.nbytes), encoding="utf-8")
    os.replace(tmp, path)
    return path
