"""Run folders are never overwritten without being asked, and never left stale.

A stage folder (``<output_dir>/sft``, ``experts``, ``router``; for GRPO ``<output_dir>/grpo`` with
``final/`` and ``metrics.json`` beside it) that already holds an earlier run's output (weights,
checkpoints, metrics, logs) is not trained again
unless the run resumes it (``train.resume``) or ``--overwrite`` says so. With ``--overwrite`` the
old folder is removed first; and since every SFT stage starts from the previous one's weights, the
folders of the later stages that this run does not retrain (``experts/`` and ``router/`` after a
``stages=[sft]`` rerun) were trained on weights that no longer exist: they are moved aside to
``<output_dir>/stale/<stage>`` with a ``STALE.txt`` that says why. Everything is decided before any
training starts, and a refusal names each folder, what it holds and what to do.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable, Sequence

STALE = "stale"


class RunFolderExists(ValueError):
    """A stage's folder holds an earlier run's output and ``--overwrite`` was not given."""


def trained_output(folder: Path, names: Sequence[str] | None = None) -> list[str]:
    """What earlier training left in ``folder`` (every entry, or those of ``names``), folders with
    a trailing slash."""
    if not folder.is_dir():
        return []
    return [p.name + ("/" if p.is_dir() else "") for p in sorted(folder.iterdir())
            if names is None or p.name in names]


def _describe(folder: Path) -> str:
    return f"{folder} ({', '.join(trained_output(folder))})"


def prepare_sft_folders(output_dir: Path, stages: Sequence[str], order: Sequence[str], resumed: str | None,
                        overwrite: bool, log: Callable[[str], None]) -> None:
    """Check (and with ``overwrite`` clear) the folders of the SFT ``stages`` this run trains, in
    pipeline ``order``; ``resumed`` is the stage a checkpoint continues (its folder and those of the
    stages before it are this run's own). Raises :class:`RunFolderExists` naming every conflict."""
    skip = stages.index(resumed) if resumed in stages else 0
    fresh = [s for s in stages[skip:] if s != resumed]
    clash = [s for s in fresh if trained_output(output_dir / s)]
    first = min((order.index(s) for s in fresh), default=len(order))
    stale = [s for s in order[first + 1:] if s not in stages and trained_output(output_dir / s)]
    if not clash and not stale:
        return
    if not overwrite:
        why = [f"stage {s}: {_describe(output_dir / s)} holds an earlier run" for s in clash]
        why += [f"stage {s}: {_describe(output_dir / s)} was trained from the weights this run replaces "
                "and would be stale" for s in stale]
        raise RunFolderExists("refusing to train over an earlier run: " + "; ".join(why)
                              + ". Pass --overwrite to replace them (stale later stages are moved to "
                              f"{output_dir / STALE}), train.resume=auto to continue, or another output_dir")
    for s in clash:
        log(f"--overwrite: removing {_describe(output_dir / s)}")
        shutil.rmtree(output_dir / s)
    retrained = ", ".join(fresh)
    for s in stale:
        dest = output_dir / STALE / s
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(output_dir / s), str(dest))
        (dest / "STALE.txt").write_text(f"Moved here when stage(s) {retrained} were retrained with --overwrite: "
                                        f"this {s} stage was trained from the weights they replaced.\n",
                                        encoding="utf-8")
        log(f"--overwrite: stage {s} was trained from the old {retrained} weights; moved to {dest}")


def prepare_grpo_folder(output_dir: Path, resuming: bool, overwrite: bool, log: Callable[[str], None]) -> None:
    """Check (and with ``overwrite`` clear) a GRPO run folder: ``final/`` and ``metrics.json`` in
    ``output_dir``, checkpoints in ``output_dir/grpo``. A resumed run continues its own folder."""
    held = trained_output(output_dir, ("final", "metrics.json")) + [f"grpo/{x}" for x in
                                                                    trained_output(output_dir / "grpo")]
    if resuming or not held:
        return
    if not overwrite:
        raise RunFolderExists(f"refusing to train over an earlier run: {output_dir} holds {', '.join(held)}. "
                              "Pass --overwrite to replace it, train.resume=auto to continue it, "
                              "or another output_dir")
    log(f"--overwrite: removing {', '.join(held)} from {output_dir}")
    for name in ("final", "metrics.json", "grpo"):
        p = output_dir / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
