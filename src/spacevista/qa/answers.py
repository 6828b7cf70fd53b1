"""Answer extraction and parsing: the tag, the choice letter, the number (with units), the text.

Every parser returns ``(value, reason)``: ``value`` is ``None`` exactly when parsing failed and then
``reason`` says why. The hot path (short, clean answers such as ``"B"`` or ``"3.5"``) avoids regular
expressions altogether; the patterns below are compiled once at import.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

_ANSWER_RE = re.compile(r"<answer>(.*?)</answer>", re.IGNORECASE | re.DOTALL)
_OPEN_RE = re.compile(r"<answer>", re.IGNORECASE)
_CLOSE_RE = re.compile(r"</answer>", re.IGNORECASE)
_THINK_RE = re.compile(r"<think>.*?</think>", re.IGNORECASE | re.DOTALL)

#: characters stripped around a bare answer: whitespace, quotes, markdown emphasis, brackets
_WRAP = " \t\r\n\"'`*_[](){}.,;:!"


def extract_answer(text: str) -> str:
    """The answer part of a completion.

    - the text inside the last complete ``<answer>...</answer>`` (case-insensitive, across lines);
    - a malformed tag: the text after a lone ``<answer>`` or before a lone ``</answer>``;
    - no tag: the whole text, without closed ``<think>...</think>`` blocks (the reasoning is not
      the answer); when nothing else is left, the whole text.
    """
    if "<" not in text:
        return text.strip()
    end = text.rfind("</answer>")
    if end >= 0:  # fast path for lower-case tags: the last complete pair
        start = text.rfind("<answer>", 0, end)
        if start >= 0:
            return text[start + 8:end].strip()
    found = _ANSWER_RE.findall(text)
    if found:
        return found[-1].strip()
    m = _OPEN_RE.search(text)
    if m:
        return _CLOSE_RE.sub("", text[m.end():]).strip()
    m = _CLOSE_RE.search(text)
    if m:
        head = _THINK_RE.sub("", text[:m.start()])
        return head.strip()
    rest = _THINK_RE.sub("", text).strip()
    return rest if rest else text.strip()


# ----------------------------------------------------------------------------- choice letters

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# "B) text", "(B) text", "B. text", "B: text", "[B] text" at the very start
_LEAD_RE = re.compile(r"^\s*[\(\[]?([A-Za-z])\s*(?:[\)\]\.:](?![A-Za-z])|$)")
# "Answer: B", "the answer is (B)", "option B", "choice: b." ; a lower-case letter only when
# punctuation or the end follows, so "the answer is a chair" is no choice
_CUE_RE = re.compile(
    r"(?i:\b(?:answer|option|choice)\b)\s*(?:(?i:is|would be|should be|=)\s*)?[:\-]?\s*"
    r"(?:(?i:option|choice)\s*)?[\(\[]?(?:([A-Z])(?![A-Za-z'])|([a-z])(?=\s*(?:[\)\]\.,;:!]|$)))")
# a lone capital letter token, e.g. "I pick B here"
_LONE_RE = re.compile(r"(?<![\w'’])([A-Z])(?![\w'’])")
# "A"/"I" then a lower-case word is an article or a pronoun, unless the word reads as a reason
_WORD_AFTER_RE = re.compile(r" ([a-z]+)")
_AFTER_LETTER_OK = frozenset(("because", "since", "as", "is", "was", "and", "or", "from", "with", "which",
                              "would", "should", "seems", "looks", "fits", "matches"))


def _is_word(text: str, letter: str, end: int) -> bool:
    """Whether the capital ``letter`` ending at ``end`` is the word "A" or "I", not a choice."""
    if letter not in "AI":
        return False
    m = _WORD_AFTER_RE.match(text, end)
    return bool(m) and m.group(1) not in _AFTER_LETTER_OK


def parse_choice(answer: str, n_options: int = 0, options: list[str] | None = None) -> tuple[str | None, str | None]:
    """The option letter of an answer, upper-case.

    ``n_options`` limits the valid letters (0: any of A–Z). Accepted: ``"B"``, ``"b"``, ``"(B)"``,
    ``"B."``, ``"**B**"``, ``"B) text"``, ``"Answer: B"``, ``"the answer is (B)"``, the exact text of
    one option, or a single capital letter standing alone among words ("I choose C because...";
    "A" and "I" followed by a lower-case word are read as words). A letter is never taken from
    inside an ordinary word.
    """
    valid = _LETTERS[:n_options] if n_options > 0 else _LETTERS
    s = answer.strip(_WRAP)
    if len(s) == 1:
        c = s.upper()
        if c in valid:
            return c, None
        return None, f"letter {c!r} is not among the options {valid[0]}-{valid[-1]}"
    if not s:
        return None, "empty answer"
    m = _LEAD_RE.match(answer)
    if m:
        c = m.group(1).upper()
        if c in valid:
            return c, None
    m = _CUE_RE.search(answer)
    if m and not (m.group(1) and _is_word(answer, m.group(1), m.end())):
        c = (m.group(1) or m.group(2)).upper()
        if c in valid:
            return c, None
    if options:
        norm = normalize_text(answer)
        for i, opt in enumerate(options[: len(valid)]):
            if normalize_text(opt) == norm and norm:
                return valid[i], None
    lone = []
    for m in _LONE_RE.finditer(answer):
        c = m.group(1)
        if c not in valid:
            continue
        if _is_word(answer, c, m.end()):
            continue
        if c not in lone:
            lone.append(c)
    if len(lone) == 1:
        return lone[0], None
    if len(lone) > 1:
        return None, f"ambiguous: several option letters ({', '.join(lone)})"
    return None, "no option letter found"


# ----------------------------------------------------------------------------- numbers

_UNIT_WORDS: dict[str, str] = {}
for _u, _names in {
    "mm": ("mm", "millimeter", "millimeters", "millimetre", "millimetres"),
    "cm": ("cm", "centimeter", "centimeters", "centimetre", "centimetres"),
    "m": ("m", "meter", "meters", "metre", "metres"),
    "km": ("km", "kilometer", "kilometers", "kilometre", "kilometres"),
    "in": ("inch", "inches"),
    "ft": ("ft", "foot", "feet"),
    "yd": ("yd", "yard", "yards"),
    "mi": ("mi", "mile", "miles"),
    "deg": ("deg", "degree", "degrees", "°"),
    "rad": ("rad", "radian", "radians"),
}.items():
    for _n in _names:
        _UNIT_WORDS[_n] = _u

#: metres per linear unit, and the quantity each unit measures
_LINEAR = {"mm": 1e-3, "cm": 1e-2, "m": 1.0, "km": 1e3, "in": 0.0254, "ft": 0.3048, "yd": 0.9144,
           "mi": 1609.344}
_DECIMAL = {"mm": -3, "cm": -2, "m": 0, "km": 3}
_ANGLE = {"deg": 1.0, "rad": 180.0 / math.pi}

_NUM = r"[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?"
_UNIT_ALT = "|".join(sorted((re.escape(k) for k in _UNIT_WORDS), key=len, reverse=True))
# a number, an optional magnitude suffix (k, thousand, million), then an optional unit with an
# optional power ("m2", "m^2", "m²", "square metres" is handled by the prefix group)
# a number that holds at least one digit (no empty matches: the scan stays cheap)
_NUMBER_RE = re.compile(r"(?<![\w.])[-+−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?!\d)")
# what may follow the last number: a magnitude suffix (k, thousand, million), then a unit with an
# optional power ("m2", "m^2", "m²"; "square metres" via the prefix group)
_SUFFIX_RE = re.compile(
    r"(?:\s*(?P<mag>k|K|thousand|million|billion)(?![a-zA-Z]))?"
    r"(?:\s*(?P<sq>square|sq\.?|cubic|cu\.?)\s*)?"
    r"(?:\s*(?P<unit>" + _UNIT_ALT + r")(?![a-zA-Z])(?:\s*(?:\^?\s*(?P<pow>[23])|(?P<sup>[²³])))?)?")
_RANGE_RE = re.compile(
    r"(?:between\s+)?(?P<a>" + _NUM + r")\s*(?:-|–|to|and)\s*(?P<b>" + _NUM + r")(?=\s|$|[a-zA-Z°])",
    re.IGNORECASE)
_SUP = {"²": 2, "³": 3}
_MAG = {"k": 1e3, "K": 1e3, "thousand": 1e3, "million": 1e6, "billion": 1e9}

_SMALL = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
          "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
          "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
          "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "half": 0.5}
_SCALE = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_WORD_RE = re.compile(r"\b(?:" + "|".join(list(_SMALL) + list(_SCALE)) + r")(?:[\s-]+(?:and\s+)?(?:"
                      + "|".join(list(_SMALL) + list(_SCALE)) + r"))*\b", re.IGNORECASE)
_UNIT_AFTER_RE = re.compile(r"\s*(?P<unit>" + _UNIT_ALT + r")(?![a-zA-Z])(?:\s*(?:\^?\s*(?P<pow>[23])|(?P<sup>[²³])))?")


def _words_to_number(phrase: str) -> float:
    total, current = 0.0, 0.0
    for w in re.split(r"[\s-]+", phrase.lower()):
        if not w or w == "and":
            continue
        if w in _SCALE:
            current = (current or 1.0) * _SCALE[w]
            if _SCALE[w] >= 1000:
                total, current = total + current, 0.0
        elif w == "dozen":
            current = (current or 1.0) * 12
        else:
            current += _SMALL[w]
    return total + current


def _unit_power(unit: str) -> tuple[str, int]:
    """Split a question unit such as ``m2`` or ``cm3`` into (linear unit, power)."""
    if unit and unit[-1] in "23" and unit[:-1] in _LINEAR:
        return unit[:-1], int(unit[-1])
    return unit, 1


def _convert(value: float, stated: str | None, power: int, target: str) -> float:
    """Express ``value`` (given in ``stated`` to ``power``) in the question's unit ``target``."""
    if not stated or not target:
        return value
    t_unit, t_pow = _unit_power(target)
    if stated in _LINEAR and t_unit in _LINEAR:
        # a linear unit stated for an area or volume question means that unit squared or cubed
        p = t_pow if power == 1 else power
        if p != t_pow:
            return value
        if stated in _DECIMAL and t_unit in _DECIMAL:
            # powers of ten applied by one multiplication or division keep "35 cm" -> 0.35 exact
            e = (_DECIMAL[stated] - _DECIMAL[t_unit]) * p
            return value * 10.0 ** e if e >= 0 else value / 10.0 ** (-e)
        return value * (_LINEAR[stated] / _LINEAR[t_unit]) ** p
    if stated in _ANGLE and t_unit in _ANGLE:
        return value * _ANGLE[stated] / _ANGLE[t_unit]
    return value


def _to_float(num: str) -> float:
    return float(num.replace(",", "").replace("−", "-"))


def parse_number(answer: str, unit: str = "") -> tuple[float | None, str | None]:
    """The number an answer states, converted to the question's ``unit`` when it states another.

    - plain numbers, signs, decimals, exponents, thousands separators ("1,200"), magnitude
      suffixes ("1.2k", "3 million");
    - a unit after the number converts to ``unit`` when both measure the same thing
      ("35 cm" with unit ``m`` -> 0.35; "2 ft" -> 0.6096 m; a linear unit stated for an area
      question is read as that unit squared);
    - written numbers ("three", "twenty-five", "a dozen" -> 12); "a"/"an" alone are never 1;
    - a range "3-4 m" / "between 3 and 4" gives its midpoint;
    - several numbers: the last one (a conclusion comes last).
    """
    s = answer.strip()
    try:
        v = float(s)
    except ValueError:
        return parse_number_text(s, unit)
    if math.isfinite(v):
        return v, None
    return None, f"not a finite number: {s!r}"


def parse_number_text(s: str, unit: str = "") -> tuple[float | None, str | None]:
    """:func:`parse_number` for a stripped answer that ``float()`` does not read."""
    if not s:
        return None, "empty answer"
    matches = list(_NUMBER_RE.finditer(s))
    if not matches:
        m = None
        for m in _WORD_RE.finditer(s):
            pass
        if m is None:
            return None, f"no number found in {s[:80]!r}"
        value = _words_to_number(m.group(0))
        um = _UNIT_AFTER_RE.match(s, m.end())
        if um:
            stated = _UNIT_WORDS.get(um.group("unit"), _UNIT_WORDS.get(um.group("unit").lower()))
            p = int(um.group("pow") or _SUP.get(um.group("sup"), 1))
            value = _convert(value, stated, p, unit)
        return value, None
    last = matches[-1]
    try:
        value = _to_float(last.group(0))
        if len(matches) >= 2:
            for rm in _RANGE_RE.finditer(s):
                if rm.end("b") == last.end():
                    value = (_to_float(rm.group("a")) + value) / 2.0
                    break
    except ValueError:
        return None, f"cannot read the number {last.group(0)!r}"
    suf = _SUFFIX_RE.match(s, last.end())
    mag = suf.group("mag")
    if mag:
        value *= _MAG[mag]
    u = suf.group("unit")
    if u:
        stated = _UNIT_WORDS.get(u, _UNIT_WORDS.get(u.lower()))
        sq = suf.group("sq")
        p = int(suf.group("pow") or _SUP.get(suf.group("sup"), 0) or
                (1 if not sq else 2 if sq[0] in "sS" else 3))
        value = _convert(value, stated, p, unit)
    if not math.isfinite(value):
        return None, f"not a finite number: {last.group(0)!r}"
    return value, None


_QUNIT_RE = re.compile(
    r"\b(?:in|measured in|using|units? of)\s+(?:the\s+unit\s+of\s+)?(?P<sq>square\s+|sq\.?\s+|cubic\s+)?"
    r"(?P<u>millimet(?:er|re)s?|centimet(?:er|re)s?|kilomet(?:er|re)s?|met(?:er|re)s?|degrees?|mm|cm|km|m)"
    r"(?![a-zA-Z])(?P<pow>\s*(?:\^?\s*[23]|[²³]))?", re.IGNORECASE)


def unit_in_question(question: str) -> str | None:
    """The answer unit a question asks for ("in meters" -> ``m``, "in square meters" -> ``m2``,
    "in cm" -> ``cm``, "in degrees" -> ``deg``); ``None`` when it states none."""
    m = _QUNIT_RE.search(question)
    if not m:
        return None
    u = _UNIT_WORDS.get(m.group("u").lower())
    if u is None:
        return None
    if u == "deg":
        return u
    sq, pw = (m.group("sq") or "").lower(), (m.group("pow") or "").strip(" ^")
    power = 2 if sq.startswith(("sq", "square")) or pw in ("2", "²") else 3 if sq.startswith("cu") or pw in ("3", "³") else 1
    return u if power == 1 else f"{u}{power}"


# ----------------------------------------------------------------------------- text

_PUNCT_RE = re.compile(r"[^\w\s]")
_ARTICLE_RE = re.compile(r"\b(?:a|an|the)\b")
_SPACE_RE = re.compile(r"\s+")


_ARTICLES = frozenset(("a", "an", "the"))


@lru_cache(maxsize=65536)
def normalize_text(text: str) -> str:
    """Lower case, punctuation removed, articles (a, an, the) removed, whitespace collapsed."""
    t = text.lower()
    if t.replace(" ", "").isalnum():  # no punctuation: words only
        return " ".join(w for w in t.split() if w not in _ARTICLES)
    t = _PUNCT_RE.sub(" ", t)
    t = _ARTICLE_RE.sub(" ", t)
    return _SPACE_RE.sub(" ", t).strip()
