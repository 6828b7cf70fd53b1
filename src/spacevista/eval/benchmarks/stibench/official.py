"""STI-Bench scored as the SpaceVista release scores it (``eval/metrics/stibench.py``; STI-Bench
itself publishes inference scripts only), quirks included.

- with an ``<answer>`` tag (exact lower-case ``<answer>`` in the reply) the inside of the first
  pair is read;
- the letter is the first that one of these finds, in this order, case-insensitively: ``(X)``,
  ``Ans = X``, ``Answer: X``, ``Option X``, ``X is correct``, ``X.``/``X)`` ending a line, a line
  that is only ``X``, then a leading ``X`` standing as a word (X in ``A``–``E``);
- without one the stripped reply itself; it scores 1 when it equals the truth case-insensitively.
"""

from __future__ import annotations

import re
from typing import Any

from spacevista.eval.benchmarks.spacevista_bench.official import first_answer_tag, same_text
from spacevista.qa.metrics import Score

_PATTERNS = tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in (
    r"\(([A-E])\)", r"Ans\s*=\s*['\"]?([A-E])['\"]?", r"Answer\s*[:=]\s*([A-E])", r"Option\s+([A-E])",
    r"\b([A-E])\s*(?:is|was)\s*correct", r"\b([A-E])[\.\)]\s*$", r"^\s*([A-E])\s*$"))
_HEAD = re.compile(r"^\s*([A-E])\b", re.IGNORECASE)
PRE_PROMPT = "Question: {question}\n"
MC_POST_PROMPT = "Answer with the option's letter from the given choices directly."


def read_choice(reply: str) -> str | None:
    """The letter the reference reads, upper-cased, or ``None``."""
    for pattern in _PATTERNS:
        m = pattern.search(reply)
        if m:
            return m.group(1).upper()
    m = _HEAD.match(reply.strip())
    return m.group(1).upper() if m else None


def score_official(prediction: str | None, fields: dict[str, Any]) -> Score:
    """One reply scored by the reference STI-Bench rules (see the module docstring)."""
    if prediction is None:
        return Score(0.0, None, "no prediction")
    reply = first_answer_tag(prediction) if "<answer>" in prediction else prediction
    got = read_choice(reply) or reply.strip()
    return Score(1.0 if same_text(got, str(fields["answer"])) else 0.0, got)


def official_prompt(question: str, candidates: list[tuple[str, str]]) -> str:
    """The reference's default multiple-choice prompt: ``Question: …`` with ``X text`` candidate
    lines, a blank line, then the post-prompt."""
    body = question + ("\n" + "\n".join(f"{k} {v}" for k, v in candidates) if candidates else "")
    return PRE_PROMPT.format(question=body) + "\n" + MC_POST_PROMPT
