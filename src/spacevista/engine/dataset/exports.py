"""Training and benchmark exports of a built dataset.

- ``sft.json``: ShareGPT conversations (``messages`` with role/content, ``videos`` as one list of frame
  paths per item) as common VLM fine-tuning tools read them; the user turn is the same prompt the
  evaluation harness sends (``think`` mode), the assistant turn the grounded rationale with
  ``<think>``/``<answer>``.
- ``grpo.jsonl``: one RL record per item: prompt, frames, answer, answer type, options, unit and the
  anchors the progressive reward checks.
- ``bench.json``: the official SpaceVista-Bench JSON entries.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from spacevista.qa.items import record_to_item
from spacevista.qa.prompts import prompt_text
from spacevista.io.bench import write_bench_json
from spacevista.records import QARecord

VIDEO_TOKEN = "<video>"


def _dump(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def user_prompt(record: QARecord, root: Path) -> str:
    """The user text of an item: question, options, and the think/answer instruction."""
    return prompt_text(record_to_item(record, root), mode="think")


def sharegpt_entry(record: QARecord, root: Path) -> dict[str, Any]:
    return {"id": record.id,
            "messages": [{"role": "user", "content": f"{VIDEO_TOKEN}{user_prompt(record, root)}"},
                         {"role": "assistant", "content": record.rationale}],
            "videos": [list(record.frames)],
            "scale": record.scale, "task": record.task}


def grpo_entry(record: QARecord, root: Path) -> dict[str, Any]:
    return {"id": record.id, "prompt": user_prompt(record, root), "frames": list(record.frames),
            "answer": record.answer, "answer_type": record.answer_type, "options": list(record.options),
            "unit": record.unit, "anchors": record.anchors, "scale": record.scale, "task": record.task,
            "input_type": record.input_type, "annotations": record.annotations}


def write_exports(records: Iterable[QARecord], out: Path, exclude: set[str] = frozenset()) -> dict[str, int]:
    """Write sft.json, grpo.jsonl and bench.json beside qa.jsonl; ``exclude`` drops ids (e.g. items
    rejected in review)."""
    recs = [r for r in records if r.id not in exclude]
    _dump([sharegpt_entry(r, out) for r in recs], out / "sft.json")
    tmp = out / "grpo.jsonl.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(grpo_entry(r, out), ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, out / "grpo.jsonl")
    n_bench = write_bench_json(recs, out / "bench.json", out)
    return {"sft": len(recs), "grpo": len(recs), "bench": n_bench}
