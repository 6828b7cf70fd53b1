"""Statistics of review judgements: Wilson score intervals and inter-annotator agreement."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Iterable, Sequence

from spacevista.review.storage import Judgement

#: two-sided 95% normal quantile
Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a binomial proportion; ``None`` when ``n`` is 0."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"wilson_interval: need 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def percent_agreement(a: Sequence[str], b: Sequence[str]) -> float:
    """Fraction of items on which two raters gave the same label."""
    if len(a) != len(b) or not a:
        raise ValueError("percent_agreement: need two equally long, non-empty label lists")
    return sum(x == y for x, y in zip(a, b)) / len(a)


def cohens_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters; ``None`` when chance agreement is 1 (both used one label only).

    kappa = (p_o - p_e) / (1 - p_e), p_e = sum over labels of p_a(label) * p_b(label).
    """
    p_o = percent_agreement(a, b)
    n = len(a)
    labels = set(a) | set(b)
    p_e = sum((sum(x == lab for x in a) / n) * (sum(y == lab for y in b) / n) for lab in labels)
    if math.isclose(p_e, 1.0):
        return None
    return (p_o - p_e) / (1 - p_e)


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of two annotators on the items both judged."""

    annotator_a: str
    annotator_b: str
    n_items: int
    percent: float
    kappa: float | None

    def to_dict(self) -> dict[str, object]:
        return {"annotator_a": self.annotator_a, "annotator_b": self.annotator_b,
                "n_items": self.n_items, "percent_agreement": self.percent, "cohens_kappa": self.kappa}


def pairwise_agreement(judgements: Iterable[Judgement]) -> list[PairAgreement]:
    """Percent agreement and Cohen's kappa for every annotator pair with overlapping items.

    ``judgements`` should be the latest verdict per (item, annotator).
    """
    by_annotator: dict[str, dict[str, str]] = {}
    for j in judgements:
        by_annotator.setdefault(j.annotator, {})[j.item_id] = j.verdict
    out = []
    for x, y in combinations(sorted(by_annotator), 2):
        common = sorted(set(by_annotator[x]) & set(by_annotator[y]))
        if not common:
            continue
        a = [by_annotator[x][i] for i in common]
        b = [by_annotator[y][i] for i in common]
        out.append(PairAgreement(x, y, len(common), percent_agreement(a, b), cohens_kappa(a, b)))
    return out
