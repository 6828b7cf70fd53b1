"""VSI-Bench scored as its reference implementation scores it (lmms-eval's ``vsibench`` task as
released with the benchmark, the rules behind the published tables), quirks included.

- **multiple-choice types**: the reply's first space-separated token, trailing dots removed and
  stripped, equals the letter case-insensitively ("B" and "b." score, "(B)" and "Option B" do not);
- **numerical types**: the same first token read with ``float()`` ("3.5" scores, "3.5m" and
  "about 3.5" do not), MRA with the error ``|ŷ − y| / y``; a negative truth makes that error
  negative, so every prediction passes, and a zero truth divides by zero (the reference raises;
  here it scores 0);
- no ``<answer>`` extraction: the reply is read as it is.

Later lmms-eval versions read numbers with a word-aware extractor; these rules are the original ones.
"""

from __future__ import annotations

from typing import Any

from spacevista.qa.metrics import Score, mra_of_error

MC_TYPES = ("object_rel_direction_easy", "object_rel_direction_medium", "object_rel_direction_hard",
            "object_rel_distance", "route_planning", "obj_appearance_order")
NUMERICAL_TYPES = ("object_abs_distance", "object_counting", "object_size_estimation", "room_size_estimation")


def first_token(reply: str) -> str:
    """The reference's reading of a reply: first space-separated token, trailing dots removed, stripped."""
    return reply.split(" ")[0].rstrip(".").strip()


def score_official(prediction: str | None, fields: dict[str, Any]) -> Score:
    """One reply scored by VSI-Bench's reference rules (see the module docstring)."""
    if prediction is None:
        return Score(0.0, None, "no prediction")
    token = first_token(prediction)
    task = fields.get("task") or ""
    numerical = task in NUMERICAL_TYPES or (task not in MC_TYPES and fields.get("answer_type") == "numerical")
    if not numerical:
        return Score(1.0 if token.lower() == str(fields["answer"]).lower() else 0.0, token)
    try:
        value, target = float(token), float(fields["answer"])
    except ValueError:
        return Score(0.0, None, f"first token {token[:40]!r} is no number")
    if target == 0.0:
        return Score(0.0, value, "zero ground truth: the reference divides by zero")
    return Score(mra_of_error(abs(value - target) / target), value)
