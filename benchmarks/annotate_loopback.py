"""Annotation dry run on the demo datasets against a scripted loopback model; prints what docs/annotate.md shows.

Builds the small demo set (all tasks) and a planning set (route and manipulation planning), starts
two scripted OpenAI-compatible servers on 127.0.0.1 ("model-a", "model-b"), runs the annotation
with both models, and prints the prompts, the per-task table, samples of kept and dropped
rationales, instructions and rephrasings, tokens, and the request counts of a second (cached) run.

The scripted models are no language models: they rewrite the engine facts they are given into a
rationale and inject errors on a fixed, hash-chosen subset of items (wrong answers, replies without
tags, instructions with a turn mirrored, rephrasings with a relation flipped), so that every path of
the filter is exercised with known outcomes.

    .venv/bin/python benchmarks/annotate_loopback.py [--out /tmp/annotate_demo]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import time
from pathlib import Path

from rich.console import Console

from spacevista.cli.annotate import report_table
from spacevista.cli.tables import print_table
from spacevista.annotate.loopback import ChatRequest, ScriptedServer
from spacevista.annotate.prompts import INSTRUCTION_SYSTEM, REPHRASE_SYSTEM, build_prompt, plan_text
from spacevista.annotate.run import ANNOTATIONS, AnnotateOptions, annotate
from spacevista.engine.build.demo import DemoConfig, run_demo
from spacevista.eval.backends.openai_api import OpenAIChatBackend
from spacevista.io.jsonl import read_jsonl


def _h(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16)


_FLIP = {"left": "right", "right": "left", "above": "below", "below": "above", "closer": "farther",
         "farther": "closer", "nearer": "farther"}


def _swap_lr(text: str) -> str:
    """The first relation word mirrored: the error a careless rewrite makes."""
    out = re.sub(r"\b(left|right|above|below|closer|farther|nearer)\b", lambda m: _FLIP[m.group(1)], text, count=1)
    if out == text:  # no relation word: point at the wrong frame instead
        out = re.sub(r"\bframe (\d+)", lambda m: f"frame {int(m.group(1)) + 1}", text, count=1)
    return out


def _paraphrase_plan(plan: str) -> str:
    s = re.sub(r"\bTurn (left|right) ([\d.]+) degrees", r"Bear \1 by about \2 degrees", plan, flags=re.I)
    s = re.sub(r"\bturn (left|right) ([\d.]+) degrees", r"bear \1 by about \2 degrees", s)
    s = re.sub(r"\bgo forward\b", "walk straight ahead", s, flags=re.I)
    s = re.sub(r"\bLift it\b", "Raise it", s)
    s = re.sub(r"\bmove it (left|right)\b", r"slide it to the \1", s)
    s = re.sub(r"\bmove it (forward|back)\b", r"push it \1", s)
    return s


def make_script(model: str, records: dict[str, object], wrong_mod: int, malformed_mod: int, conf: int):
    """A scripted model: finds the item by its question (and options), then answers per the rules."""
    recs = list(records.values())

    def find(text: str, kind: str):
        for r in recs:
            if r.question not in text:
                continue
            if kind == "rationale" and not all(o in text for o in r.options):
                continue
            if kind == "instruction" and plan_text(r) not in text:
                continue
            return r
        return None

    def script(req: ChatRequest) -> str | int:
        text = req.text.split("Now the frames above.")[-1]
        kind = {INSTRUCTION_SYSTEM: "instruction", REPHRASE_SYSTEM: "rephrase"}.get(req.system, "rationale")
        r = find(text, kind)
        if r is None:
            return 400
        h = _h(model, r.id)
        if req.system == INSTRUCTION_SYSTEM:
            plan = text.split("Plan: ")[-1].split("\nInstruction:")[0]
            out = _paraphrase_plan(plan)
            return _swap_lr(out) if h % 3 == 0 else out
        if req.system == REPHRASE_SYSTEM:
            q = r.question[0].lower() + r.question[1:]
            out = f"Looking at the video, {q}"
            return _swap_lr(out) if h % 3 == 0 else out
        if h % malformed_mod == 0:
            return f"I think the answer is probably {r.answer} but I cannot tell."
        facts = text.split("Measured by the engine: ")[-1].split("\nReply in")[0] if "Measured" in text else ""
        reasoning = (f"I find the objects in the frames. {facts}" if facts
                     else "I find the objects in the frames and compare them.")
        ans = r.answer
        if h % wrong_mod == 0:
            if r.answer_type == "mc":
                ans = "A" if r.answer != "A" else "B"
            elif r.answer_type == "numerical":
                ans = f"{float(r.answer) * 1.4:.3g}"
            else:
                ans = _swap_lr(r.answer)
        return f"<think>{reasoning}</think><answer>{ans}</answer><confidence>{conf + h % 10}</confidence>"
    return script


def client(srv: ScriptedServer, model: str) -> OpenAIChatBackend:
    return OpenAIChatBackend(model, srv.base_url, concurrency=4, max_retries=2, timeout=30)


def run(root: Path, console: Console, show_prompts: bool) -> None:
    recs = {r.id: r for r in read_jsonl(root / "qa.jsonl")}
    with ScriptedServer(make_script("model-a", recs, 4, 7, 70)) as sa, \
            ScriptedServer(make_script("model-b", recs, 5, 11, 60)) as sb:
        if show_prompts:
            first = next(iter(recs.values()))
            p = build_prompt(first, root, "rationale", "hinted")
            console.rule(f"rationale prompt (hinted) for {first.id}: system")
            console.print(p.system, markup=False)
            console.rule(f"user ({len(p.images)} frames before the text)")
            console.print(p.text, markup=False)
        t0 = time.perf_counter()
        # both models on one loopback port each: the base URL is per client
        opts = AnnotateOptions(export=True, price_in=0.0004, price_out=0.0012)
        res = annotate(root, [client(sa, "model-a"), client(sb, "model-b")], opts)
        dt = time.perf_counter() - t0
        n1 = sa.requests + sb.requests
        res2 = annotate(root, [client(sa, "model-a"), client(sb, "model-b")], opts)
        n2 = sa.requests + sb.requests - n1
    rep = res.report
    print_table(*report_table(rep))
    console.print(f"first run: {rep['requests']} requests ({rep['sent']} sent) in {dt:.2f} s; tokens "
                  f"{rep['tokens']['prompt']} in / {rep['tokens']['completion']} out; cost {rep['cost']:.4f} "
                  f"at 0.0004 / 0.0012 per 1k")
    console.print(f"second run: {res2.report['cached']} cached, {n2} requests reached the servers, "
                  f"tokens this run {res2.report['tokens']['prompt']} in, cost {res2.report['cost']:.4f}")
    rows = [json.loads(x) for x in open(root / ANNOTATIONS, encoding="utf-8")]
    for title, pick in (("kept rationales", lambda r: r["kind"] == "rationale" and r["kept"]),
                        ("dropped rationales", lambda r: r["kind"] == "rationale" and not r["agrees"]),
                        ("instructions", lambda r: r["kind"] == "instruction"),
                        ("rephrasings", lambda r: r["kind"] == "rephrase")):
        sel = [r for r in rows if pick(r)]
        seen_reasons: set[str] = set()
        shown = []
        for r in sel:  # one per distinct reason kind first, then fill up to four
            k = r["reason"].split(":")[0] + r["model"]
            if k not in seen_reasons:
                seen_reasons.add(k)
                shown.append(r)
        shown += [r for r in sel if r not in shown][: max(0, 4 - len(shown))]
        console.rule(f"{title} ({len(sel)})")
        for r in shown[:4]:
            q = recs[r["id"]]
            console.print(f"- {r['id']} [{r['model']}] engine answer {q.answer!r}: {r['reason']}", markup=False)
            console.print(f"  {r['rationale'][:300]}", markup=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/tmp/annotate_demo")
    args = ap.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    console = Console(width=120)
    small = out / "demo"
    run_demo(small, DemoConfig(scenes_per_scale=1, frames=4, width=96, height=72, workers=1))
    plan = out / "planning"
    run_demo(plan, DemoConfig(scenes_per_scale=2, frames=8, width=160, height=120, workers=1,
                              tasks=("route_planning", "navigation", "manipulation_planning")))
    console.rule("[bold]demo set (all tasks)")
    run(small, console, show_prompts=True)
    console.rule("[bold]planning set")
    recs = list(read_jsonl(plan / "qa.jsonl"))
    p = build_prompt(recs[-1], plan, "instruction")
    console.rule(f"instruction prompt for {recs[-1].id}: system")
    console.print(p.system, markup=False)
    console.rule("user")
    console.print(p.text, markup=False)
    run(plan, console, show_prompts=False)


if __name__ == "__main__":
    main()
