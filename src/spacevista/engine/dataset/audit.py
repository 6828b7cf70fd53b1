"""Blind baselines: how far a guess that never looks at the images gets on a dataset's multiple choice.

Every baseline sees only the text of an item: its question and options. Rules with a parameter (which
letter, which rank, which answer per template) and the text-only classifier are fitted on one half of
the scenes and scored on the other, then the other way round (2-fold by scene), so a baseline is
never scored on what it was fitted on. Rules without a parameter (median option, option nearest the
geometric mean, option sharing most words with the others) are scored directly.

A dataset passes when, on every task with at least ``min_items`` multiple-choice items, no baseline
beats chance by more than ``threshold`` (accuracy points) significantly: a cross-fitted guess on a
few dozen items swings by several points with no tell at all (one standard deviation is 7 points at
46 two-option items), so a gain counts only when a one-sided binomial test puts it beyond chance at
``alpha`` (0.05), divided by the number of baselines tried on the task (Bonferroni): seven guesses
at one task each get their own chance of a lucky split (uncorrected, up to 1 - 0.95^7 = 30% of
builds would fail a task with no tell; 24 of 36 yes/no items right has p = 0.03).
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
from scipy.optimize import minimize

from spacevista.records import QARecord

BASELINES = ("letter", "rank", "median", "geomean", "overlap", "template", "classifier")
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[a-zA-Z²³0-9]*\s*$")
_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
_HASH_BUCKETS = 64


@dataclass
class Item:
    """The text of one multiple-choice item and what the baselines need of it."""

    id: str
    task: str
    fold: int
    template: str
    question: str
    options: list[str]
    answer: int
    values: list[float] | None = None  # numeric option values, when every option is a number

    @property
    def chance(self) -> float:
        return 1.0 / len(self.options)


def option_value(text: str) -> float | None:
    m = _NUMBER.match(text)
    return float(m.group(1)) if m else None


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def template_key(r: QARecord) -> str:
    """What identifies an item's question template: the stored template id, else task and kind."""
    meta = r.metadata or {}
    return str(meta.get("template") or f"{r.task}/{meta.get('kind', '')}")


def items_of(records: Iterable[QARecord]) -> list[Item]:
    """Multiple-choice items, each in fold 0 or 1 by a hash of its scene."""
    out = []
    for r in records:
        if r.answer_type != "mc" or len(r.options) < 2:
            continue
        vals = [option_value(o) for o in r.options]
        out.append(Item(r.id, r.task, zlib.crc32(r.scene_id.encode()) % 2, template_key(r), r.question,
                        list(r.options), ord(r.answer) - ord("A"),
                        [float(v) for v in vals] if all(v is not None for v in vals) else None))
    return out


# ---------------------------------------------------------------------------------------- rules

def _sorted_rank(values: list[float], i: int) -> int:
    return sorted(range(len(values)), key=lambda k: (values[k], k)).index(i)


def _median_pick(it: Item) -> int | None:
    if it.values is None:
        return None
    med = float(np.median(it.values))
    return min(range(len(it.values)), key=lambda k: (abs(it.values[k] - med), it.values[k], k))


def _geomean_pick(it: Item) -> int | None:
    if it.values is None or min(it.values) <= 0:
        return None
    logs = [math.log(v) for v in it.values]
    centre = sum(logs) / len(logs)
    return min(range(len(logs)), key=lambda k: (abs(logs[k] - centre), k))


def _overlap_scores(options: list[str]) -> list[float]:
    sets = [set(words(o)) for o in options]
    out = []
    for i, s in enumerate(sets):
        out.append(sum(len(s & t) / max(len(s | t), 1) for j, t in enumerate(sets) if j != i))
    return out


def _overlap_pick(it: Item) -> int | None:
    if all(len(words(o)) < 2 for o in it.options):
        return None
    scores = _overlap_scores(it.options)
    return max(range(len(scores)), key=lambda k: (scores[k], -k))


def _fitted_letter(train: list[Item]) -> Callable[[Item], int | None]:
    best = Counter(it.answer for it in train).most_common(1)
    letter = best[0][0] if best else 0
    return lambda it: letter if letter < len(it.options) else None


def _fitted_rank(train: list[Item]) -> Callable[[Item], int | None]:
    counts = Counter(_sorted_rank(it.values, it.answer) for it in train if it.values is not None)
    if not counts:
        return lambda it: None
    rank = counts.most_common(1)[0][0]

    def pick(it: Item) -> int | None:
        if it.values is None or rank >= len(it.values):
            return None
        return sorted(range(len(it.values)), key=lambda k: (it.values[k], k))[rank]
    return pick


def _fitted_template(train: list[Item]) -> Callable[[Item], int | None]:
    answers: dict[str, Counter] = defaultdict(Counter)
    for it in train:
        answers[it.template][it.options[it.answer].lower()] += 1

    def pick(it: Item) -> int | None:
        seen = answers.get(it.template)
        if not seen:
            return None
        texts = [o.lower() for o in it.options]
        ranked = [t for t, _ in seen.most_common() if t in texts]
        return texts.index(ranked[0]) if ranked else None
    return pick


# ---------------------------------------------------------------------------- text classifier

def _hash(token: str) -> int:
    return zlib.crc32(token.encode()) % _HASH_BUCKETS


def option_features(it: Item) -> np.ndarray:
    """One row per option: letter, numeric rank and position, word overlap, length, hashed words of
    the option and of the question's words paired with the option's."""
    k = len(it.options)
    overlap = _overlap_scores(it.options)
    lengths = np.array([len(words(o)) for o in it.options], dtype=float)
    qwords = set(words(it.question))
    rows = []
    for i, opt in enumerate(it.options):
        f = np.zeros(10 + 10 + 5 + 3 + 2 * _HASH_BUCKETS)
        f[min(i, 9)] = 1.0
        if it.values is not None:
            f[10 + min(_sorted_rank(it.values, i), 9)] = 1.0
            v = np.log(np.maximum(np.abs(it.values), 1e-9))
            z = (v[i] - v.mean()) / (v.std() + 1e-9)
            f[20:25] = [z, abs(z), float(i == int(np.argmin(v))), float(i == int(np.argmax(v))), 1.0]
        f[25] = overlap[i] / max(k - 1, 1)
        f[26] = (lengths[i] - lengths.mean()) / (lengths.std() + 1e-9)
        f[27] = float(opt.lower() in qwords)
        ow = words(opt)
        for w in ow:
            f[28 + _hash(w)] += 1.0 / max(len(ow), 1)
        for w in qwords:
            for o in ow[:4]:
                f[28 + _HASH_BUCKETS + _hash(w + "|" + o)] += 1.0 / max(len(qwords), 1)
        rows.append(f)
    return np.stack(rows)


def _fitted_classifier(train: list[Item], l2: float = 1.0) -> Callable[[Item], int | None]:
    """A conditional-logit model over option features (softmax across an item's options)."""
    if len(train) < 4:
        return lambda it: None
    feats = [option_features(it) for it in train]
    k = max(len(f) for f in feats)
    dim = feats[0].shape[1]
    X = np.zeros((len(train), k, dim))
    valid = np.zeros((len(train), k), dtype=bool)
    for n, f in enumerate(feats):
        X[n, :len(f)] = f
        valid[n, :len(f)] = True
    answer = np.array([it.answer for it in train])
    rows = np.arange(len(train))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = np.where(valid, X @ w, -np.inf)
        s = s - s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        nll = -np.log(p[rows, answer] + 1e-12).mean()
        grad = (np.einsum("nk,nkd->d", p, X) - X[rows, answer].sum(axis=0)) / len(train)
        return float(nll + 0.5 * l2 * w @ w), grad + l2 * w

    res = minimize(loss, np.zeros(dim), jac=True, method="L-BFGS-B", options={"maxiter": 200})
    w = res.x
    return lambda it: int(np.argmax(option_features(it) @ w))


FITTED: dict[str, Callable[[list[Item]], Callable[[Item], int | None]]] = {
    "letter": _fitted_letter, "rank": _fitted_rank, "template": _fitted_template,
    "classifier": _fitted_classifier}
DIRECT: dict[str, Callable[[Item], int | None]] = {
    "median": _median_pick, "geomean": _geomean_pick, "overlap": _overlap_pick}


# ------------------------------------------------------------------------------------ the audit

@dataclass
class Score:
    """A baseline on one task: items it applies to, its accuracy and chance on those items."""

    n: int = 0
    correct: int = 0
    chance: float = 0.0

    @property
    def p_value(self) -> float:
        """One-sided binomial probability of at least this many right by chance alone."""
        if not self.n:
            return 1.0
        from scipy.stats import binom

        return float(binom.sf(self.correct - 1, self.n, self.chance))

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def gain(self) -> float:
        """Points above chance."""
        return 100.0 * (self.accuracy - self.chance) if self.n else 0.0


@dataclass
class TaskAudit:
    task: str
    n: int
    chance: float
    scores: dict[str, Score] = field(default_factory=dict)

    def worst(self) -> tuple[str, float]:
        if not self.scores:
            return "", 0.0
        name = max(self.scores, key=lambda k: (self.scores[k].gain, k))
        return name, self.scores[name].gain


def _score(picks: list[tuple[Item, int | None]]) -> Score:
    s = Score()
    chance = 0.0
    for it, p in picks:
        if p is None:
            continue
        s.n += 1
        s.correct += int(p == it.answer)
        chance += it.chance
    s.chance = chance / s.n if s.n else 0.0
    return s


def audit_items(items: list[Item]) -> dict[str, TaskAudit]:
    """Every baseline on every task's items."""
    by_task: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        by_task[it.task].append(it)
    out = {}
    for task in sorted(by_task):
        its = by_task[task]
        ta = TaskAudit(task, len(its), sum(it.chance for it in its) / len(its))
        for name, rule in DIRECT.items():
            ta.scores[name] = _score([(it, rule(it)) for it in its])
        for name, fit in FITTED.items():
            picks = []
            for fold in (0, 1):
                train = [it for it in its if it.fold != fold]
                test = [it for it in its if it.fold == fold]
                if not test:
                    continue
                model = fit(train) if train else (lambda it: None)
                picks += [(it, model(it)) for it in test]
            ta.scores[name] = _score(picks)
        out[task] = ta
    return out


def run_audit(records: Iterable[QARecord], threshold: float = 5.0, min_items: int = 30,
              alpha: float = 0.05) -> dict[str, Any]:
    """The audit as a JSON-able report: per task, every baseline's accuracy, chance and gain, and
    which tasks fail (a baseline more than ``threshold`` points above chance, with ``min_items``, at
    ``alpha`` over the number of baselines tried on the task)."""
    tasks = audit_items(items_of(records))
    rows, failures = {}, []
    for name, ta in tasks.items():
        judged = ta.n >= min_items
        tried = max(sum(1 for s in ta.scores.values() if s.n), 1)
        beaten = [(s.gain, b) for b, s in ta.scores.items() if s.gain > threshold and s.p_value < alpha / tried]
        failed = judged and bool(beaten)
        if failed:
            gain, worst = max(beaten)
            failures.append({"task": name, "baseline": worst, "gain": round(gain, 1),
                             "p": round(ta.scores[worst].p_value, 4)})
        rows[name] = {"n": ta.n, "chance": round(ta.chance, 4), "judged": judged, "failed": failed,
                      "baselines": {b: {"n": s.n, "accuracy": round(s.accuracy, 4), "chance": round(s.chance, 4),
                                        "p": round(s.p_value, 4),
                                        "gain": round(s.gain, 1)} for b, s in ta.scores.items()}}
    return {"threshold": threshold, "alpha": alpha, "min_items": min_items, "tasks": rows, "failures": failures,
            "passed": not failures}


def audit_table(report: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows: per task, items, chance, and each baseline's gain over chance in points."""
    header = ["task", "n", "chance"] + list(BASELINES) + ["verdict"]
    rows = []
    for task, row in report["tasks"].items():
        cells = [task, str(row["n"]), f"{row['chance']:.2f}"]
        for b in BASELINES:
            s = row["baselines"].get(b)
            cells.append(f"{s['gain']:+.1f}" if s and s["n"] else "-")
        cells.append("FAIL" if row["failed"] else ("ok" if row["judged"] else "few items"))
        rows.append(cells)
    return header, rows
