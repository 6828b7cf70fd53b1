"""SpaceVista-Bench scored as the official release scores it (``eval/metrics/common.py`` and
``spacevista_bench.py`` of the SpaceVista repository), quirks included.

The rules, item by item:

- **answer type** from the ground truth: one of ``A``–``E`` is multiple choice, anything ``float()``
  reads (``nan`` and ``inf`` too) is numerical, the rest is text;
- **extraction**: the *first* ``<answer>…</answer>`` (case-insensitive, across lines, inner spaces
  stripped); without one, the whole reply unchanged;
- **multiple choice**: a letter ``A``–``D`` (either case) at the very start followed by a word
  boundary is read as that letter ("B) chair", "b. text", "A chair"); otherwise the stripped
  reply itself is compared, case-insensitively, with the truth. So ``(B)``, ``**B**``, ``Option B``
  and ``The answer is B.`` score 0, and an ``E`` scores only as the bare letter;
- **numbers**: the first number word found in the fixed order zero, one, …, twenty, thirty, …,
  ninety, ``a``, ``an`` (whole words, anywhere) gives its value, so "a value of 12" reads 1 and
  "two or three" reads 2; else the first ``-?digits(.digits)`` in the reply ("1,200" reads 1, no
  unit conversion: "45 cm" reads 45);
- **MRA** with ``|ŷ − y| / |y|`` against ``1 − linspace(0.5, 0.95, 10)``, except for ``y = 0``
  where the error is ``|ŷ|`` (so 0.03 against 0 scores 1.0);
- **text**: stripped, case-insensitive equality (punctuation and articles count).

Implemented here from those rules; tests and ``benchmarks/scoring_modes.py`` compare it with the
robust mode.
"""

from __future__ import annotations

import math
import re
from typing import Any

from spacevista.qa.metrics import Score, mra_of_error, official_answer_type

_TAG_RE = re.compile(r"<answer>\s*(.*?)\s*</answer>", re.DOTALL | re.IGNORECASE)
_LEAD_LETTER_RE = re.compile(r"^\s*([A-D])\b", re.IGNORECASE)
_DIGITS_RE = re.compile(r"(-?\d+(\.\d+)?)")
#: number words in the order the official reader tries them (first hit wins, not first position)
_NUMBER_WORDS: tuple[tuple[str, str], ...] = (
    ("zero", "0"), ("one", "1"), ("two", "2"), ("three", "3"), ("four", "4"), ("five", "5"),
    ("six", "6"), ("seven", "7"), ("eight", "8"), ("nine", "9"), ("ten", "10"), ("eleven", "11"),
    ("twelve", "12"), ("thirteen", "13"), ("fourteen", "14"), ("fifteen", "15"), ("sixteen", "16"),
    ("seventeen", "17"), ("eighteen", "18"), ("nineteen", "19"), ("twenty", "20"), ("thirty", "30"),
    ("forty", "40"), ("fifty", "50"), ("sixty", "60"), ("seventy", "70"), ("eighty", "80"),
    ("ninety", "90"), ("a", "1"), ("an", "1"))
_WORD_RES = tuple((re.compile(r"\b" + re.escape(w) + r"\b"), d) for w, d in _NUMBER_WORDS)


def first_answer_tag(text: str) -> str:
    """The inside of the first ``<answer>`` pair, stripped; the reply unchanged when there is none."""
    m = _TAG_RE.search(text)
    return m.group(1).strip() if m else text


def lead_letter(text: str) -> str:
    """A leading ``A``–``D`` (upper-cased) when one starts the reply, else the stripped reply."""
    m = _LEAD_LETTER_RE.search(text.strip())
    return m.group(1).upper() if m else text.strip()


def number_text(text: str) -> str | None:
    """The number the official reader takes from a reply, as text; ``None`` when it finds none."""
    s = text.strip().lower()
    for pattern, digits in _WORD_RES:
        if pattern.search(s):
            return digits
    m = _DIGITS_RE.search(s)
    return m.group(1) if m else None


def same_text(a: str, b: str) -> bool:
    """Stripped, case-insensitive equality."""
    return a.strip().lower() == b.strip().lower()


def _float(s: Any) -> float | None:
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def mra_official(pred: float, target: float) -> float:
    """MRA with the absolute error when the truth is 0, float for float as the release computes it."""
    return mra_of_error(abs(pred - target) if target == 0.0 else abs(pred - target) / abs(target))


def score_official(prediction: str | None, answer: Any) -> Score:
    """One reply scored by the official SpaceVista-Bench rules (see the module docstring)."""
    if prediction is None:
        return Score(0.0, None, "no prediction")
    pred = first_answer_tag(prediction)
    kind = official_answer_type(answer)
    if kind == "mc":
        got = lead_letter(pred)
        return Score(1.0 if same_text(got, str(answer)) else 0.0, got)
    if kind == "numerical":
        digits = number_text(pred)
        value = _float(digits)
        target = _float(str(answer).strip())
        if value is None:
            return Score(0.0, None, f"no number found in {pred[:80]!r}")
        if target is None or math.isnan(target):
            return Score(0.0, value, "the truth is no number")
        return Score(mra_official(value, target), value)
    got = first_answer_tag(pred)
    return Score(1.0 if same_text(got, str(answer)) else 0.0, got.strip())
