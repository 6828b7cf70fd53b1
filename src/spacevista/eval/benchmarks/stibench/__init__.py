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
from spacevista.eval.benchmarks.stibench import official
from spacevista.qa.items import EvalItem, absolute_path
from spacevista.qa.metrics import Score

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

    def score_official(self, prediction: str | None, fields: dict[str, Any]) -> Score:
        return official.score_official(prediction, fields)

    def prompt_text(self, item: EvalItem, mode: str) -> str:
        if mode == "official":
            letters = [chr(ord("A") + i) for i in range(len(item.options))]
            return official.official_prompt(item.question, list(zip(letters, item.options)))
        return super().prompt_text(item, mode)

    def to_item(self, row: dict, root: Path, path: Path) -> EvalItem:
        cands = _candidates(row["Candidates"])
        q = f"From {row['time_start']} seconds to {row['time_end']} seconds. {row['Question']}"
        return self.make_item(
            row["ID"], q, row["Answer"], "mc", str(row["Task"]), options=list(cands.values()),
            options_block="\n".join(f"{k}. {v}" for k, v in cands.items()), video=absolute_path(row["Video"], root),
            extra={"time_start": row["time_start"], "time_end": row["time_end"]})
