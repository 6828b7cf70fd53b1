"""SpaceVista-Bench: the official JSON list (see :mod:`spacevista.io.bench`).

Answer type from the answer (A–E mc, a float numerical, else text); the unit of a numerical
answer is the one the question asks for ("in centimeters"), else the scale's; the overall score is the
mean over items, reported per category (Indoor, Outdoor, Tabletop, TinyTabletop) and per
``original_type``. Point, box and mask prompts are drawn on the frame they name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacevista.qa.answers import unit_in_question
from spacevista.eval.benchmarks import BENCHMARKS, Benchmark, options_in_text
from spacevista.qa.items import EvalItem, absolute_path, resolve_annotations
from spacevista.qa.metrics import answer_type_of
from spacevista.io.bench import read_bench_json

_UNIT_OF_SCALE = {"mm": "mm", "cm": "cm", "m": "m", "<km": "m", "km": "km"}


@BENCHMARKS.register("spacevista")
class SpaceVistaBench(Benchmark):
    """SpaceVista-Bench official JSON (bench_all_clean.json layout)."""

    name = "spacevista"
    primary = "item_mean"

    @classmethod
    def detect(cls, path: Path) -> bool:
        if path.is_dir() or path.suffix.lower() != ".json":
            return False
        with open(path, encoding="utf-8") as f:
            head = f.read(1 << 20)  # an entry is far shorter than 1 MB
        return head.lstrip().startswith("[") and '"videos"' in head

    def load(self, path: Path) -> list[EvalItem]:
        base = path.parent
        items = []
        for e in read_bench_json(path):
            meta = e.get("metadata") or {}
            atype = answer_type_of(e["answer"])
            otype = str(meta.get("original_type", ""))
            unit = meta.get("unit")
            if unit is None:  # the unit the question asks for, else the scene's scale unit
                unit = unit_in_question(e["question"])
            if unit is None:
                unit = "" if "COUNT" in otype.upper() else _UNIT_OF_SCALE.get(str(meta.get("scale", "")), "")
            options = list(meta.get("options") or []) or options_in_text(e["question"])
            frames = [absolute_path(f, base) for f in e["videos"][0]]
            items.append(EvalItem(
                id=str(e["id"]), benchmark=self.name, question=e["question"], answer=str(e["answer"]).strip(),
                answer_type=atype, task=str(meta.get("task") or otype or "unknown"),
                category=str(meta.get("category", "")), options=options if atype == "mc" else [],
                n_options=(len(options) or 5) if atype == "mc" else 0, unit=unit if atype == "numerical" else "",
                frames=frames, input_type=e.get("input_type") or "image_text",
                annotations=resolve_annotations(e.get("annotations") or {}, base),
                extra={"original_type": otype, "scale": meta.get("scale")}))
        return items

