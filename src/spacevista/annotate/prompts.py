"""The few-shot prompts sent to the annotating model, and the hash that names each request.

Three kinds of request per item:

- ``rationale`` (every item): a cognition-inspired system prompt (look, locate, measure, relate,
  conclude), two worked examples, then the item's question and options with its frames (visual
  prompts drawn, as the evaluation harness sends them). In ``hinted`` mode the prompt also lists the
  facts the engine measured (the grounded rationale's reasoning, with every statement of the
  option letter removed, and the metric scale); in ``blind`` mode it does not. The model answers
  ``<think>..</think><answer>..</answer><confidence>0-100</confidence>``.
- ``instruction`` (planning tasks): the question and the planner's route in its fixed wording; the
  model writes a natural, step-by-step instruction a person could follow.
- ``rephrase`` (relation tasks): the model rewrites the question in other words.

The answer letter or number is never part of the prompt: in hinted mode the facts contain the
measurements from which the answer follows, so the model is asked to explain, and the consistency
filter still rejects a rationale that ends elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from spacevista.eval.backends.openai_api import chat_messages
from spacevista.qa.items import record_to_item
from spacevista.qa.prompts import item_images, prompt_text
from spacevista.qa.types import Prompt
from spacevista.records import QARecord

MODES = ("hinted", "blind")
KINDS = ("rationale", "instruction", "rephrase")

SYSTEM = (
    "You are an expert in spatial reasoning over videos, from millimetre-sized parts to "
    "kilometre-wide city blocks. Reason the way a careful human observer does:\n"
    "1. Look: say which frames show the objects the question is about (marked objects carry a "
    "coloured point, box or mask).\n"
    "2. Locate: place each object in 3D relative to the camera and to the others.\n"
    "3. Measure: estimate the sizes, distances or angles the question needs, with units, using the "
    "scale of familiar objects.\n"
    "4. Relate: compare the measurements or relations the question asks about.\n"
    "5. Conclude: state the answer.\n"
    "Write the reasoning inside <think> </think>, the final answer inside <answer> </answer> (only "
    "the option letter for multiple choice, only the number for numerical questions), then your "
    "confidence that the answer is right, 0 to 100, inside <confidence> </confidence>.")

FEW_SHOT = (
    ("How far apart are the chair and the lamp (closest surfaces), in metres?",
     "Measured by the engine: the nearest points of the two objects are 1.2 m apart; the chair's "
     "box is 0.9 m tall.",
     "<think>Frames 1 and 3 show both objects. The chair stands on the floor near the left wall and "
     "the lamp stands to its right. The chair is about 0.9 m tall, and the gap between them is a bit "
     "more than one chair height, about 1.2 m between the closest surfaces.</think>"
     "<answer>1.2</answer><confidence>80</confidence>"),
    ("Which object is taller?\nA. the cup\nB. the bottle",
     "Measured by the engine: the cup's box is 9.5 cm tall and the bottle's 24 cm.",
     "<think>The cup and the bottle stand side by side on the table in frame 2. The cup is about "
     "9.5 cm tall while the bottle reaches about 24 cm, more than twice as high, so the bottle is "
     "taller.</think><answer>B</answer><confidence>95</confidence>"),
)

INSTRUCTION_SYSTEM = (
    "You turn a planner's route into a clear instruction a person could follow. Keep every "
    "movement in the same order and direction (left, right, forward, back, up, down) and keep the "
    "distances and angles; you may add landmarks you see. Reply with the instruction only.")

INSTRUCTION_SHOT = (
    "Plan: Turn left 30 degrees, then go forward 2.5 m passing the table on your right.",
    "Turn about 30 degrees to your left and walk straight ahead for 2.5 metres, keeping the table "
    "on your right.")

REPHRASE_SYSTEM = (
    "You rewrite a spatial question in different words. Keep its meaning exactly: the same objects "
    "(and the same frame and marker references) and the same spatial relation, so that the same "
    "options still answer it. Reply with the rewritten question only.")

REPHRASE_SHOT = ("Is the mug to the left of the laptop in frame 2?",
                 "In frame 2, does the mug sit on the left side of the laptop?")

# the option letter stated in a grounded rationale: "so the answer is B", "option C"
_LETTER_RE = re.compile(r"(?i:\b(?:so\s+)?(?:the answer is|answer:|option|choice))\s*\(?[A-Z]\)?(?![A-Za-z])[.,]?")
_THINK_RE = re.compile(r"<think>(.*?)</think>", re.DOTALL | re.IGNORECASE)


def engine_facts(record: QARecord) -> str:
    """What the engine measured for ``record``: the grounded reasoning without the option letter,
    plus the metric scale of the scene."""
    m = _THINK_RE.search(record.rationale or "")
    body = (m.group(1) if m else re.sub(r"<[^>]+>", " ", record.rationale or "")).strip()
    body = _LETTER_RE.sub("so the answer is", body)
    scale = record.anchors.get("scale") if isinstance(record.anchors, dict) else None
    extra = f" The scene spans about {float(scale):.3g} m." if isinstance(scale, (int, float)) else ""
    return f"Measured by the engine: {body}{extra}".strip()


def _examples(mode: str) -> str:
    parts = []
    for q, facts, reply in FEW_SHOT:
        head = f"Question: {q}" + (f"\n{facts}" if mode == "hinted" else "")
        parts.append(f"Example\n{head}\nReply: {reply}")
    return "\n\n".join(parts)


def rationale_text(record: QARecord, root: Path, mode: str) -> str:
    """The user text of a rationale request."""
    if mode not in MODES:
        raise ValueError(f"unknown annotate mode {mode!r}; expected one of {MODES}")
    item = record_to_item(record, root)
    q = prompt_text(item, mode="direct").split("\n", 1)[1]  # the question and options, no preamble
    q = q.rsplit("\n", 1)[0] if "\n" in q else q  # drop the direct-answer instruction line
    lines = [_examples(mode), "", "Now the frames above.", f"Question: {q}"]
    if mode == "hinted":
        lines.append(engine_facts(record))
    unit = f" (in {record.unit})" if record.unit and record.answer_type == "numerical" else ""
    lines.append(f"Reply in the format of the examples; the answer{unit} goes inside <answer> </answer>.")
    return "\n".join(lines)


def plan_text(record: QARecord) -> str:
    """The planner's path in its fixed wording: the correct option (mc) or the answer (text)."""
    return record.option_text if record.answer_type == "mc" else record.answer


def instruction_text(record: QARecord) -> str:
    shot_plan, shot_reply = INSTRUCTION_SHOT
    return (f"Example\n{shot_plan}\nInstruction: {shot_reply}\n\n"
            f"Task: {record.question}\nPlan: {plan_text(record)}\nInstruction:")


def rephrase_text(record: QARecord) -> str:
    shot_q, shot_r = REPHRASE_SHOT
    opts = ("\nOptions (kept as they are, for context): " + "; ".join(record.options)) if record.options else ""
    return f"Example\nQuestion: {shot_q}\nRewritten: {shot_r}\n\nQuestion: {record.question}{opts}\nRewritten:"


def build_prompt(record: QARecord, root: Path, kind: str, mode: str = "hinted", *, n_frames: int = 8,
                 max_side: int = 448, max_new_tokens: int = 1024) -> Prompt:
    """The request of ``kind`` for ``record``; the rationale request carries the frames with their
    visual prompts drawn, the text requests carry the frames too so the model can name landmarks."""
    item = record_to_item(record, root)
    images = item_images(item, n_frames, max_side)
    if kind == "rationale":
        return Prompt(id=record.id, text=rationale_text(record, root, mode), images=images, system=SYSTEM,
                      max_new_tokens=max_new_tokens)
    if kind == "instruction":
        return Prompt(id=record.id, text=instruction_text(record), images=images, system=INSTRUCTION_SYSTEM,
                      max_new_tokens=max_new_tokens)
    if kind == "rephrase":
        return Prompt(id=record.id, text=rephrase_text(record), images=images, system=REPHRASE_SYSTEM,
                      max_new_tokens=max_new_tokens)
    raise ValueError(f"unknown request kind {kind!r}; expected one of {KINDS}")


def prompt_hash(model: str, prompt: Prompt, jpeg_quality: int = 85) -> str:
    """SHA-256 of the model name and the exact chat messages (image bytes included, as sent)."""
    payload = {"model": model, "messages": chat_messages(prompt, jpeg_quality),
               "max_tokens": prompt.max_new_tokens}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def prompt_messages_preview(prompt: Prompt) -> dict[str, Any]:
    """The prompt as text (images counted, not shown): for docs and logs."""
    return {"system": prompt.system, "images": len(prompt.images), "text": prompt.text}
