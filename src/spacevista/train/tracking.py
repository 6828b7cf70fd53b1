"""Experiment tracking through accelerate's trackers: ``train.tracker`` is ``tensorboard`` (the
default), ``wandb`` or ``none``.

A stage logs into its own folder, ``<stage folder>/logs`` (``<output_dir>/sft/logs``,
``<output_dir>/grpo/logs``), so ``tensorboard --logdir <output_dir>`` shows every stage of a run
and a stage folder moved aside or replaced takes its curves with it. Each optimizer step logs what
the recipe reports (loss; GRPO: reward and its parts, KL, clipping, completion length) plus the
learning rate, tokens per second and, on a GPU, the peak memory; ``train.eval_every`` adds the
held-out scores under ``eval/``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

TRACKERS = ("tensorboard", "wandb", "none")
LOG_DIR = "logs"


def check_tracker(tracker: str) -> None:
    """Raise ``ValueError`` when ``tracker`` is unknown or its package is missing (accelerate would
    drop it with a warning, and the run would go untracked)."""
    if tracker not in TRACKERS:
        raise ValueError(f"train.tracker must be one of {list(TRACKERS)}, got {tracker!r}")
    if tracker == "tensorboard":
        try:
            import tensorboard  # noqa: F401  (accelerate writes through torch.utils.tensorboard, which needs it)
        except ImportError:
            raise ValueError("train.tracker=tensorboard needs the tensorboard package: "
                             "pip install 'spacevista[train]', or set train.tracker=none") from None
    if tracker == "wandb" and importlib.util.find_spec("wandb") is None:
        raise ValueError("train.tracker=wandb needs the wandb package (pip install wandb), "
                         "or set train.tracker=tensorboard")


def accelerator_options(tracker: str, stage_dir: Path | None) -> dict[str, Any]:
    """``Accelerator`` keyword arguments for ``tracker`` writing under ``stage_dir`` (none without one)."""
    if tracker == "none" or stage_dir is None:
        return {}
    from accelerate.utils import ProjectConfiguration

    check_tracker(tracker)
    return {"log_with": tracker,
            "project_config": ProjectConfiguration(project_dir=str(stage_dir), logging_dir=str(stage_dir))}


def start_tracking(accelerator, tracker: str, stage_dir: Path, config: dict[str, Any] | None = None) -> None:
    """Start the accelerator's trackers for one stage (TensorBoard: ``<stage_dir>/logs``; W&B: project
    ``spacevista``, run ``<output_dir name>/<stage>``, with the config)."""
    if tracker == "wandb":
        name = f"{stage_dir.parent.name}/{stage_dir.name}"
        accelerator.init_trackers("spacevista", config=config,
                                  init_kwargs={"wandb": {"name": name, "dir": str(stage_dir)}})
    else:
        # no hyperparameters: TensorBoard would write them to a timestamped folder of their own
        accelerator.init_trackers(LOG_DIR)


def stop_tracking(accelerator) -> None:
    """Flush and close the trackers (not ``end_training``: that also ends the process group, which
    the next SFT stage still needs)."""
    for t in accelerator.trackers:
        t.finish()
    accelerator.trackers = []


def gpu_memory_gb(device) -> dict[str, float]:
    """``{"gpu_mem_gb": peak allocated}`` on a CUDA device, else nothing."""
    import torch

    if getattr(device, "type", str(device)) != "cuda" or not torch.cuda.is_available():
        return {}
    return {"gpu_mem_gb": torch.cuda.max_memory_allocated(device) / 2 ** 30}
