"""Turning a question and its computed facts into text: units, numbers, references, templates.

Templates are data (``templates/<task>.yaml``): per answer form and question kind, a list of
paraphrases with ``{slots}``, and one rationale template per kind that may quote only computed facts.
"""

from __future__ import annotations

import functools
import math
import string
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Callable

import numpy as np
import yaml

from spacevista.graph import GraphObject, SceneGraph
from spacevista.scene import UNIT_METRES, Scale

PROMPT_TYPES = ("point", "bbox", "mask")
INPUT_TYPE = {None: "image_text", "point": "image_point_text", "bbox": "image_bbox_text",
              "mask": "image_mask_text"}


@functools.lru_cache(maxsize=None)
def templates(task: str) -> dict[str, Any]:
    """The template file of ``task`` (cached)."""
    text = resources.files("spacevista.tasks").joinpath("templates", f"{task}.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"templates/{task}.yaml must hold a mapping")
    return data


def template_count() -> dict[str, int]:
    """Number of question paraphrases per task file, for reports."""
    counts: dict[str, int] = {}
    for entry in resources.files("spacevista.tasks").joinpath("templates").iterdir():
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text("utf-8")) or {}
            counts[entry.name[:-5]] = sum(len(v) for form, kinds in data.items() if form != "rationale"
                                          for v in (kinds or {}).values())
    return counts


def pick_template(task: str, form: str, kind: str, rng: np.random.Generator) -> str:
    options = templates(task).get(form, {}).get(kind)
    if not options:
        raise KeyError(f"templates/{task}.yaml has no {form}/{kind} paraphrases")
    return options[int(rng.integers(len(options)))]


def rationale_template(task: str, kind: str) -> str:
    r = templates(task).get("rationale", {})
    if kind not in r:
        raise KeyError(f"templates/{task}.yaml has no rationale for {kind}")
    return r[kind]


def fill(template: str, slots: dict[str, Any], where: str) -> str:
    """Fill ``{slots}``; a missing slot is a template bug, reported with its location."""
    names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = names - set(slots)
    if missing:
        raise KeyError(f"{where}: template needs slots {sorted(missing)}")
    return template.format(**slots)


# ---------------------------------------------------------------- numbers and units

def unit_for(scale: Scale, quantity: str) -> str:
    """Unit an answer is written in for this scale and quantity."""
    if quantity == "angle":
        return "deg"
    if quantity == "count":
        return ""
    base = scale.unit
    return {"length": base, "area": base + "2", "volume": base + "3"}[quantity]


def to_unit(value_si: float, unit: str) -> float:
    return float(value_si) / UNIT_METRES[unit]


def stated_rounding(unit: str) -> Callable[[float], float]:
    """Rounds a length in metres to what its text in ``unit`` states (``round_sig``), in metres: a
    plan is verified with the lengths its text gives, not with more digits than it shows."""
    return lambda d: round_sig(to_unit(d, unit)) * UNIT_METRES[unit]


def round_sig(value: float, digits: int = 3) -> float:
    """Round to ``digits`` significant figures, keeping every integer digit (1234.4 -> 1234)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    mag = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - mag)
    return round(value, min(decimals, 4))


def format_number(value: float) -> str:
    """Plain decimal text (no exponent, no trailing zeros): 12.30 -> '12.3', 120.0 -> '120'."""
    v = round_sig(value)
    if float(v).is_integer():
        return str(int(v))
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return text


def sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop."""
    return text[0].upper() + text[1:] + "."


def length_text(value_si: float, scale: Scale) -> str:
    """A length in the scale's unit with its symbol, as answers are written ("1.25 m")."""
    unit = unit_for(scale, "length")
    return f"{format_number(to_unit(value_si, unit))} {unit}"


def unit_words(unit: str) -> str:
    return {"mm": "millimeters", "cm": "centimeters", "m": "meters", "km": "kilometers",
            "mm2": "square millimeters", "cm2": "square centimeters", "m2": "square meters",
            "km2": "square kilometers", "m3": "cubic meters", "cm3": "cubic centimeters",
            "mm3": "cubic millimeters", "deg": "degrees", "": ""}[unit]


def log_spread(value: float, rng: np.random.Generator, n: int, min_ratio: float = 1.25,
               max_ratio: float = 3.0, upper: float | None = None) -> list[float]:
    """``n`` distractors spread on a log scale around ``value``, each at least ``min_ratio`` away
    from the value and from each other (after rounding), so none can be mistaken for the answer;
    none above ``upper`` (e.g. 180 degrees)."""
    out: list[float] = []
    base = round_sig(value)

    def fits(cand: float) -> bool:
        return (cand > 0 and (upper is None or cand <= upper)
                and all(max(cand, o) / min(cand, o) >= min_ratio for o in out + [base]))

    for _ in range(200):
        if len(out) == n:
            return out
        ratio = math.exp(rng.uniform(math.log(min_ratio), math.log(max_ratio)))
        cand = round_sig(value * ratio if rng.random() < 0.5 else value / ratio)
        if fits(cand):
            out.append(cand)
    # crowded (e.g. an angle near its upper bound): fall back to a geometric ladder on both sides
    ladder = [round_sig(value * min_ratio ** (k * 1.05)) for k in range(-12, 13) if k != 0]
    for i in rng.permutation(len(ladder)):
        if len(out) == n:
            break
        if fits(ladder[int(i)]):
            out.append(ladder[int(i)])
    if len(out) < n:
        raise RuntimeError(f"cannot spread {n} distractors around {value}")
    return out


def count_spread(value: int, rng: np.random.Generator, n: int) -> list[int]:
    """``n`` distinct positive integer distractors near ``value``."""
    pool = [v for v in range(max(1, value - 4), value + 6) if v != value]
    rng.shuffle(pool)
    return sorted(pool[:n], key=lambda v: abs(v - value))


# ---------------------------------------------------------------- referring to objects

@dataclass
class Reference:
    """How a question names an object: text plus an optional visual prompt on a frame."""

    text: str
    name: str
    prompt: str | None = None
    frame: int | None = None
    annotation: dict[str, Any] | None = None
    pattern: str | None = None  # text with a {num} slot, for numbering several prompts


@dataclass
class Referrer:
    """Names objects in one question; all visual prompts in a question share one prompt type."""

    graph: SceneGraph
    frame_order: list[int]
    rng: np.random.Generator
    prompt_type: str | None = None
    refs: list[Reference] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._counts = {c: len(v) for c, v in self.graph.by_category().items()}

    def needs_prompt(self, obj: GraphObject) -> bool:
        return self._counts.get(obj.category, 0) != 1

    def refer(self, obj: GraphObject, frame: int | None = None, pin: bool = False) -> Reference:
        """'the mug' when its category is unique in the scene, else a point/box/mask prompt on
        ``frame`` when the object is seen there, otherwise on the frame where it is seen largest.
        ``pin`` forces a prompt on ``frame`` even for a unique category (questions about what is
        marked where, e.g. object matching) and fails when the object is not seen there."""
        name = obj.category
        if not pin and not self.needs_prompt(obj):
            ref = Reference(text=f"the {name}", name=name)
        else:
            if not obj.views or (pin and frame not in obj.views):
                raise ValueError(f"object {obj.id} has no view to prompt on"
                                 + (f" in frame {frame}" if frame is not None else ""))
            if self.prompt_type is None:
                self.prompt_type = PROMPT_TYPES[int(self.rng.integers(len(PROMPT_TYPES)))]
            if frame is None or frame not in obj.views:
                frame = max(obj.views, key=lambda f: (obj.views[f].pixels, -f))
            view = obj.views[frame]
            k = self.frame_order.index(frame)
            if self.prompt_type == "point":
                pattern = f"the {name} marked by the red point{{num}} in frame {k + 1}"
                ann = {"kind": "points", "coords": [int(view.point[0]), int(view.point[1])], "image_index": k}
            elif self.prompt_type == "bbox":
                pattern = f"the {name} inside the red box{{num}} in frame {k + 1}"
                ann = {"kind": "bboxes", "coords": [int(v) for v in view.bbox], "image_index": k}
            else:
                pattern = f"the {name} highlighted by the red mask{{num}} in frame {k + 1}"
                ann = {"kind": "masks", "object_ids": [obj.id], "image_index": k}
            ref = Reference(text=pattern.format(num=""), name=name, prompt=self.prompt_type, frame=frame,
                            annotation=ann, pattern=pattern)
        self.refs.append(ref)
        return ref

    def number_prompts(self) -> None:
        """With several visual prompts in one question, name them "box 1", "box 2"... in the order
        of their annotations (the order a viewer numbers them), so no two references read alike."""
        prompted = [r for r in self.refs if r.pattern]
        if len(prompted) > 1:
            for i, r in enumerate(prompted, 1):
                r.text = r.pattern.format(num=f" {i}")

    def input_type(self) -> str:
        return INPUT_TYPE[self.prompt_type if any(r.prompt for r in self.refs) else None]

    def annotations(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for r in self.refs:
            if r.annotation is None:
                continue
            a = dict(r.annotation)
            out.setdefault(a.pop("kind"), []).append(a)
        return out


def plural(name: str) -> str:
    """English plural of a category name."""
    if name.endswith(("s", "sh", "ch", "x")):
        return name + "es"
    if name.endswith("y") and name[-2:-1] not in "aeiou":
        return name[:-1] + "ies"
    return name + "s"


def join_and(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def letters(n: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(n)]
