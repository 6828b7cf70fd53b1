"""MMSI-Bench (parquet: id, images, question, answer, question_type).

Multi-image multiple choice; the options are in the question text and the images are embedded
(encoded bytes, or ``{"bytes": ...}`` structs, or paths relative to the parquet). Overall: mean
over question types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacevista.eval.benchmarks import BENCHMARKS, Benchmark, options_in_text, parquet_columns, parquet_rows
from spacevista.qa.items import EvalItem

COLUMNS = {"id", "images", "question", "answer", "question_type"}


def image_payloads(images: Any, root: Path, item_id: str) -> tuple[list[bytes], list[str]]:
    """Embedded images as bytes, or as file paths when the column holds paths."""
    blobs: list[bytes] = []
    paths: list[str] = []
    for im in list(images or []):
        if isinstance(im, dict):
            if im.get("bytes"):
                blobs.append(im["bytes"])
            elif im.get("path"):
                p = Path(im["path"])
                paths.append(str(p if p.is_absolute() else root / p))
        elif isinstance(im, (bytes, bytearray)):
            blobs.append(bytes(im))
        elif isinstance(im, str):
            p = Path(im)
            paths.append(str(p if p.is_absolute() else root / p))
        else:
            raise ValueError(f"item {item_id}: cannot read an image of type {type(im).__name__}")
    return blobs, paths


@BENCHMARKS.register("mmsi")
class MMSIBench(Benchmark):
    """MMSI-Bench: multi-image spatial intelligence, multiple choice."""

    name = "mmsi"
    primary = "task_mean"

    @classmethod
    def detect(cls, path: Path) -> bool:
        cols = parquet_columns(path)
        return COLUMNS <= cols and "img_type" not in cols

    def load(self, path: Path) -> list[EvalItem]:
        root = path if path.is_dir() else path.parent
        items = []
        for row in parquet_rows(path):
            blobs, paths = image_payloads(row["images"], root, str(row["id"]))
            opts = options_in_text(row["question"])
            items.append(EvalItem(
                id=str(row["id"]), benchmark=self.name, question=row["question"],
                answer=str(row["answer"]).strip(), answer_type="mc", task=str(row["question_type"]),
                category=str(row.get("difficulty") or ""), options=opts, n_options=len(opts) or 4,
                frames=paths, image_bytes=blobs))
        return items
