"""Write the figures that README.md and docs/ quote, from the commands that print them.

A figure is the text between ``<!-- figures:NAME -->`` and ``<!-- /figures:NAME -->`` in README.md or
a page of docs/ (HTML comments: invisible once rendered). This script reruns the command behind each
figure and rewrites that text, so a quoted number is what the command printed on the machine that
ran it, never a number typed in by hand.

    .venv/bin/python scripts/docs_figures.py              # the quick figures: demo, train (minutes)
    .venv/bin/python scripts/docs_figures.py robustness   # slow ones, by name (robustness: 6 demo runs)
    .venv/bin/python scripts/docs_figures.py --check      # every marker closed and known; runs nothing

``make docs-figures`` runs the quick ones, ``make docs-figures-slow`` the rest. Commands run as
``python -m spacevista.cli ...`` with this interpreter and this checkout's ``src`` first on the path.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
MARKER = re.compile(r"<!-- figures:([\w-]+) -->\n(.*?)<!-- /figures:\1 -->", re.S)
OPEN = re.compile(r"<!-- (/?)figures:([\w-]+) -->")


def pages() -> list[Path]:
    """The files that may quote figures."""
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def machine() -> str:
    """Where the figures were measured, in words."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} cores, load average {load:.1f} at the start"


def run(args: list[str], cwd: Path | None = None) -> tuple[str, float]:
    """Run ``python ARGS`` with this checkout's sources; (stdout, wall seconds); a failure raises."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=cwd or REPO, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"`python {' '.join(args)}` exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc.stdout, took


class Workspace:
    """A temporary folder holding what several figures share (the demo dataset)."""

    def __init__(self, root: Path):
        self.root = root
        self._demo: tuple[Path, float] | None = None

    def demo(self) -> tuple[Path, float]:
        """``spacevista demo --out DIR`` with its defaults, run once: (DIR, wall seconds)."""
        if self._demo is None:
            out = self.root / "demo_out"
            _, took = run(["-m", "spacevista.cli", "demo", "--out", str(out)])
            self._demo = (out, took)
        return self._demo


# ---------------------------------------------------------------------------------------------- figures

def demo_figures(ws: Workspace) -> dict[str, str]:
    """The engine accuracy table of ``spacevista demo`` (its engine_accuracy.md) and its counts."""
    out, took = ws.demo()
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    kinds = rep["answer_types"]
    table = (out / "precision_yield.md").read_text(encoding="utf-8").strip()
    low = [f"`{t}` / {s} {v:.3f}" for t, by in sorted(rep["engine_accuracy"].items())
           for s, v in by.items() if v < 0.90]
    refused = sum(n for by in rep["refusals"].values() for c in by.values() for n in c.values())
    means = {t: sum(by.values()) / len(by) for t, by in rep["engine_accuracy"].items()}
    summary = (f"{rep['qa_count']} items from {rep['scene_count']} scenes ({kinds.get('mc', 0)} multiple choice, "
               f"{kinds.get('numerical', 0)} numerical, {kinds.get('text', 0)} free text); {refused} candidate "
               f"questions refused by the evidence gates; the demo took "
               f"{rep['seconds']:.0f} s ({took:.0f} s wall with start-up, {machine()}); duplicate rate "
               f"{rep['duplicate_rate']:g}. Cells under 0.90: {', '.join(low) if low else 'none'}. Lowest task "
               f"mean over scales: {min(means.values()):.3f} (`{min(means, key=means.get)}`).")
    size = (f"`spacevista demo --out demo_out` (defaults: {rep['scene_count']} scenes, {rep['qa_count']} items): "
            f"{took:.0f} s wall ({machine()}).")
    return {"demo-accuracy": f"{table}\n\n{summary}", "demo-size": size}


STEP = re.compile(r"^stage=(\w+) step=(\d+) loss=([-\d.]+)", re.M)
EVAL = re.compile(r"^(?:stage=(\w+)|grpo) step=(\d+) eval score=([\d.]+) format=([\d.]+) \(([\d.]+) s\)", re.M)
DONE = re.compile(r"^stage=(\w+) done steps=(\d+) samples/s=([\d.]+)", re.M)
GSTEP = re.compile(r"^step=(\d+) loss=([-\d.]+) reward=([-\d.]+)", re.M)


def _evals(text: str) -> str:
    found = list(EVAL.finditer(text))
    if not found:
        return "no held-out evaluation"
    scores = ", ".join(f"{float(m.group(3)):.3f}" for m in found)
    took = sum(float(m.group(5)) for m in found)
    return f"held-out score {scores} at its {len(found)} evaluations ({took:.0f} s of the wall time)"


def train_figures(ws: Workspace) -> dict[str, str]:
    """Wall time, losses, rewards and held-out scores of the tiny SFT and GRPO configs on the demo."""
    data, _ = ws.demo()
    sft_out = ws.root / "tiny-sft"
    sft, sft_s = run(["-m", "spacevista.cli", "train", "sft", "--config", "configs/tiny-sft.yaml",
                      f"data.root={data}", f"output_dir={sft_out}"])
    grpo, grpo_s = run(["-m", "spacevista.cli", "train", "grpo", "--config", "configs/tiny-grpo.yaml",
                        f"data.root={data}", f"output_dir={ws.root / 'tiny-grpo'}"])
    stages: dict[str, list[float]] = {}
    for m in STEP.finditer(sft):
        stages.setdefault(m.group(1), []).append(float(m.group(3)))
    rates = {m.group(1): float(m.group(3)) for m in DONE.finditer(sft)}
    cold = stages["sft"]
    later = "; ".join(f"{len(v)} {s.rstrip('s')} steps (loss {v[-1]:.2f} at the last, {rates[s]:.1f} samples/s)"
                      for s, v in stages.items() if s != "sft")
    rewards = [float(m.group(3)) for m in GSTEP.finditer(grpo)]
    logs = [s for s in stages if list((sft_out / s / "logs").glob("events.out.tfevents.*"))]
    sft_line = (f"`spacevista train sft --config configs/tiny-sft.yaml`: {sft_s:.0f} s wall; loss {cold[0]:.2f} → "
                f"{cold[-1]:.2f} over the {len(cold)} cold-start steps ({rates['sft']:.1f} samples/s), then {later}; "
                f"{_evals(sft)}; TensorBoard event files in `runs/tiny-sft/<stage>/logs` for {', '.join(logs)}.")
    grpo_line = (f"`spacevista train grpo --config configs/tiny-grpo.yaml`: {grpo_s:.0f} s wall, {len(rewards)} steps "
                 f"of one group of 4; rewards {', '.join(f'{r:.2f}' for r in rewards)}; {_evals(grpo)}; event "
                 "files in `runs/tiny-grpo/grpo/logs`.")
    quick = (f"Measured by `make docs-figures` ({machine()}): `train sft` {sft_s:.0f} s (loss {cold[0]:.2f} → "
             f"{cold[-1]:.2f} over the cold start), `train grpo` {grpo_s:.0f} s.")
    bench, _ = run(["benchmarks/train.py"])
    return {"train-quick": quick, "train-measured": f"- {sft_line}\n- {grpo_line}",
            "train-bench": f"```\n{bench.strip()}\n```"}


def robustness_figures(ws: Workspace) -> dict[str, str]:
    """The table ``benchmarks/robustness.py`` prints (precision / yield per setting: clip and handheld
    captures, oracle and realistic perception)."""
    out, took = run(["benchmarks/robustness.py", "--out", str(ws.root / "robust")])
    return {"robustness": f"{_table(out)}\n\n({took / 60:.0f} min wall, {machine()}.)"}


def throughput_figures(ws: Workspace) -> dict[str, str]:
    """The table ``benchmarks/capture_throughput.py`` prints (frames per CPU-second, clip vs handheld)."""
    out, took = run(["benchmarks/capture_throughput.py"])
    return {"capture-throughput": f"{_table(out)}\n\n({took / 60:.0f} min wall, {machine()}.)"}


def alignment_figures(ws: Workspace) -> dict[str, str]:
    """The table ``benchmarks/depth_alignment.py`` prints (per-frame depth error left by the joint
    and the chained alignment on handheld captures, realistic 5%)."""
    out, took = run(["benchmarks/depth_alignment.py"])
    return {"depth-alignment": f"{_table(out)}\n\n({took / 60:.0f} min wall, {machine()}.)"}


def calibration_figures(ws: Workspace) -> dict[str, str]:
    """The table ``benchmarks/evidence_calibration.py`` prints (how often the evidence's measurement
    error covers the lifted extents' true error, handheld captures, realistic 5%)."""
    out, took = run(["benchmarks/evidence_calibration.py"])
    return {"evidence-calibration": f"{_table(out)}\n\n({took / 60:.0f} min wall, {machine()}.)"}


def room_figures(ws: Workspace) -> dict[str, str]:
    """The table ``benchmarks/room_coverage.py`` prints (wall coverage against floor-area error of
    the demo seeds' indoor rooms, clip and handheld, oracle and realistic 5%)."""
    out, took = run(["benchmarks/room_coverage.py"])
    return {"room-coverage": f"{_table(out)}\n\n({took / 60:.0f} min wall, {machine()}.)"}


def whole_views_figures(ws: Workspace) -> dict[str, str]:
    """The table ``benchmarks/whole_views.py`` prints (extents against the truth by the views that
    showed an object whole, handheld captures, realistic 5%)."""
    out, took = run(["benchmarks/whole_views.py"])
    return {"whole-views": f"{_table(out)}\n\n({took / 60:.0f} min wall, {machine()}.)"}


def _table(out: str) -> str:
    return "\n".join(ln for ln in out.splitlines() if ln.startswith("|"))


#: figure generator -> (the marker names it writes, quick enough for ``make docs-figures``)
FIGURES: dict[str, tuple[Callable[[Workspace], dict[str, str]], tuple[str, ...], bool]] = {
    "demo": (demo_figures, ("demo-accuracy", "demo-size"), True),
    "train": (train_figures, ("train-quick", "train-measured", "train-bench"), True),
    "robustness": (robustness_figures, ("robustness",), False),
    "throughput": (throughput_figures, ("capture-throughput",), False),
    "alignment": (alignment_figures, ("depth-alignment",), False),
    "calibration": (calibration_figures, ("evidence-calibration",), False),
    "room": (room_figures, ("room-coverage",), False),
    "whole-views": (whole_views_figures, ("whole-views",), False),
}


# ---------------------------------------------------------------------------------------------- markers

def check(files: list[Path]) -> list[str]:
    """Problems with the markers of ``files``: unclosed, nested or unknown names."""
    known = {n for _, names, _ in FIGURES.values() for n in names}
    problems = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        stack: list[str] = []
        for m in OPEN.finditer(text):
            closing, name = m.group(1) == "/", m.group(2)
            where = f"{f.relative_to(REPO)}:{text.count(chr(10), 0, m.start()) + 1}"
            if name not in known:
                problems.append(f"{where}: unknown figure {name!r} (known: {sorted(known)})")
            if not closing:
                if stack:
                    problems.append(f"{where}: figure {name!r} opens inside {stack[-1]!r}")
                stack.append(name)
            elif not stack or stack.pop() != name:
                problems.append(f"{where}: /figures:{name} closes nothing")
        problems += [f"{f.relative_to(REPO)}: figure {n!r} never closed" for n in stack]
    return problems


def write(figures: dict[str, str], files: list[Path]) -> dict[str, int]:
    """Replace each named figure's text in ``files``; how many places each name was written to."""
    count = dict.fromkeys(figures, 0)
    for f in files:
        text = f.read_text(encoding="utf-8")

        def repl(m: re.Match) -> str:
            name = m.group(1)
            if name not in figures:
                return m.group(0)
            count[name] += 1
            return f"<!-- figures:{name} -->\n{figures[name].rstrip()}\n<!-- /figures:{name} -->"
        new = MARKER.sub(repl, text)
        if new != text:
            f.write_text(new, encoding="utf-8")
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"figures to regenerate (default: the quick ones); of {list(FIGURES)}")
    ap.add_argument("--check", action="store_true", help="only check the markers")
    ap.add_argument("--from-output", nargs=2, metavar=("NAME", "FILE"),
                    help="place the table a slow figure's command already printed into FILE (its saved stdout)")
    args = ap.parse_args()
    problems = check(pages())
    if problems or args.check:
        print("\n".join(problems) or "markers ok")
        sys.exit(1 if problems else 0)
    if args.from_output:
        name, path = args.from_output
        text = Path(path).read_text(encoding="utf-8")
        command = {"robustness": "benchmarks/robustness.py", "capture-throughput": "benchmarks/capture_throughput.py",
                   "depth-alignment": "benchmarks/depth_alignment.py",
                   "evidence-calibration": "benchmarks/evidence_calibration.py",
                   "room-coverage": "benchmarks/room_coverage.py", "whole-views": "benchmarks/whole_views.py"}
        placed = write({name: f"{_table(text)}\n\n(printed by `.venv/bin/python {command.get(name, name)}`; {machine()}.)"},
                       pages())
        print(f"{name} -> {placed[name]} place(s)")
        return
    unknown = sorted(set(args.names) - set(FIGURES))
    if unknown:
        sys.exit(f"unknown figures {unknown}; choose from {list(FIGURES)}")
    chosen = args.names or [n for n, (_, _, quick) in FIGURES.items() if quick]
    with tempfile.TemporaryDirectory(prefix="docs_figures_") as tmp:
        ws = Workspace(Path(tmp))
        for name in chosen:
            t0 = time.perf_counter()
            made = FIGURES[name][0](ws)
            placed = write(made, pages())
            print(f"{name}: {time.perf_counter() - t0:.0f} s; " + ", ".join(f"{k} -> {v} place(s)"
                                                                             for k, v in placed.items()))


if __name__ == "__main__":
    main()
