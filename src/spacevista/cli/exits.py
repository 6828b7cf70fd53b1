"""Exit codes of the commands that send requests to a model server (``eval``, ``annotate``).

| code | meaning |
|---|---|
| 0 | every item was answered |
| 1 | the command failed (bad input, a refused overwrite, ...); click's usage errors exit 2 |
| 3 | partial run: it went to the end but some items failed; what was answered is saved, a rerun (``eval --resume``, ``annotate`` as it was) retries the rest |
| 4 | stopped early: the endpoint could not be reached (connection refused, unknown host, or failures in a row); nothing more was sent, what was answered is saved |
"""

from __future__ import annotations

import click

OK = 0
PARTIAL = 3
UNREACHABLE = 4


class PartialRun(click.ClickException):
    """Some items failed; the message says how many and how to finish the run."""

    exit_code = PARTIAL


class Unreachable(click.ClickException):
    """The run stopped because its endpoint could not be reached; one line names URL and cause."""

    exit_code = UNREACHABLE
