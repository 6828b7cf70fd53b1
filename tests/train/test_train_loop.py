"""The loop tail both recipes share (``TrainLoop``), driven by a stand-in step over a shuffled dataloader of
numbers: where optimizer steps end, what is logged and checkpointed, and that a stopped loop resumed from its
checkpoint continues exactly where it was, across an epoch boundary."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from spacevista.train.config import TrainSection
from spacevista.train.loop import LoopState, MicroStep, TrainLoop, checkpoints, make_accelerator


class AccumulatingStep:
    """An optimizer step every ``accum`` micro-batches; its metrics are the step number and the values seen."""

    def __init__(self, accum: int) -> None:
        self.accum = accum
        self.micro = 0
        self.seen: list[float] = []

    def __call__(self, batch: torch.Tensor, step: int) -> MicroStep:
        self.micro += 1
        self.seen.extend(batch.tolist())
        if self.micro % self.accum:
            return MicroStep(len(batch))
        row, self.seen = (step, tuple(self.seen)), []
        return MicroStep(len(batch), row)


def run_loop(stage_dir: Path, total: int, checkpoint: Path | None = None, **train_kw) -> tuple[TrainLoop, list[str]]:
    """10 numbers in batches of 2 (5 micro-batches an epoch), two micro-batches per optimizer step."""
    train = TrainSection(mixed_precision="no", **train_kw)
    accelerator = make_accelerator(train)
    loader = accelerator.prepare(torch.utils.data.DataLoader(
        torch.arange(10, dtype=torch.float32), batch_size=2, shuffle=True,
        generator=torch.Generator().manual_seed(0)))
    lines: list[str] = []
    loop = TrainLoop(accelerator, train, LoopState(stage="s", total_steps=total), stage_dir, lines.append)
    loop.start(checkpoint, "stage=s", lambda saved: None)
    loop.run(loader, AccumulatingStep(2), lambda step, row: f"step={step} values={row[1]}")
    return loop, lines


def test_steps_rows_logging_and_summary(tmp_path):
    loop, lines = run_loop(tmp_path, total=6, log_every=4)
    assert [row[0] for row in loop.rows] == [1, 2, 3, 4, 5, 6]
    # two whole epochs (each number once per epoch) and two micro-batches of the third
    values = [v for row in loop.rows for v in row[1]]
    assert sorted(values[:10]) == sorted(values[10:20]) == [float(i) for i in range(10)]
    assert len(values) == 24 and values[:10] != values[10:20]  # reshuffled each epoch
    assert [line.split()[0] for line in lines] == ["step=4", "step=6"]
    assert (loop.state.step, loop.state.epoch, loop.state.micro, loop.samples) == (6, 2, 2, 24)
    summary = loop.summary("rows", {"experts": 3}, stage="s")
    assert list(summary) == ["stage", "steps", "total_steps", "rows", "evals", "trainable", "seconds", "eval_seconds",
                             "samples_per_second", "stopped"]
    assert summary["steps"] == 6 and not summary["stopped"] and summary["samples_per_second"] > 0


def test_stopped_loop_resumes_where_it_was(tmp_path):
    full, _ = run_loop(tmp_path / "full", total=6)
    part, _ = run_loop(tmp_path / "part", total=6, stop_after=3, save_every=1, keep_checkpoints=2)
    assert part.stopped and part.rows == full.rows[:3]
    assert sorted(p.name for p in checkpoints(tmp_path / "part")) == ["checkpoint-2", "checkpoint-3"]
    # step 3 ended one micro-batch into the second epoch: the resumed loop skips that one
    rest, lines = run_loop(tmp_path / "part", total=6, checkpoint=tmp_path / "part" / "checkpoint-3")
    assert lines[0] == f"stage=s resumed from {tmp_path / 'part' / 'checkpoint-3'} at step=3"
    assert rest.rows == full.rows[3:] and not rest.stopped


def test_start_refuses_a_checkpoint_that_does_not_fit(tmp_path):
    run_loop(tmp_path, total=2, save_every=2)
    train = TrainSection(mixed_precision="no")
    loop = TrainLoop(make_accelerator(train), train, LoopState(stage="s", total_steps=3), tmp_path, print)
    with pytest.raises(ValueError, match="checkpoint-2: 2 steps, not 3"):
        loop.start(tmp_path / "checkpoint-2", "stage=s",
                   lambda saved: f"{saved['total_steps']} steps, not 3" if saved["total_steps"] != 3 else None)
