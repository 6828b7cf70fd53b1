"""MMSI-Bench scored as its authors' answer extraction scores it (the regular expressions the
MMSI-Bench README publishes, used with its post-prompt), quirks included.

- the reply is narrowed to the inside of the first ````x````, then of the first ```x```, then of
  the first ``{x}``;
- the first capital ``A``–``D`` standing as a word and not followed by a space and a letter is the
  answer ("`B`", "B.", "(B)" score; "B is right" and a lower-case "b" do not); none found scores 0
  (the authors then fall back to an LLM judge, which is not reproduced here);
- it scores 1 when it equals the truth.
"""

from __future__ import annotations

import re
from typing import Any

from spacevista.qa.metrics import Score

POST_PROMPT = "\nAnswer with the option's letter from the given choices directly. Enclose the option's letter within ``."
_DOUBLE_TICK = re.compile(r"``([^`]*)``")
_TICK = re.compile(r"`([^`]*)`")
_BRACE = re.compile(r"\{([^}]*)\}")
_LETTER = re.compile(r"\b[A-D]\b(?!\s[a-zA-Z])")


def extract_letter(reply: str) -> str | None:
    """The option letter the MMSI-Bench extraction reads, or ``None``."""
    for pattern in (_DOUBLE_TICK, _TICK, _BRACE):
        m = pattern.search(reply)
        if m:
            reply = m.group(1)
    m = _LETTER.search(reply)
    return m.group() if m else None


def score_official(prediction: str | None, fields: dict[str, Any]) -> Score:
    """One reply scored by MMSI-Bench's rules (see the module docstring)."""
    if prediction is None:
        return Score(0.0, None, "no prediction")
    letter = extract_letter(prediction)
    if letter is None:
        return Score(0.0, None, "no letter A-D found (the authors fall back to an LLM judge)")
    truth = str(fields["answer"]).lower().replace("\n", " ").strip()
    return Score(1.0 if truth == letter.lower() else 0.0, letter)


def official_prompt(question: str) -> str:
    """The question and MMSI-Bench's post-prompt."""
    return f"{question.strip()}{POST_PROMPT}"
