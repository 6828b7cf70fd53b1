"""``spacevista train sft|grpo``: the training recipes from a YAML config with dotted overrides."""

from __future__ import annotations

import click


def _load(cls, config: str | None, overrides: tuple[str, ...]):
    from transformers.utils import logging as hf_logging

    from spacevista.train.config import load_config

    hf_logging.disable_progress_bar()  # one line per step is the progress report

    try:
        return load_config(cls, config, list(overrides))
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def train() -> None:
    """SFT (cold start, per-scale experts, router) and GRPO with progressive anchor rewards."""


@train.command("sft", context_settings={"ignore_unknown_options": True})
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False), required=True,
              help="YAML config (see configs/*-sft.yaml)")
@click.argument("overrides", nargs=-1)
def sft(config: str, overrides: tuple[str, ...]) -> None:
    """Supervised stages; OVERRIDES are key.sub=value, e.g. optim.lr=1e-4 stages=[sft] train.resume=auto."""
    from spacevista.train.config import SFTConfig
    from spacevista.train.sft import run_sft

    cfg = _load(SFTConfig, config, overrides)
    try:
        results = run_sft(cfg, log=lambda s: click.echo(s))
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    for r in results:
        click.echo(f"stage={r['stage']} done steps={r['steps']} samples/s={r['samples_per_second']:.2f} "
                   f"final={r.get('final', '-')}")


@train.command("grpo", context_settings={"ignore_unknown_options": True})
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False), required=True,
              help="YAML config (see configs/*-grpo.yaml)")
@click.argument("overrides", nargs=-1)
def grpo(config: str, overrides: tuple[str, ...]) -> None:
    """GRPO; OVERRIDES are key.sub=value, e.g. grpo.group_size=4 train.max_steps=10."""
    from spacevista.train.config import GRPOConfig
    from spacevista.train.grpo import run_grpo

    cfg = _load(GRPOConfig, config, overrides)
    try:
        r = run_grpo(cfg, log=lambda s: click.echo(s))
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"grpo done steps={r['steps']} samples/s={r['samples_per_second']:.2f} final={r.get('final', '-')}")
