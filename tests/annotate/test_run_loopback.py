"""End-to-end runs against a real loopback HTTP server that plays the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacevista.annotate.loopback import ChatRequest, ScriptedServer
from spacevista.annotate.run import ANNOTATIONS, CACHE, EXPORT, REPORT, AnnotateOptions, annotate
from spacevista.eval.backends.openai_api import OpenAIChatBackend

from .conftest import REPLIES_A, script_a, tiny_records, write_tiny


def client(server: ScriptedServer, model: str, concurrency: int = 4) -> OpenAIChatBackend:
    return OpenAIChatBackend(model, server.base_url, concurrency=concurrency, max_retries=2,
                             backoff_base=0.0, sleep=lambda s: None, timeout=10)


def rows_of(root: Path) -> dict[tuple[str, str, str], dict]:
    rows = [json.loads(line) for line in open(root / ANNOTATIONS, encoding="utf-8")]
    return {(r["id"], r["model"], r["kind"]): r for r in rows}


def test_filter_keeps_and_drops_exactly(tiny: Path):
    with ScriptedServer(script_a) as srv:
        res = annotate(tiny, [client(srv, "m-a")], AnnotateOptions(export=True, price_in=0.5, price_out=2.0))
        assert srv.requests == 16  # 11 rationales + 3 instructions + 2 rephrasings, each once
    rows = rows_of(tiny)
    kept = {i for (i, _, k), r in rows.items() if k == "rationale" and r["kept"]}
    assert kept == {"q1", "q3", "q6", "q7", "q8", "q9", "q10"}
    assert rows[("q2", "m-a", "rationale")]["reason"] == "disagrees: C vs A"
    assert rows[("q4", "m-a", "rationale")]["reason"].startswith("disagrees: 2.5 vs 2.0 (MRA")
    assert rows[("q3", "m-a", "rationale")]["answer"] == "2.15"
    assert rows[("q5", "m-a", "rationale")]["reason"].startswith("malformed")
    assert rows[("q11", "m-a", "rationale")]["reason"].startswith("error: ")
    assert rows[("q1", "m-a", "rationale")]["confidence"] == 90.0
    # direction words of the free-form instructions against the planner's path
    assert rows[("q6", "m-a", "instruction")]["kept"]
    assert not rows[("q7", "m-a", "instruction")]["kept"]
    assert rows[("q7", "m-a", "instruction")]["reason"] == \
        "disagrees: directions right forward left forward != plan left forward right forward"
    assert rows[("q8", "m-a", "instruction")]["kept"]
    assert rows[("q9", "m-a", "rephrase")]["kept"] and not rows[("q10", "m-a", "rephrase")]["kept"]

    rep = json.loads((tiny / REPORT).read_text())
    assert rep == res.report
    per = rep["per_task"]
    sc = per["size_comparison"]
    assert {k: sc[k] for k in ("items", "kept", "dropped", "disagree", "malformed", "error")} == \
        {"items": 4, "kept": 1, "dropped": 3, "disagree": 1, "malformed": 1, "error": 1}
    assert (per["absolute_distance"]["kept"], per["absolute_distance"]["dropped"]) == (1, 1)
    assert (per["route_planning"]["instruction_kept"], per["route_planning"]["instruction_dropped"]) == (1, 1)
    assert per["manipulation_planning"]["instruction_kept"] == 1
    assert per["route_planning"]["instruction_mismatch"] == 1
    assert per["position_comparison"]["rephrase_mismatch"] == 1
    assert (per["position_comparison"]["rephrase_kept"], per["position_comparison"]["rephrase_dropped"]) == (1, 1)
    assert rep["total"]["kept"] == 7 and rep["total"]["dropped"] == 4
    assert (rep["sent"], rep["cached"], rep["errors"]) == (15, 0, 1)

    # tokens are the usage the server reported for the 15 answered requests
    seen = [r for r in srv.seen if r.text and not (r.system.startswith("You are") and "[q11]" in r.text)]
    want_in = sum(len(r.text.split()) + len(r.system.split()) + 64 * r.images for r in seen)
    assert rep["tokens"]["prompt"] == want_in and rep["tokens"] == rep["tokens_all"]
    assert rep["cost"] == pytest.approx(want_in / 1000 * 0.5 + rep["tokens"]["completion"] / 1000 * 2.0)

    # the export carries the distilled rationale with the engine's answer where one was kept
    exp = {e["id"]: e for e in json.loads((tiny / EXPORT).read_text())}
    assert exp["q3"]["messages"][1]["content"] == "<think>About 2.15 m separate them.</think><answer>2.0</answer>"
    assert exp["q3"]["rationale_source"] == "m-a"
    assert exp["q2"]["rationale_source"] == "engine"
    assert exp["q2"]["messages"][1]["content"] == tiny_records()[1].rationale
    assert rep["exported"] == 7
    assert exp["q6"]["instruction"].startswith("Turn slightly to your left") and "instruction" not in exp["q7"]
    assert exp["q9"]["rephrased_question"].startswith("Looking at frame 1") and "rephrased_question" not in exp["q10"]
    # the dataset itself is untouched
    assert [json.loads(x)["answer"] for x in open(tiny / "qa.jsonl")] == [r.answer for r in tiny_records()]


def test_chunks_give_the_same_result(tiny: Path, tmp_path: Path):
    other = write_tiny(tmp_path / "chunked", tiny_records())
    with ScriptedServer(script_a) as srv:
        whole = annotate(tiny, [client(srv, "m-a")]).report
        chunked = annotate(other, [client(srv, "m-a")], AnnotateOptions(chunk=3)).report
    assert chunked == whole
    assert (other / ANNOTATIONS).read_bytes() == (tiny / ANNOTATIONS).read_bytes()


def test_cached_prompts_are_not_sent_again(tiny: Path):
    with ScriptedServer(script_a) as srv:
        annotate(tiny, [client(srv, "m-a")])
        first = srv.requests
        rep = annotate(tiny, [client(srv, "m-a")]).report
        # only the refused item is tried again
        assert srv.requests - first == 1
        assert (rep["sent"], rep["cached"]) == (0, 15)
        assert rep["tokens"] == {"prompt": 0, "completion": 0} and rep["tokens_all"]["prompt"] > 0
        # a different mode is a different prompt: sent once, then cached too
        annotate(tiny, [client(srv, "m-a")], AnnotateOptions(mode="blind", instructions=False, rephrase=False))
        n_blind = srv.requests - first - 1
        assert n_blind == 11
        annotate(tiny, [client(srv, "m-a")], AnnotateOptions(mode="blind", instructions=False, rephrase=False))
        assert srv.requests - first - 1 - n_blind == 1
    # no body was ever sent twice except the refused item's
    dup = {h for h in srv.bodies if srv.bodies.count(h) > 1}
    assert len(dup) == 2  # q11 hinted and q11 blind


class Interrupt(Exception):
    pass


def test_interrupted_run_resumes_without_repeats(tiny: Path):
    with ScriptedServer(script_a) as srv:
        def stop_after_five(done: int) -> None:
            if done == 5:
                raise Interrupt
        with pytest.raises(Interrupt):
            annotate(tiny, [client(srv, "m-a", concurrency=1)], progress=stop_after_five)
        # the one request in flight when the run stopped may finish; nothing else is sent
        first = srv.requests
        assert first in (5, 6)
        cached = len((tiny / CACHE).read_text().splitlines())
        assert cached == first
        rep = annotate(tiny, [client(srv, "m-a", concurrency=1)]).report
        assert rep["cached"] == cached and rep["sent"] == 15 - cached
    assert srv.requests == 16
    assert len(set(srv.bodies)) == 16  # nothing sent twice
    kept = {i for (i, _, k), r in rows_of(tiny).items() if k == "rationale" and r["kept"]}
    assert kept == {"q1", "q3", "q6", "q7", "q8", "q9", "q10"}


def test_cut_cache_line_is_sent_again(tiny: Path):
    with ScriptedServer(script_a) as srv:
        annotate(tiny, [client(srv, "m-a")], AnnotateOptions(tasks=("size_comparison",)))
        lines = (tiny / CACHE).read_text().splitlines()
        # an interrupted write leaves half a line: that request alone is repeated
        (tiny / CACHE).write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2])
        before = srv.requests
        annotate(tiny, [client(srv, "m-a")], AnnotateOptions(tasks=("size_comparison",)))
        assert srv.requests - before == 2  # the cut reply and the refused item


def script_b(req: ChatRequest) -> str | int:
    """Model m-b: right where m-a is wrong on q2, more confident on q1, wrong on q4, silent elsewhere."""
    if "[q1]" in req.text:
        return "<think>Bottle taller.</think><answer>B</answer><confidence>95</confidence>"
    if "[q2]" in req.text:
        return "<think>The cup is tallest.</think><answer>A</answer><confidence>40</confidence>"
    if "[q3]" in req.text:
        return "<think>Roughly 2 m.</think><answer>2</answer>"
    if "[q4]" in req.text:
        return "<think>About 4 m.</think><answer>4</answer><confidence>99</confidence>"
    return "<think>No idea.</think><answer>none</answer>"


def test_two_models_confidence_rule(tmp_path: Path):
    root = write_tiny(tmp_path / "two", [r for r in tiny_records() if r.id in ("q1", "q2", "q3", "q4")])
    with ScriptedServer(script_a) as sa, ScriptedServer(script_b) as sb:
        ca, cb = client(sa, "m-a"), client(sb, "m-b")
        cb.model = "m-b"
        rep = annotate(root, [ca, cb]).report
        assert sa.requests == 4 and sb.requests == 4
    rows = rows_of(root)
    assert rows[("q1", "m-b", "rationale")]["kept"] and not rows[("q1", "m-a", "rationale")]["kept"]  # 95 > 90
    assert rows[("q2", "m-b", "rationale")]["kept"]  # the only one that agrees
    assert rows[("q3", "m-a", "rationale")]["kept"]  # both agree, no confidence: first model listed
    assert not any(r["kept"] for (i, _, _), r in rows.items() if i == "q4")  # none agrees: dropped
    assert (rep["total"]["kept"], rep["total"]["dropped"]) == (3, 1)


def test_unknown_task_and_missing_dataset(tiny: Path, tmp_path: Path):
    from spacevista.errors import SpaceVistaError

    with ScriptedServer(script_a) as srv:
        with pytest.raises(SpaceVistaError, match="none of the tasks"):
            annotate(tiny, [client(srv, "m-a")], AnnotateOptions(tasks=("nope",)))
        with pytest.raises(SpaceVistaError, match="no qa.jsonl"):
            annotate(tmp_path, [client(srv, "m-a")])
        assert srv.requests == 0
    assert set(REPLIES_A) == {r.id for r in tiny_records()}


def test_retries_come_from_the_shared_backend(tiny: Path):
    import threading

    tried: set[str] = set()
    lock = threading.Lock()

    def flaky(req: ChatRequest) -> str | int:
        # every prompt fails once with 503 before it is answered
        key = req.system[:20] + req.text[-200:]
        with lock:
            first = key not in tried
            tried.add(key)
        return 503 if first else script_a(req)

    with ScriptedServer(flaky) as srv:
        c = client(srv, "m-a", concurrency=8)
        rep = annotate(tiny, [c]).report
        assert c.retries == 16 and srv.requests == 32  # 16 prompts, each sent twice by the retry loop
    assert rep["sent"] == 15 and rep["errors"] == 1  # the 400 item is not retried
    assert rep["total"]["kept"] == 7


def test_missing_frame_names_scene_and_item(tiny: Path):
    from spacevista.errors import SceneError

    (tiny / "frames" / "b.png").unlink()
    with ScriptedServer(script_a) as srv:
        with pytest.raises(SceneError, match=r"scene 'tiny'.*item q1: cannot read frame .*b\.png"):
            annotate(tiny, [client(srv, "m-a")])
        assert srv.requests == 0
