"""The ``spacevista`` command: one entry point, one module per subcommand (``build``, ``demo``,
``export``, ``inspect``, ``ls``, ``stats``, ``synth``, ``eval`` with ``score`` and ``leaderboard``,
``ask``, ``train``, ``review``, ``annotate``).

Subcommand modules are imported only when invoked, so that ``spacevista ls`` does not pay for torch,
and a missing optional extra only breaks its own command. The top layer: it may import everything,
and nothing imports it.

Exit codes of the commands that send requests to a model server (``eval``, ``annotate``):

| code | meaning |
|---|---|
| 0 | every item was answered |
| 1 | the command failed (bad input, a refused overwrite, ...); click's usage errors exit 2 |
| 3 | partial run: it went to the end but some items failed; what was answered is saved, a rerun (``eval --resume``, ``annotate`` as it was) retries the rest |
| 4 | stopped early: the endpoint could not be reached (connection refused, unknown host, or failures in a row); nothing more was sent, what was answered is saved |
"""

from __future__ import annotations

import importlib

import click

PARTIAL = 3
UNREACHABLE = 4


class PartialRun(click.ClickException):
    """Some items failed; the message says how many and how to finish the run."""

    exit_code = PARTIAL


class Unreachable(click.ClickException):
    """The run stopped because its endpoint could not be reached; one line names URL and cause."""

    exit_code = UNREACHABLE


def request_options(f):
    """How requests go to a model server (``eval``, ``annotate``): --timeout, --max-retries,
    --trip-after, --rate-limit, --temperature."""
    options = [
        click.option("--timeout", default=120.0, show_default=True,
                     help="deadline of each request in seconds, connect to last byte"),
        click.option("--max-retries", default=8, show_default=True),
        click.option("--trip-after", default=3, show_default=True, type=click.IntRange(1),
                     help="stop after this many failures in a row to reach the server (a refused connection "
                          "before any reply stops it at once); exit code 4"),
        click.option("--rate-limit", default=0.0, show_default=True, help="requests per second, per model (0: none)"),
        click.option("--temperature", default=0.0, show_default=True),
    ]
    for option in reversed(options):
        f = option(f)
    return f


#: subcommand name -> "module:attribute" of a click command
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("spacevista.cli.demo:demo", "synthesise scenes at all scales, build QA, print engine accuracy"),
    "synth": ("spacevista.cli.synth:synth", "write procedural scenes with exact ground truth"),
    "inspect": ("spacevista.cli.inspect:inspect_cmd", "show the lifted scene graph of one scene"),
    "ls": ("spacevista.cli.ls:ls", "list registered tasks, readers, benchmarks, backends"),
    "build": ("spacevista.cli.build:build", "turn posed videos into a spatial QA dataset"),
    "export": ("spacevista.cli.export:export", "rewrite SFT/GRPO/bench exports, leaving out rejected items"),
    "stats": ("spacevista.cli.stats:stats", "tables and plots of a built dataset"),
    "audit": ("spacevista.cli.audit:audit", "blind text-only baselines per task against chance"),
    "eval": ("spacevista.cli.eval:eval_cmd", "run a model on a benchmark and score it"),
    "score": ("spacevista.cli.eval:score", "recompute metrics from saved predictions"),
    "leaderboard": ("spacevista.cli.eval:leaderboard", "compare several result files"),
    "ask": ("spacevista.cli.ask:ask", "answer a question about a video with a local model"),
    "train": ("spacevista.cli.train:train", "SFT and GRPO training recipes"),
    "review": ("spacevista.cli.review:review", "serve the QA review web page"),
    "review-report": ("spacevista.cli.review:review_report", "preference rates from review judgements"),
    "annotate": ("spacevista.cli.annotate:annotate", "LLM rationales and free-form answers with a consistency filter"),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        target, help_text = COMMANDS[name]
        module, attr = target.split(":")
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name and e.name.startswith("spacevista"):
                return _unavailable(name, help_text, f"not implemented in this build ({e.name})")
            return _unavailable(name, help_text, f"needs the optional dependency {e.name!r}; "
                                "install spacevista[all]")
        return getattr(mod, attr)


def _unavailable(name: str, help_text: str, why: str) -> click.Command:
    @click.command(name=name, help=f"{help_text} (unavailable: {why})",
                   context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def cmd(args: tuple[str, ...]) -> None:
        raise click.ClickException(f"'spacevista {name}' is unavailable: {why}")
    return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="spacevista")
def main() -> None:
    """SpaceVista: all-scale visual spatial reasoning, from millimetres to kilometres."""


