"""Direction words of a plan or an instruction, and the check that a free-form text follows a plan.

The planners describe their answers in fixed words: route legs are "turn left/right .. degrees,
then go forward .. m" (optionally "passing the bench on your left"); manipulation moves are
"move it left/right/forward/back .. cm", "lift it .. cm", "lower it .. cm". A model's free-form
instruction uses its own words, so both sides are reduced to the same six action tokens, in order:
``left right forward back up down``.

- A landmark side says where something is passed, not where to go: "on your left", "on the right
  side" are removed before reading actions, and left/right after passing / past / keeping /
  leaving / with in the same clause is ignored ("keep the table to your right"). "Turn to your
  left" is an action.
- Synonyms: ahead / straight / onward / proceed / walk / go -> ``forward`` only when no other
  direction follows in the same clause ("go left" is ``left``); backward(s) / towards the camera
  -> ``back``; lift / raise / upward(s) / up -> ``up``; lower / downward(s) / down / put it down ->
  ``down``; "turn around" / "u-turn" -> ``back``.
- Consecutive repeats collapse ("move left, then keep moving left" is one ``left``), because a
  planner's merged legs and a model's split steps describe the same path.
"""

from __future__ import annotations

import re

ACTIONS = ("left", "right", "forward", "back", "up", "down")

# where a landmark is passed: not an action
_SIDE_RE = re.compile(
    r"\b(?:on|at)\s+(?:your|the|its|his|her|their)\s+(left|right)(?:[- ]hand)?(?:\s+side)?\b"
    r"|\b(?:left|right)[- ]hand\s+side\b", re.IGNORECASE)
# after these words, left/right in the same clause says where something is passed
_SIDE_CUES = frozenset(("pass", "passes", "passing", "past", "keep", "keeping", "leave", "leaving", "with"))
_WORD_RE = re.compile(r"[a-z]+(?:-[a-z]+)?")
_CLAUSE_RE = re.compile(r"[,.;:!?\n]|\bthen\b|\band\b", re.IGNORECASE)

_DIRECT = {
    "left": "left", "leftward": "left", "leftwards": "left",
    "right": "right", "rightward": "right", "rightwards": "right",
    "forward": "forward", "forwards": "forward", "ahead": "forward", "straight": "forward",
    "onward": "forward", "onwards": "forward", "away": "forward",
    "back": "back", "backward": "back", "backwards": "back", "towards-camera": "back",
    "u-turn": "back", "around": "back",
    "up": "up", "upward": "up", "upwards": "up", "lift": "up", "raise": "up", "lifted": "up",
    "raised": "up", "lifting": "up", "raising": "up",
    "down": "down", "downward": "down", "downwards": "down", "lower": "down", "lowered": "down",
    "lowering": "down",
}
# verbs of travel that mean "forward" when nothing else in their clause gives a direction
_TRAVEL = frozenset(("go", "walk", "proceed", "continue", "head", "advance", "drive", "move"))
# "turn around" reads as back; "around" alone (walk around the table) is no action
_AROUND_AFTER = frozenset(("turn", "turning", "spin"))


def _clause_actions(clause: str) -> list[str]:
    words = _WORD_RE.findall(clause.lower().replace("toward the camera", "towards-camera")
                             .replace("towards the camera", "towards-camera"))
    out: list[str] = []
    travel = side = False
    for i, w in enumerate(words):
        if w in _SIDE_CUES:
            side = True
            continue
        if side and w in ("left", "right"):
            continue
        if w == "around":
            if i > 0 and words[i - 1] in _AROUND_AFTER:
                out.append("back")
            continue
        if w in _DIRECT:
            out.append(_DIRECT[w])
        elif w in _TRAVEL:
            travel = True
    if not out and travel:
        out.append("forward")
    return out


def actions(text: str) -> list[str]:
    """The ordered action tokens of a plan or an instruction, repeats collapsed."""
    text = _SIDE_RE.sub(" ", text)
    seq: list[str] = []
    for clause in _CLAUSE_RE.split(text):
        for a in _clause_actions(clause):
            if not seq or seq[-1] != a:
                seq.append(a)
    return seq


def check_instruction(instruction: str, plan_text: str) -> tuple[bool, str]:
    """Whether ``instruction`` gives the same ordered actions as the planner's ``plan_text``;
    the second element is the reason when it does not (empty when it does)."""
    want, got = actions(plan_text), actions(instruction)
    if not got:
        return False, "instruction has no direction words"
    if got != want:
        return False, f"directions {' '.join(got)} != plan {' '.join(want)}"
    return True, ""


# relation words of a question: a rephrasing must keep them (as a multiset) and not add others
_RELATION_WORDS = {
    "left": "left", "right": "right", "above": "above", "over": "above", "below": "below",
    "under": "below", "beneath": "below", "underneath": "below", "front": "front", "behind": "behind",
    "closer": "near", "nearer": "near", "nearest": "near", "closest": "near", "near": "near",
    "farther": "far", "further": "far", "farthest": "far", "furthest": "far", "far": "far",
    "on": "on", "top": "top", "inside": "inside", "in": "in",
}
_RELATION_KEEP = frozenset(("left", "right", "above", "below", "front", "behind", "near", "far"))


def relation_words(text: str) -> list[str]:
    """The sorted relation tokens (left/right/above/below/front/behind/near/far) of a question;
    landmark-side phrases count too here, because in a question they are the relation asked."""
    toks = [_RELATION_WORDS.get(w) for w in _WORD_RE.findall(text.lower())]
    return sorted(t for t in toks if t in _RELATION_KEEP)


_FRAME_RE = re.compile(r"\bframes?\s+(\d+)")


def check_rephrase(rephrased: str, question: str, names: list[str]) -> tuple[bool, str]:
    """Whether a rephrased question asks the same relation about the same objects: the same
    relation tokens as ``question``, the same frame references ("frame 3": where the visual
    prompts are drawn) and every object name in ``names`` still present."""
    if not rephrased.strip():
        return False, "empty rephrasing"
    want, got = relation_words(question), relation_words(rephrased)
    if want != got:
        return False, f"relation words {got} != question's {want}"
    want_f, got_f = sorted(_FRAME_RE.findall(question.lower())), sorted(_FRAME_RE.findall(rephrased.lower()))
    if want_f != got_f:
        return False, f"frame references {got_f} != question's {want_f}"
    low = rephrased.lower()
    missing = [n for n in names if n and n.lower() not in low]
    if missing:
        return False, f"rephrasing drops {', '.join(missing)}"
    return True, ""
