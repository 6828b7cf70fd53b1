"""STI-Bench (parquet: ID, Video, Question, Candidates, Answer, Task, time_start, time_end).

All questions are multiple choice; ``Candidates`` maps letters to option texts. The question is
prefixed with its time window ("From 1.0 seconds to 4.0 seconds. ...") as the official
evaluation does, and frames are sampled over the whole video. Overall: mean over tasks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spacevista.eval.benchmarks import BENCHMARKS, Benchmark, parquet_columns, parquet_rows
from spacevista.qa.items import EvalItem

COLUMNS = {"ID", "Video", "Question", "Candidates", "Answer", "Task", "time_start", "time_end"}


def _candidates(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        value = json.loads(value)
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, list):
        return {chr(ord("A") + i): str(v) for i, v in enumerate(value)}
    raise ValueError(f"cannot read candidates {value!r}")


@BENCHMARKS.register("stibench")
class STIBench(Benchmark):
    """STI-Bench: spatial-temporal video QA (distances, speeds, trajectories)."""

    name = "stibench"
    primary = "task_mean"

    @classmethod
    def detect(cls, path: Path) -> bool:
        return COLUMNS <= parquet_columns(path)

    def load(self, path: Path) -> list[EvalItem]:
        root = path if path.is_dir() else path.parent
        items = []
        for row in parquet_rows(path):
            cands = _candidates(row["Candidates"])
            video = Path(row["Video"])
            q = f"From {row['time_start']} seconds to {row['time_end']} seconds. {row['Question']}"
            items.append(EvalItem(
                id=str(row["ID"]), benchmark=self.name, question=q, answer=str(row["Answer"]).strip(),
                answer_type="mc", task=str(row["Task"]), category="",
                options=list(cands.values()), options_block="\n".join(f"{k}. {v}" for k, v in cands.items()),
                n_options=len(cands), video=str(video if video.is_absolute() else root / video),
                extra={"time_start": row["time_start"], "time_end": row["time_end"]}))
        return items
