"""Fault matrix: inject a fault into a real run, let the software recover, and count what came out.

Each row runs one fault end to end (real processes, real loopback sockets, real SIGKILLs) and
reports, per unit of work (item, scene, request, verdict):

- lost: units with no result at the end, after the recovery the software offers (its retries, or
  the documented rerun / ``--resume``);
- duplicated: units done twice where once was due (a repeated row or record, a reply paid for
  twice, a verdict stored twice);
- recovered: units the fault hit that still ended with their result ("–" where nothing is to
  recover, e.g. a fault aimed at the server rather than at the work).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/faults.py [--only NAME ...] [--seed 0]``.
Prints a Markdown table (and ``--json`` the same rows as JSON).

To add a fault: write ``def my_fault(ctx: Context) -> Outcome`` and decorate it with
``@fault("name", "what is done")``; rows print in the order the functions are defined. ``Context``
lends shared inputs built once (six synthetic scenes, their clean build, a subprocess runner).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from spacevista.annotate.loopback import ScriptedServer

ROOT = Path(__file__).resolve().parents[1]
ITEM_RE = re.compile(r"ITEM<([^>]+)>")


@dataclass
class Outcome:
    """What one fault did to the work."""

    unit: str
    total: int
    lost: int
    duplicated: int
    recovered: int | None
    note: str = ""
    seconds: float = 0.0


@dataclass
class Fault:
    name: str
    what: str
    run: Callable[["Context"], Outcome]


FAULTS: list[Fault] = []


def fault(name: str, what: str) -> Callable[[Callable[["Context"], Outcome]], Callable[["Context"], Outcome]]:
    """Register a row of the matrix."""
    def register(fn: Callable[["Context"], Outcome]) -> Callable[["Context"], Outcome]:
        FAULTS.append(Fault(name, what, fn))
        return fn
    return register


@dataclass
class Context:
    """Shared inputs of the rows, built on first use."""

    work: Path
    seed: int = 0
    _scenes: Path | None = field(default=None, repr=False)
    _clean: Path | None = field(default=None, repr=False)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}

    def cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "spacevista.cli", *args]

    def scenes(self) -> Path:
        """Six small synthetic scenes (native format)."""
        if self._scenes is None:
            from spacevista.io.native import write_scene
            from spacevista.synth.generate import generate_scene

            self._scenes = self.work / "scenes"
            self._scenes.mkdir()
            for k, scale in enumerate(("tabletop", "outdoor", "tiny") * 2, 1):
                write_scene(generate_scene(scale, k, n_frames=6, width=96, height=72), self._scenes)
        return self._scenes

    def clean(self) -> Path:
        """An undisturbed build of :meth:`scenes` (one process), the reference of the build rows."""
        if self._clean is None:
            from spacevista.engine.build.run import build

            self._clean = self.work / "clean"
            res = build([self.scenes()], self._clean, seed=0)
            if res.errors:
                raise SystemExit(f"the clean build failed: {res.errors}")
        return self._clean


# ------------------------------------------------------------------------------------ helpers

def compare_lines(got: list[str], want: list[str]) -> tuple[int, int]:
    """(lost, duplicated): lines of ``want`` missing from ``got``, and lines beyond ``want``'s count."""
    g, w = Counter(got), Counter(want)
    return sum((w - g).values()), sum((g - w).values())


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def json_lines(path: Path) -> list[dict]:
    """The parsable lines of a JSONL file (a line torn by a kill is skipped)."""
    out = []
    for line in read_lines(path):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def results_ids(path: Path) -> list[str]:
    """Ids of the rows of a results file, repeats included."""
    return [row["id"] for row in json_lines(path)]


def children(pid: int) -> list[int]:
    """Child process ids (Linux /proc)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def wait_for(cond: Callable[[], bool], timeout: float, proc: subprocess.Popen | None = None) -> bool:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cond():
            return True
        if proc is not None and proc.poll() is not None:
            return cond()
        time.sleep(0.01)
    return False


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


def chat_server(answers: dict[str, str], delay_s: float = 0.0, trickle_first: set[str] | None = None,
                trickle_s: float = 0.2) -> tuple["ScriptedServer", Counter[str]]:
    """A loopback chat-completions server answering ``<answer>answers[id]</answer>`` for the item
    tagged ``ITEM<id>`` (``A`` for untagged requests), after ``delay_s``; the first request of each
    item in ``trickle_first`` gets its reply a byte every ``trickle_s``. Also returns the count of
    requests per item."""
    from spacevista.annotate.loopback import ChatRequest, ScriptedServer, Trickle

    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def script(req: ChatRequest) -> str | Trickle:
        m = ITEM_RE.search(req.text)
        item = m.group(1) if m else "?"
        with lock:
            seen[item] += 1
            first = seen[item] == 1
        if delay_s:
            time.sleep(delay_s)
        text = f"<think>ok</think><answer>{answers.get(item, 'A')}</answer>"
        return Trickle(text, trickle_s) if trickle_first and item in trickle_first and first else text

    return ScriptedServer(script), seen


def eval_bench(root: Path, n: int) -> dict[str, str]:
    """A benchmark folder of ``n`` numerical items tagged ITEM<id>; returns id -> answer."""
    from spacevista.io.jsonl import write_jsonl
    from spacevista.records import QARecord

    root.mkdir(parents=True)
    recs = [QARecord(id=f"k{i:03d}", scene_id="s", source="synth", scale="indoor", category="indoor", task="t",
                     answer_type="numerical", question=f"ITEM<k{i:03d}> how far?", answer=str(2.0 + i), unit="m")
            for i in range(n)]
    write_jsonl(recs, root / "qa.jsonl")
    return {r.id: r.answer for r in recs}


# ------------------------------------------------------------------------------------ faults

@fault("trickling API server", "eval, 20 items; the server sends 5 replies a byte per 0.2 s; --timeout 1 --max-retries 1")
def trickling_api(ctx: Context) -> Outcome:
    from spacevista.eval.backends.openai_api import BackendError, OpenAIChatBackend
    from spacevista.qa.types import Prompt

    answers = eval_bench(ctx.work / "trickle-bench", 20)
    hit = {f"k{i:03d}" for i in range(0, 20, 4)}
    out = ctx.work / "trickle-out"
    srv, asked = chat_server(answers, trickle_first=hit)
    with srv:
        t0 = time.monotonic()
        r = subprocess.run(ctx.cli("eval", "--bench", str(ctx.work / "trickle-bench"), "--backend", "openai",
                                   "--model", "m", "--base-url", srv.base_url, "--out", str(out), "--timeout", "1",
                                   "--max-retries", "1", "--concurrency", "4", "--no-progress", "--table", "json"),
                           env=ctx.env, capture_output=True, text=True, timeout=300)
        run_s = time.monotonic() - t0
        # one trickled attempt on its own, to time the cut
        b = OpenAIChatBackend("m", srv.base_url, timeout=1.0, max_retries=0)
        asked.clear()
        t0 = time.monotonic()
        try:
            b.complete(Prompt(id="x", text=f"ITEM<{sorted(hit)[0]}>"))
            cut = "not cut"
        except BackendError:
            cut = f"{time.monotonic() - t0:.2f} s"
    ids = results_ids(out / "results.jsonl")
    rows = {row["id"]: row for row in json_lines(out / "results.jsonl")}
    lost = len(set(answers) - set(ids))
    recovered = sum(1 for i in hit if i in rows and rows[i]["score"] == 1.0)
    return Outcome("item", len(answers), lost, len(ids) - len(set(ids)), recovered,
                   f"rc {r.returncode}; run {run_s:.1f} s; a trickled attempt is cut at {cut} (deadline 1 s)")


@fault("SIGKILL of one build worker", "build of 6 scenes --workers 2; one worker process SIGKILLed mid-scene")
def build_worker_kill(ctx: Context) -> Outcome:
    src, clean = ctx.scenes(), ctx.clean()
    out = ctx.work / "worker-kill"
    proc = subprocess.Popen(ctx.cli("build", str(src), "--out", str(out), "--workers", "2"), env=ctx.env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killed = 0
    if wait_for(lambda: bool(children(proc.pid)) and any((out / "frames").rglob("*.jpg")), 120, proc):
        kids = children(proc.pid)
        if kids:
            os.kill(kids[0], signal.SIGKILL)
            killed = 1
    output, _ = proc.communicate(timeout=300)
    lost, dup = compare_lines(read_lines(out / "qa.jsonl"), read_lines(clean / "qa.jsonl"))
    worker_errors = [json.loads(x) for x in read_lines(out / "errors.jsonl")]
    scenes_lost = len({e["scene"] for e in worker_errors})
    return Outcome("scene", 6, scenes_lost, dup, killed - scenes_lost,
                   f"rc {proc.returncode}; {killed} worker killed; qa.jsonl vs clean: {lost} records lost, "
                   f"{dup} extra; traceback printed: {'Traceback' in output}")


@fault("SIGKILL of the build, then rerun",
       "build of 6 scenes --workers 2 SIGKILLed at 3 random points of its progress, then run to the end")
def build_kill_resume(ctx: Context) -> Outcome:
    src, clean = ctx.scenes(), ctx.clean()
    out = ctx.work / "build-kill"
    rng = random.Random(ctx.seed)
    cmd = ctx.cli("build", str(src), "--out", str(out), "--workers", "2")

    def shards() -> int:
        return len(list((out / "shards").glob("*.json")))

    # kill points: after k finished scenes (k = 0: once the first frame is written), plus up to 0.3 s
    points = sorted(rng.sample(range(6), 3))
    kills, unfinished = 0, None
    for k in points:
        proc = subprocess.Popen(cmd, env=ctx.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: shards() >= k and any((out / "frames").rglob("*.jpg")), 120, proc)
        time.sleep(rng.uniform(0.0, 0.3))
        kills += proc.poll() is None
        kill(proc)
        if unfinished is None:  # the scenes the first kill left undone: the later runs owe them
            unfinished = 6 - shards()
    done = subprocess.run(cmd, env=ctx.env, capture_output=True, text=True, timeout=300)
    lost, dup = compare_lines(read_lines(out / "qa.jsonl"), read_lines(clean / "qa.jsonl"))
    same = all((out / f).read_bytes() == (clean / f).read_bytes()
               for f in ("qa.jsonl", "qa.parquet", "sft.json", "grpo.jsonl", "bench.json", "errors.jsonl"))
    scenes_lost = len(json.loads((out / "report.json").read_text()).get("failed_scenes", []))
    return Outcome("scene", 6, scenes_lost, dup, (unfinished or 0) - scenes_lost,
                   f"killed after {points} finished scenes ({kills} kills landed); rerun rc {done.returncode}; "
                   f"qa.jsonl vs clean: {lost} lost, {dup} extra; dataset files identical to clean: {same}")


@fault("SIGKILL of eval, then --resume", "eval of 60 items (50 ms replies) killed at a random row, then --resume")
def eval_kill_resume(ctx: Context) -> Outcome:
    answers = eval_bench(ctx.work / "eval-bench", 60)
    out = ctx.work / "eval-kill"
    at = random.Random(ctx.seed + 1).randint(10, 40)
    srv, asked = chat_server(answers, delay_s=0.05)
    with srv:
        cmd = ctx.cli("eval", "--bench", str(ctx.work / "eval-bench"), "--backend", "openai", "--model", "m",
                      "--base-url", srv.base_url, "--out", str(out), "--concurrency", "2", "--no-progress",
                      "--table", "json")
        proc = subprocess.Popen(cmd, env=ctx.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: len(read_lines(out / "results.jsonl")) >= at, 120, proc)
        kill(proc)
        before = set(results_ids(out / "results.jsonl"))
        asked_before = Counter(asked)
        r = subprocess.run(cmd + ["--resume"], env=ctx.env, capture_output=True, text=True, timeout=300)
    ids = results_ids(out / "results.jsonl")
    lost = len(set(answers) - set(ids))
    # a finished item asked again after the kill is a reply paid twice
    repaid = sum(1 for i in before if asked[i] > asked_before[i])
    recovered = len((set(answers) - before) & set(ids))
    return Outcome("item", len(answers), lost, len(ids) - len(set(ids)) + repaid, recovered,
                   f"killed after {len(before)} rows; resume rc {r.returncode}")


@fault("SIGKILL of annotate, then rerun", "annotate 40 items of the clean build (50 ms replies) killed mid-run, then rerun")
def annotate_kill_resume(ctx: Context) -> Outcome:
    data = ctx.work / "annotate-set"
    shutil.copytree(ctx.clean(), data)
    cache = data / "annotate_cache.jsonl"
    srv, _ = chat_server({}, delay_s=0.05)
    with srv:
        cmd = ctx.cli("annotate", str(data), "--model", "m", "--base-url", srv.base_url, "--limit", "40",
                      "--no-instructions", "--no-rephrase", "--concurrency", "2", "--no-progress")
        proc = subprocess.Popen(cmd, env=ctx.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: len(read_lines(cache)) >= 12, 120, proc)
        kill(proc)
        before = {row["hash"] for row in json_lines(cache)}
        r = subprocess.run(cmd, env=ctx.env, capture_output=True, text=True, timeout=300)
    rep = json.loads((data / "annotate_report.json").read_text())
    hashes = [row["hash"] for row in json_lines(cache)]
    rows = json_lines(data / "annotations.jsonl")
    lost = sum(1 for row in rows if row["reason"].startswith("error"))
    # every reply cached before the kill must be found again, not bought again
    duplicated = len(hashes) - len(set(hashes)) + max(0, len(before) - rep["cached"])
    return Outcome("request", rep["requests"], lost, duplicated, len(set(hashes) - before),
                   f"killed after {len(before)} replies; rerun rc {r.returncode}: {rep['sent']} sent, "
                   f"{rep['cached']} cached")


@fault("slowloris on the review server", "200 slow clients hold connections while 50 annotators post 4 verdicts each")
def review_slowloris(ctx: Context) -> Outcome:
    import http.client

    from spacevista.review.server import ReviewApp, ReviewConfig, ReviewServer

    data = ctx.work / "review-set"
    shutil.copytree(ctx.clean(), data)
    srv = ReviewServer(ReviewApp(ReviewConfig(data, sample=50)), "127.0.0.1", 0, threads=8, request_timeout=3.0)
    srv.serve_in_thread()
    items = [i["id"] for i in srv.app.items][:4]
    threads_before = threading.active_count()
    slow: list[socket.socket] = []
    failed: list[object] = []
    ok = 0
    latencies: list[float] = []
    lock = threading.Lock()
    try:
        for k in range(200):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
            s.sendall(f"POST /api/judge HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n".encode()
                      + (b"Content-Length: 500\r\n\r\n{" if k % 2 else b"X-Slow: "))
            slow.append(s)
        peak = threading.active_count()
        start = threading.Barrier(50)

        def annotator(k: int) -> None:
            nonlocal ok
            start.wait()
            for item in items:
                body = json.dumps({"item_id": item, "verdict": "accept", "annotator": f"a{k:02d}"}).encode()
                t0 = time.monotonic()
                try:
                    con = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
                    con.request("POST", "/api/judge", body, {"Host": f"127.0.0.1:{srv.port}",
                                                            "X-CSRF-Token": srv.app.csrf_token,
                                                            "Content-Type": "application/json"})
                    status = con.getresponse().status
                    con.close()
                except OSError as e:
                    with lock:
                        failed.append(repr(e))
                    continue
                with lock:
                    latencies.append(time.monotonic() - t0)
                    if status == 200:
                        ok += 1
                    else:
                        failed.append(status)

        workers = [threading.Thread(target=annotator, args=(k,)) for k in range(50)]
        for t in workers:
            t.start()
        for t in workers:
            t.join(120)
        peak = max(peak, threading.active_count())
        t_cut = time.monotonic()
        cut = 0
        for s in slow:
            s.settimeout(30)
            try:
                while s.recv(4096):
                    pass
                cut += 1
            except OSError:
                pass
        cut_s = time.monotonic() - t_cut
    finally:
        for s in slow:
            s.close()
        srv.shutdown()
        srv.server_close()
    with sqlite3.connect(data / "review.sqlite") as con:
        stored = con.execute("SELECT COUNT(*) FROM judgements").fetchone()[0]
    expected = 50 * len(items)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    return Outcome("verdict", expected, expected - min(ok, stored), max(0, stored - expected), None,
                   f"{ok} answered 200, {len(failed)} failed; verdict p95 {p95 * 1000:.0f} ms under attack; "
                   f"{cut}/200 slow clients cut off (last {cut_s:.1f} s after the posts); threads +{peak - threads_before}")


# ------------------------------------------------------------------------------------ table

def markdown(rows: list[tuple[Fault, Outcome]]) -> str:
    head = ["fault", "what was done", "unit", "total", "lost", "duplicated", "recovered", "s", "notes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for f, o in rows:
        rec = "–" if o.recovered is None else str(o.recovered)
        cells = [f.name, f.what, o.unit, str(o.total), str(o.lost), str(o.duplicated), rec, f"{o.seconds:.1f}", o.note]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=None, help="names (or parts of names) of the rows to run")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random kill points")
    ap.add_argument("--json", action="store_true", help="also print the rows as JSON")
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    work = args.keep or Path(tempfile.mkdtemp(prefix="sv-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    ctx = Context(work, args.seed)
    chosen = [f for f in FAULTS if not args.only or any(o.lower() in f.name.lower() for o in args.only)]
    rows = []
    try:
        for f in chosen:
            t0 = time.monotonic()
            o = f.run(ctx)
            o.seconds = time.monotonic() - t0
            rows.append((f, o))
            print(f"done: {f.name} ({o.seconds:.1f} s)", file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.1f}\n")
    print(markdown(rows))
    if args.json:
        print(json.dumps([{"fault": f.name, **asdict(o)} for f, o in rows], indent=1))


if __name__ == "__main__":
    main()
