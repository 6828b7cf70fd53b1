"""Self-scoring of the engine against exact answers.

The rules are the benchmark's (the evaluation harness owns the reference implementation); these
helpers apply them to values the engine already holds as numbers, so no text parsing is involved.
"""

from __future__ import annotations

import numpy as np

_THRESHOLDS = np.linspace(0.5, 0.95, 10)


def mra(pred: float, truth: float) -> float:
    """Mean Relative Accuracy over thresholds 0.50..0.95 (VSI-Bench); 0 truth scores exact matches."""
    if truth == 0:
        return float(pred == 0)
    rel = abs(pred - truth) / abs(truth)
    return float(np.mean(rel <= 1 - _THRESHOLDS))


def text_match(pred: str, truth: str) -> float:
    return float(" ".join(pred.lower().split()) == " ".join(truth.lower().split()))
