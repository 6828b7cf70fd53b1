"""Fixtures: a hand-written dataset whose model replies are scripted per item, and the small demo set."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spacevista.annotate.prompts import INSTRUCTION_SYSTEM, REPHRASE_SYSTEM
from spacevista.annotate.loopback import ChatRequest
from spacevista.io.jsonl import write_jsonl
from spacevista.records import QARecord

ROUTE = ["Turn left 30 degrees, then go forward 2 m, turn right 60 degrees, then go forward 1.5 m.",
         "Turn right 30 degrees, then go forward 2 m, turn left 60 degrees, then go forward 1.5 m.",
         "Go forward 3 m.",
         "Turn left 30 degrees, then go forward 4 m."]
MOVES = "Lift it 2 cm, move it left 5 cm, move it forward 3 cm, then lower it 2 cm."


def _rec(key: str, task: str, answer_type: str, answer: str, options=(), unit="", semantics=("cup", "bottle"),
         question: str | None = None, rationale: str = "") -> QARecord:
    return QARecord(
        id=key, scene_id="tiny", source="synth", scale="tabletop", category="tabletop", task=task,
        answer_type=answer_type, question=question or f"[{key}] Which object is taller, the cup or the bottle?",
        answer=answer, options=list(options), unit=unit,
        rationale=rationale or f"<think>I measured the objects for {key}; so the answer is {answer}.</think>"
                               f"<answer>{answer}</answer>",
        anchors={"scale": 1.0, "semantics": list(semantics)},
        frames=["frames/a.png", "frames/b.png"], frame_indices=[0, 1], metadata={"kind": task})


def tiny_records() -> list[QARecord]:
    return [
        _rec("q1", "size_comparison", "mc", "B", ["the cup", "the bottle"]),
        _rec("q2", "size_comparison", "mc", "A", ["the cup", "the bottle", "the box"]),
        _rec("q3", "absolute_distance", "numerical", "2.0", unit="m",
             question="[q3] How far apart are the cup and the bottle, in metres?"),
        _rec("q4", "absolute_distance", "numerical", "2.0", unit="m",
             question="[q4] How far apart are the cup and the bottle, in metres?"),
        _rec("q5", "size_comparison", "mc", "A", ["the cup", "the bottle"]),
        _rec("q6", "route_planning", "mc", "A", ROUTE, question="[q6] How do you walk from the cup to the bottle?"),
        _rec("q7", "route_planning", "mc", "A", ROUTE, question="[q7] How do you walk from the cup to the bottle?"),
        _rec("q8", "manipulation_planning", "text", MOVES, unit="cm",
             question="[q8] Plan the moves that put the cup to the left of the bottle."),
        _rec("q9", "position_comparison", "mc", "A", ["yes", "no"],
             question="[q9] In frame 1, is the cup to the left of the bottle?"),
        _rec("q10", "position_comparison", "mc", "A", ["yes", "no"],
             question="[q10] In frame 1, is the cup to the left of the bottle?"),
        _rec("q11", "size_comparison", "mc", "B", ["the cup", "the bottle"]),
    ]


#: replies of model "m-a": (rationale reply, instruction / rephrase reply)
REPLIES_A = {
    "q1": "<think>The bottle is twice as tall as the cup.</think><answer>B</answer><confidence>90</confidence>",
    "q2": "<think>The box looks tallest.</think><answer>C</answer><confidence>70</confidence>",
    "q3": "<think>About 2.15 m separate them.</think><answer>2.15 m</answer>",
    "q4": "<think>About 2.5 m separate them.</think><answer>2.5</answer>",
    "q5": "I am not sure what is taller.",
    "q6": "<think>Left first, then right around the table.</think><answer>A</answer><confidence>80</confidence>",
    "q7": "<think>Left first, then right around the table.</think><answer>A</answer><confidence>80</confidence>",
    "q8": f"<think>Lift over the bottle, then across.</think><answer>{MOVES}</answer>",
    "q9": "<think>The cup is left of the bottle.</think><answer>A</answer>",
    "q10": "<think>The cup is left of the bottle.</think><answer>A</answer>",
    "q11": 400,  # the server refuses this one for good
}
INSTR_A = {
    "q6": "Turn slightly to your left and walk straight for 2 m, then turn right and walk 1.5 m, "
          "keeping the table on your left.",
    "q7": "Turn slightly to your right and walk 2 m, then turn left and walk 1.5 m.",
    "q8": "Raise the cup 2 cm, slide it 5 cm to the left, push it 3 cm forward and lower it 2 cm.",
}
REPHRASE_A = {
    "q9": "Looking at frame 1, does the cup sit on the left side of the bottle?",
    "q10": "Looking at frame 1, is the cup to the right of the bottle?",
}

_KEY = re.compile(r"\[(q\d+)\]")


def script_a(req: ChatRequest) -> str | int:
    """Model m-a: answers per item key found in the prompt."""
    m = _KEY.search(req.text)
    if m is None:
        return 400
    key = m.group(1)
    if req.system == INSTRUCTION_SYSTEM:
        return INSTR_A[key]
    if req.system == REPHRASE_SYSTEM:
        return REPHRASE_A[key]
    return REPLIES_A[key]


def write_tiny(root: Path, records: list[QARecord]) -> Path:
    (root / "frames").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name in ("a.png", "b.png"):
        Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(root / "frames" / name)
    write_jsonl(records, root / "qa.jsonl")
    return root


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_tiny(tmp_path / "tiny", tiny_records())


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory) -> Path:
    from spacevista.engine.build.demo import DemoConfig, run_demo

    out = tmp_path_factory.mktemp("demo") / "d"
    run_demo(out, DemoConfig(scenes_per_scale=1, frames=4, width=96, height=72, workers=1))
    return out


@pytest.fixture
def demo(demo_master: Path, tmp_path: Path) -> Path:
    """A private copy of the demo set (runs write beside qa.jsonl)."""
    return Path(shutil.copytree(demo_master, tmp_path / "demo"))
