"""``spacevista train sft|grpo``: the training recipes from a YAML config with dotted overrides."""

from __future__ import annotations

from typing import Any, Callable

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def train() -> None:
    """SFT (cold start, per-scale experts, router) and GRPO with progressive anchor rewards."""


def recipe_command(name: str) -> Callable[[Callable[..., None]], click.Command]:
    """``train <name> --config FILE [--overwrite] [OVERRIDES...]``; the command receives ``config``,
    ``overwrite`` and ``overrides``."""

    def register(f: Callable[..., None]) -> click.Command:
        f = click.argument("overrides", nargs=-1)(f)
        f = click.option("--overwrite", is_flag=True,
                         help="replace the stage folders of an earlier run in output_dir (SFT: later stages "
                              "trained from the replaced weights are moved to output_dir/stale)")(f)
        f = click.option("--config", "config", type=click.Path(exists=True, dir_okay=False), required=True,
                         help=f"YAML config (see configs/*-{name}.yaml)")(f)
        return train.command(name, context_settings={"ignore_unknown_options": True})(f)

    return register


def run_recipe(cls: type, config: str, overrides: tuple[str, ...], recipe: Callable[..., Any],
               overwrite: bool = False) -> Any:
    """Load config ``cls`` from the file and overrides, run ``recipe(cfg, log=..., overwrite=...)`` printing
    its log lines; a bad config, a missing file or a refused overwrite is a clean error, not a traceback."""
    from transformers.utils import logging as hf_logging

    from spacevista.train.config import load_config

    hf_logging.disable_progress_bar()  # one line per step is the progress report
    try:
        return recipe(load_config(cls, config, list(overrides)), log=click.echo, overwrite=overwrite)
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None


@recipe_command("sft")
def sft(config: str, overwrite: bool, overrides: tuple[str, ...]) -> None:
    """Supervised stages; OVERRIDES are key.sub=value, e.g. optim.lr=1e-4 stages=[sft] train.resume=auto."""
    from spacevista.train.config import SFTConfig
    from spacevista.train.sft import run_sft

    for r in run_recipe(SFTConfig, config, overrides, run_sft, overwrite):
        click.echo(f"stage={r['stage']} done steps={r['steps']} samples/s={r['samples_per_second']:.2f} "
                   f"final={r.get('final', '-')}")


@recipe_command("grpo")
def grpo(config: str, overwrite: bool, overrides: tuple[str, ...]) -> None:
    """GRPO; OVERRIDES are key.sub=value, e.g. grpo.group_size=4 train.max_steps=10."""
    from spacevista.train.config import GRPOConfig
    from spacevista.train.grpo import run_grpo

    r = run_recipe(GRPOConfig, config, overrides, run_grpo, overwrite)
    click.echo(f"grpo done steps={r['steps']} samples/s={r['samples_per_second']:.2f} final={r.get('final', '-')}")
