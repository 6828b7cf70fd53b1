"""Dataset writers: qa.jsonl (canonical), Parquet, and the official SpaceVista-Bench JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from spacevista.engine.dataset.card import write_card
from spacevista.io.jsonl import write_jsonl
from spacevista.records import QARecord

_JSON_FIELDS = ("options", "anchors", "annotations", "frames", "frame_indices", "metadata", "provenance")


def write_parquet(records: list[QARecord], path: Path) -> None:
    """One row per record; nested fields stored as JSON text so every reader sees one flat schema."""
    rows = []
    for r in records:
        d = r.to_dict()
        for k in _JSON_FIELDS:
            d[k] = json.dumps(d[k], sort_keys=True, ensure_ascii=False)
        rows.append(d)
    table = pa.Table.from_pylist(rows)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def write_dataset(records: Iterable[QARecord], out: Path, exports: bool = True) -> int:
    """Write ``qa.jsonl``, ``qa.parquet`` and its dataset card ``README.md`` (see
    ``spacevista.engine.dataset.card``) in canonical order (scene, id), and with ``exports``
    the SFT, GRPO and SpaceVista-Bench files (see ``spacevista.engine.dataset.exports``). The exports leave
    out items listed in ``out/rejected.txt`` (written by ``spacevista review-report --mark-rejected``);
    ``qa.jsonl`` keeps every record."""
    recs = sorted(records, key=lambda r: (r.scene_id, r.id))
    n = write_jsonl(recs, out / "qa.jsonl")
    if recs:
        write_parquet(recs, out / "qa.parquet")
        write_card(recs, out)
        if exports:
            from spacevista.engine.dataset.exports import write_exports
            from spacevista.io.rejected import load_rejected

            write_exports(recs, out, exclude=load_rejected(out))
    return n
