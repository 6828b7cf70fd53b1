"""Numeric distractors that do not point at the answer.

Four options sorted by value have a shape (the three gaps between neighbours, on a log scale) and
the answer has a rank among them. The shape is drawn first, independently of the answer, and the
rank is drawn from the task's rank cycle (``balance.Layout``), so that a guess by rank, by the
median option or by the option nearest the options' geometric mean is right as often as chance:

* rank: uniform over the four positions, per scene by construction; a bound (angles up to 180
  degrees, counts of at least one) rules some ranks out for answers near it, and the cycle gives
  the next items the ranks these had to skip;
* geometric mean: of four values on a log scale, the lower middle one is nearest the mean exactly
  when the top gap is smaller than the bottom gap. Which middle option is nearest is drawn on its
  own cycle, so that it is the answer for half of the answers of middle rank and never for the
  others: a quarter of all items, as for any option.

Every option stays at least ``min_ratio`` from every other after rounding to the three significant
figures the text shows, so none can be mistaken for the answer; raise it where the answer is less
certain.
"""

from __future__ import annotations

import math

import numpy as np

from spacevista.tasks.layout import Layout
from spacevista.tasks.wording import round_sig

N_DRAWS = 200


def _centre(values: list[float]) -> int:
    """Index of the value nearest the mean of the logs (a geometric-mean guess)."""
    logs = [math.log(v) for v in values]
    mean = sum(logs) / len(logs)
    return min(range(len(logs)), key=lambda k: (abs(logs[k] - mean), k))


def _median(values: list[float]) -> int:
    """Index of the value nearest the median (a median guess; ties to the smaller value). With
    four values both middle ones are equally near, so which one rounding makes nearer decides."""
    med = float(np.median(values))
    return min(range(len(values)), key=lambda k: (abs(values[k] - med), values[k], k))


def _middles(layout: Layout, rank: int) -> tuple[int, int]:
    """Which middle option (sorted position 1 or 2) is to be nearest the geometric mean, and which
    nearest the median: each on its own cycle, the answer itself for half of the answers of middle
    rank, and either middle for half of the others."""
    if rank in (1, 2):
        return tuple(rank if layout.draw(f"{guess}-hit", (True, False)) else 3 - rank
                     for guess in ("mean", "median"))
    return layout.draw("mean-edge", (1, 2)), layout.draw("median-edge", (1, 2))


def ranked_spread(value: float, layout: Layout, rng: np.random.Generator, n: int = 3,
                  min_ratio: float = 1.25, max_ratio: float = 3.0, lower: float | None = None,
                  upper: float | None = None) -> list[float]:
    """``n`` distractors for a positive ``value``: together with it, ``n + 1`` options whose sorted
    gaps are drawn between ``min_ratio`` and ``max_ratio`` (log-uniform) and in which the answer
    has the rank the layout's cycle gives; none below ``lower`` or above ``upper``. Returned in
    random order."""
    if value <= 0:
        raise ValueError(f"cannot spread options around {value}")
    base = round_sig(value)
    k = n + 1
    lo = math.log(lower) if lower else -math.inf
    hi = math.log(upper) if upper else math.inf
    x = math.log(base)
    g_min, g_max = math.log(min_ratio) * 1.01, math.log(max(max_ratio, min_ratio * 1.1))
    feasible = [r for r in range(k) if x - r * g_min >= lo and x + (k - 1 - r) * g_min <= hi]
    if not feasible:
        raise RuntimeError(f"cannot fit {k} options {min_ratio}x apart around {value} within bounds")
    rank = layout.draw(("rank", k), range(k), feasible)
    middle = _middles(layout, rank) if k == 4 else None
    # room on each side of the answer bounds that side's gaps, so a bound never forces a redraw
    room_lo = (x - lo) / rank if rank else math.inf
    room_hi = (hi - x) / (k - 1 - rank) if rank < k - 1 else math.inf
    for attempt in range(N_DRAWS):
        gaps = rng.uniform(g_min, g_max, size=k - 1)
        if middle is not None and attempt < N_DRAWS // 2:
            # the lower middle is nearest the mean iff the top gap is the smaller outer gap
            small, big = sorted((gaps[0], gaps[2]))
            gaps[0], gaps[2] = (big, small) if middle[0] == 1 else (small, big)
        cap = np.array([room_lo] * rank + [room_hi] * (k - 1 - rank))
        gaps = np.minimum(gaps, np.maximum(cap, g_min))
        pos = np.concatenate([[0.0], np.cumsum(gaps)])
        options = [round_sig(math.exp(x + p - pos[rank])) for p in pos]
        options[rank] = base
        if _fits(options, rank, min_ratio, lower, upper) and \
                (middle is None or attempt >= N_DRAWS // 2 or (_centre(options), _median(options)) == middle):
            out = options[:rank] + options[rank + 1:]
            return [out[int(i)] for i in rng.permutation(len(out))]
    raise RuntimeError(f"cannot spread {n} distractors around {value}")


def _fits(options: list[float], rank: int, min_ratio: float, lower: float | None,
          upper: float | None) -> bool:
    """Sorted, ``min_ratio`` apart after rounding, within bounds, answer at ``rank``."""
    if any(v <= 0 for v in options):
        return False
    if (lower is not None and options[0] < lower) or (upper is not None and options[-1] > upper):
        return False
    ok = all(b / a >= min_ratio for a, b in zip(options, options[1:]))
    return ok and sorted(options).index(options[rank]) == rank


def ranked_counts(value: int, layout: Layout, rng: np.random.Generator, n: int = 3,
                  lower: int = 1) -> list[int]:
    """``n`` distinct integer distractors for a count: gaps of one or two (wider for larger
    counts) drawn independently of the answer, the answer's rank from the layout's cycle among
    those that keep every option at least ``lower``; the geometric-mean guess balanced as in
    ``ranked_spread``. Returned in random order."""
    k = n + 1
    widest = max(2, int(round(0.3 * value)))
    feasible = [r for r in range(k) if value - r >= lower]
    rank = layout.draw(("rank", k), range(k), feasible)
    middle = _middles(layout, rank) if k == 4 else None
    for attempt in range(N_DRAWS):
        gaps = rng.integers(1, widest + 1, size=k - 1)
        pos = np.concatenate([[0], np.cumsum(gaps)])
        options = [int(value + p - pos[rank]) for p in pos]
        if options[0] < lower:
            continue
        if middle is not None and attempt < N_DRAWS // 2 and \
                (options[0] <= 0 or (_centre(options), _median(options)) != middle):
            continue
        out = options[:rank] + options[rank + 1:]
        return [out[int(i)] for i in rng.permutation(len(out))]
    # the smallest gaps always fit a feasible rank
    options = [value - rank + i for i in range(k)]
    out = options[:rank] + options[rank + 1:]
    return [out[int(i)] for i in rng.permutation(len(out))]
