"""STI-Bench (parquet: ID, Video, Question, Candidates, Answer, Task, time_start, time_end).

All questions are multiple choice; ``Candidates`` maps letters to option texts. The question is
prefixed with its time window ("From 1.0 seconds to 4.0 seconds. ...") as the official
evaluation does, and frames are sampled over the whole video. Overall: mean over tasks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spacevista.eval.benchmarks import BENCHMARKS
from spacevista.eval.benchmarks.base import ParquetBenchmark
from spacevista.qa.items import EvalItem, absolute_path

COLUMNS = frozenset({"ID", "Video", "Question", "Candidates", "Answer", "Task", "time_start", "time_end"})


def _candidates(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        value = json.loads(value)
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, list):
        return {chr(ord("A") + i): str(v) for i, v in enumerate(value)}
    raise ValueError(f"cannot read candidates {value!r}")


@BENCHMARKS.register("stibench")
class STIBench(ParquetBenchmark):
    """STI-Bench: spatial-temporal video QA (distances, speeds, trajectories)."""

    name = "stibench"
    primary = "task_mean"
    detect_priority = 40
    columns = COLUMNS

    def to_item(self, row: dict, root: Path, path: Path) -> EvalItem:
        cands = _candidates(row["Candidates"])
        q = f"From {row['time_start']} seconds to {row['time_end']} seconds. {row['Question']}"
        return self.make_item(
            row["ID"], q, row["Answer"], "mc", str(row["Task"]), options=list(cands.values()),
            options_block="\n".join(f"{k}. {v}" for k, v in cands.items()), video=absolute_path(row["Video"], root),
            extra={"time_start": row["time_start"], "time_end": row["time_end"]})
