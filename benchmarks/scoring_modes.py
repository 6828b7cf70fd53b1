"""Where and why ``--scoring official`` and ``--scoring robust`` differ, per answer pattern.

Two inputs:

- ``--bench FILE``: every item of a benchmark (a SpaceVista-Bench JSON, an engine folder, ...) gets
  one reply per answer pattern below, written from its ground truth; each reply is scored in both
  modes;
- ``RESULTS`` (a ``results.jsonl``): the saved predictions, each put in the first pattern it matches.

Per pattern it prints the replies, the mean score in each mode, how many replies score differently,
and the rule behind the difference.

Run: .venv/bin/python benchmarks/scoring_modes.py --bench D/bench.json
     .venv/bin/python benchmarks/scoring_modes.py runs/x/results.jsonl
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path
from typing import Callable

from spacevista.eval.benchmarks import load_benchmark
from spacevista.eval.runner import read_results
from spacevista.eval.scoring import score_fields

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _num(a: str) -> float | None:
    try:
        v = float(a)
    except ValueError:
        return None
    return v if v == v and abs(v) != float("inf") else None


def _word(a: str) -> str | None:
    v = _num(a)
    return WORDS[int(v)] if v is not None and v == int(v) and 0 <= v < len(WORDS) else None


def _scaled(a: str, f: float, unit: str) -> str | None:
    v = _num(a)
    return None if v is None else f"{v * f:g} {unit}"


#: (pattern, why the modes differ on it, reply written from the truth; None: not applicable)
PATTERNS: list[tuple[str, str, Callable[[str], str | None]]] = [
    ("clean tag", "both read the tag", lambda a: f"<answer>{a}</answer>"),
    ("think then tag", "both read the tag", lambda a: f"<think>weighing A and B</think><answer>{a}</answer>"),
    ("bare", "both read a bare answer", lambda a: a),
    ("spaces in tag", "both strip", lambda a: f"<answer> {a} </answer>"),
    ("upper-case tag", "both ignore tag case", lambda a: f"<ANSWER>{a}</ANSWER>"),
    ("bracketed letter", "official compares '(B)' itself with 'B'", lambda a: f"({a})" if len(a) == 1 else None),
    ("bold letter", "official compares '**B**' itself", lambda a: f"**{a}**" if len(a) == 1 else None),
    ("option word", "official reads a letter only at the very start", lambda a: f"Option {a}" if len(a) == 1 else None),
    ("sentence", "official reads a leading letter or the whole reply", lambda a: f"The answer is {a}."),
    ("letter and reason", "both read a leading letter", lambda a: f"{a}) because it is nearer" if len(a) == 1 else None),
    ("lower case", "both ignore case (official: letters, text)", lambda a: a.lower()),
    ("trailing period", "official keeps punctuation of text and E", lambda a: f"{a}."),
    ("two tags, truth last", "official reads the first tag, robust the last",
     lambda a: f"<answer>?</answer> no: <answer>{a}</answer>"),
    ("two tags, truth first", "official reads the first tag, robust the last",
     lambda a: f"<answer>{a}</answer> or <answer>?</answer>"),
    ("unclosed tag", "official needs a closed tag, robust reads after <answer>", lambda a: f"<answer>{a}"),
    ("unit m", "official ignores units; robust converts m to the question's unit",
     lambda a: f"{a} m" if _num(a) is not None else None),
    ("in centimetres", "official converts no unit", lambda a: _scaled(a, 100, "cm")),
    ("in millimetres", "official converts no unit", lambda a: _scaled(a, 1000, "mm")),
    ("number word", "both read small number words", _word),
    ("a value of", "official reads 'a' as 1", lambda a: f"a value of {a}" if _num(a) is not None else None),
    ("about", "both skip words without numbers", lambda a: f"about {a}" if _num(a) is not None else None),
    ("two numbers", "official reads the first number, robust the last",
     lambda a: f"{a}, not 7" if _num(a) is not None else None),
    ("thousands separator", "official reads '1,200' as 1",
     lambda a: f"{_num(a):,.2f}" if _num(a) is not None and abs(_num(a)) >= 1000 else None),
    ("zero", "zero truth: official takes the absolute error", lambda a: "0" if _num(a) is not None else None),
    ("0.03", "zero truth: official scores 0.03 as 1, robust needs exactly 0",
     lambda a: "0.03" if _num(a) is not None else None),
    ("5% high", "same MRA", lambda a: f"{_num(a) * 1.05:g}" if _num(a) is not None else None),
    ("half", "same MRA", lambda a: f"{_num(a) * 0.5:g}" if _num(a) is not None else None),
    ("article", "official keeps articles of text", lambda a: f"the {a}" if _num(a) is None and len(a) > 1 else None),
    ("quoted", "official compares the quotes", lambda a: f"'{a}'"),
    ("empty", "nothing to read", lambda a: ""),
]

#: how a saved prediction is sorted into a pattern (first match)
_CLASSIFY = [
    ("two tags", re.compile(r"(?is)<answer>.*</answer>.*<answer>")),
    ("unclosed tag", re.compile(r"(?is)<answer>(?!.*</answer>)")),
    ("tag", re.compile(r"(?is)<answer>.*?</answer>")),
    ("bracketed letter", re.compile(r"^\s*[\(\[][A-Ja-j][\)\]]\s*$")),
    ("bold", re.compile(r"^\s*\*\*.+\*\*\s*$")),
    ("bare letter", re.compile(r"^\s*[A-Ja-j]\.?\s*$")),
    ("bare number", re.compile(r"^\s*-?\d+(\.\d+)?\s*$")),
    ("number and unit", re.compile(r"\d\s*(mm|cm|m|km|meters?|metres?|feet|ft)\b", re.I)),
    ("sentence", re.compile(r"\s\w+\s")),
]


def classify(prediction: str | None) -> str:
    """The pattern of a saved prediction."""
    if not prediction:
        return "empty"
    for name, rx in _CLASSIFY:
        if rx.search(prediction):
            return name
    return "other"


def _report(groups: dict[str, list[tuple[float, float, str, str]]], why: dict[str, str]) -> None:
    head = f"{'pattern':<22} {'replies':>7} {'official':>9} {'robust':>7} {'differ':>7}  why / example"
    print(head)
    print("-" * len(head))
    for name, rows in groups.items():
        off = sum(r[0] for r in rows) / len(rows)
        rob = sum(r[1] for r in rows) / len(rows)
        diff = [r for r in rows if r[0] != r[1]]
        note = why.get(name, "")
        if diff:
            o, r, reply, truth = diff[0]
            note = (note + "; " if note else "") + f"e.g. {reply[:32]!r} vs truth {truth[:24]!r}: {o:g} / {r:g}"
        print(f"{name:<22} {len(rows):>7} {100 * off:>8.1f} {100 * rob:>7.1f} {len(diff):>7}  {note}")
    total = [r for rows in groups.values() for r in rows]
    print(f"{'all':<22} {len(total):>7} {100 * sum(r[0] for r in total) / len(total):>8.1f} "
          f"{100 * sum(r[1] for r in total) / len(total):>7.1f} {sum(r[0] != r[1] for r in total):>7}")


def from_bench(path: Path) -> None:
    """Every pattern for every item of the benchmark at ``path``."""
    bench, items = load_benchmark(path)
    groups: dict[str, list[tuple[float, float, str, str]]] = defaultdict(list)
    for it in items:
        fields = it.result_fields()
        for name, _, make in PATTERNS:
            reply = make(it.answer)
            if reply is None:
                continue
            groups[name].append((score_fields(reply, fields, "official").score,
                                 score_fields(reply, fields, "robust").score, reply, it.answer))
    print(f"{bench.name}: {len(items)} items x {len(PATTERNS)} patterns ({sum(map(len, groups.values()))} replies)")
    _report(groups, {name: why for name, why, _ in PATTERNS})


def from_results(path: Path) -> None:
    """The saved predictions of a results file, by pattern."""
    groups: dict[str, list[tuple[float, float, str, str]]] = defaultdict(list)
    for r in read_results(path):
        pred = r.get("prediction")
        groups[classify(pred)].append((score_fields(pred, r, "official").score, score_fields(pred, r, "robust").score,
                                       pred or "", str(r.get("answer"))))
    print(f"{path}: {sum(map(len, groups.values()))} predictions")
    _report(dict(sorted(groups.items())), {})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="?", type=Path, help="a results.jsonl with predictions")
    ap.add_argument("--bench", type=Path, help="a benchmark: reply patterns written from its truths")
    a = ap.parse_args()
    if a.bench is None and a.results is None:
        ap.error("give RESULTS or --bench")
    if a.bench is not None:
        from_bench(a.bench)
    if a.results is not None:
        from_results(a.results)


if __name__ == "__main__":
    main()
