"""Direction words of planner texts and free-form instructions."""

from __future__ import annotations

import pytest

from spacevista.annotate.directions import actions, check_instruction, check_rephrase, relation_words


@pytest.mark.parametrize("text, want", [
    ("Turn left 95 degrees, then go forward 6.57 m, turn left 70 degrees, then go forward 23.6 m.",
     ["left", "forward", "left", "forward"]),
    ("Go forward 12 m passing the bench on your left, turn right 30 degrees, then go forward 3 m "
     "passing the lamp on your right.", ["forward", "right", "forward"]),
    ("Lift it 13.9 cm, move it left 4.53 cm, move it forward 34.4 cm, move it left 13.8 cm, "
     "move it forward 7.03 cm, then lower it 13.9 cm.", ["up", "left", "forward", "left", "forward", "down"]),
    ("Move it back 2 cm, then move it right 1 cm.", ["back", "right"]),
    # free wording: synonyms, sides of landmarks, repeats
    ("Turn about 30 degrees to your left and walk straight ahead for 2.5 metres, keeping the table "
     "to your right.", ["left", "forward"]),
    ("Head onwards past the fountain on the left-hand side, then turn around.", ["forward", "back"]),
    ("Raise the cup, slide it to the left, keep sliding it left, then put it down.", ["up", "left", "down"]),
    ("Walk around the table.", ["forward"]),
    ("", []),
])
def test_actions(text, want):
    assert actions(text) == want


def test_check_instruction():
    plan = "Turn left 30 degrees, then go forward 2 m, turn right 60 degrees, then go forward 1.5 m."
    assert check_instruction("Bear left and walk 2 m; then turn right and continue 1.5 m.", plan) == (True, "")
    ok, why = check_instruction("Bear right and walk 2 m; then turn left and continue 1.5 m.", plan)
    assert not ok and why == "directions right forward left forward != plan left forward right forward"
    ok, why = check_instruction("Walk 2 m then turn.", plan)
    assert not ok and "!= plan" in why
    assert check_instruction("Just get there.", plan) == (False, "instruction has no direction words")


def test_rephrase():
    q = "In frame 2, is the mug to the left of the laptop?"
    assert relation_words(q) == ["left"]
    assert check_rephrase("Does the mug sit on the left side of the laptop in frame 2?", q, ["mug", "laptop"])[0]
    ok, why = check_rephrase("Is the mug right of the laptop in frame 2?", q, ["mug", "laptop"])
    assert not ok and "relation words" in why
    ok, why = check_rephrase("Is it to the left of the laptop in frame 2?", q, ["mug", "laptop"])
    assert not ok and why == "rephrasing drops mug"
    assert check_rephrase("  ", q, []) == (False, "empty rephrasing")
    ok, why = check_rephrase("In frame 3, is the mug to the left of the laptop?", q, ["mug", "laptop"])
    assert not ok and why == "frame references ['3'] != question's ['2']"
