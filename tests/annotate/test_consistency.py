"""The consistency filter and the confidence rule."""

from __future__ import annotations

from spacevista.annotate.consistency import Judgement, choose, distilled_rationale, judge, split_reply
from spacevista.records import QARecord


def rec(answer_type: str, answer: str, options=(), unit="", task="object_size") -> QARecord:
    return QARecord(id="x", scene_id="s", source="synth", scale="indoor", category="indoor", task=task,
                    answer_type=answer_type, question="?", answer=answer, options=list(options), unit=unit)


def reply(ans: str, conf: str = "") -> str:
    return f"<think>reasoning</think><answer>{ans}</answer>{conf}"


def test_split_reply():
    assert split_reply(reply("B", "<confidence> 85 </confidence>")) == ("reasoning", "B", 85.0)
    assert split_reply(reply("B", "<confidence>120%</confidence>"))[2] == 100.0
    assert split_reply("no tags at all") == ("", "no tags at all", None)


def test_mc_agreement():
    r = rec("mc", "B", ["x", "y", "z"])
    assert judge(r, "m", reply("B")).agrees
    assert judge(r, "m", reply("(b) y")).agrees
    j = judge(r, "m", reply("C"))
    assert not j.agrees and j.reason == "disagrees: C vs B" and j.parsed == "C"
    j = judge(r, "m", reply("D"))  # not an option
    assert not j.agrees and j.reason.startswith("malformed")
    j = judge(r, "m", "<answer>B</answer>")  # no reasoning to distil
    assert not j.agrees and j.reason == "malformed: no <think> reasoning"


def test_numerical_mra_band():
    r = rec("numerical", "2.0", unit="m")
    assert judge(r, "m", reply("2.0")).score == 1.0
    assert judge(r, "m", reply("2.15")).agrees  # 7.5 % off: MRA 0.9
    assert judge(r, "m", reply("215 cm")).agrees  # units converted
    j = judge(r, "m", reply("2.25"))  # 12.5 % off: MRA 0.8
    assert not j.agrees and "MRA 0.80 < 0.9" in j.reason
    assert judge(r, "m", reply("about two metres")).parsed == "2.0"  # number words read by the shared parser
    assert judge(r, "m", reply("far")).reason.startswith("malformed")


def test_planning_text_agreement_uses_directions():
    r = rec("text", "Lift it 2 cm, move it left 5 cm, then lower it 2 cm.", unit="cm", task="manipulation_planning")
    assert judge(r, "m", reply("Raise it 2 cm, shift it 5 cm leftwards and lower it.")).agrees
    j = judge(r, "m", reply("Raise it 2 cm, shift it 5 cm right and lower it."))
    assert not j.agrees and "!= plan up left down" in j.reason


def test_choose_by_confidence():
    def jd(model, agrees, conf):
        return Judgement(model, "r", "A", agrees, "", conf, float(agrees))
    assert choose([jd("a", True, 60), jd("b", True, 90)]).model == "b"
    assert choose([jd("a", True, None), jd("b", True, None)]).model == "a"
    assert choose([jd("a", False, 99), jd("b", True, 10)]).model == "b"
    assert choose([jd("a", False, 99), jd("b", False, 10)]) is None
    r = rec("mc", "A", ["x", "y"])
    assert distilled_rationale(r, jd("a", True, 1)) == "<think>r</think><answer>A</answer>"
