"""`newsclean state show` and `state prune`: a state file for people (or, as JSON, programs)."""

from __future__ import annotations

import time
from typing import Any

from .env import Environment
from .exits import ExitStatus
from .report import present, printable
from .state import State


def _when(seconds: float | None) -> str:
    return "" if seconds is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def state_view(summary: dict[str, Any]):  # -> rich renderable
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    heading = Text(
        f"{printable(summary['state'])}: {summary['inputs']} inputs known, "
        f"{summary['articles_emitted']} articles noted for --dedupe",
        style="bold",
    )
    outcomes = Table(title="inputs by outcome", title_justify="left")
    outcomes.add_column("outcome")
    outcomes.add_column("inputs", justify="right")
    for outcome, count in summary["by_outcome"].items():
        outcomes.add_row(outcome, str(count))
    runs = Table(title="runs", title_justify="left")
    for column in (
        "run",
        "started",
        "seconds",
        "status",
        "parsed",
        "skipped",
        "records",
        "rejected",
    ):
        runs.add_column(
            column, justify="left" if column in ("started", "status") else "right", no_wrap=True
        )
    runs.add_column("output", overflow="fold")
    for run in summary["runs"]:
        seconds = "" if run["finished"] is None else f"{run['finished'] - run['started']:.1f}"
        runs.add_row(
            str(run["id"]), _when(run["started"]), seconds, run["status"], str(run["parsed"]),
            str(run["skipped"]), str(run["records"]), str(run["rejected"]),
            printable(run["output"] or "stdout"),
        )  # fmt: skip
    return Group(heading, outcomes, runs)


def run_state_show(path: str, as_json: bool, env: Environment | None = None) -> ExitStatus:
    env = env or Environment()
    with State.open(path, create=False) as state:
        summary = state.summary()
    present(summary, state_view, as_json, env)
    return ExitStatus.OK


def run_state_prune(path: str, env: Environment | None = None) -> ExitStatus:
    env = env or Environment()
    with State.open(path, create=False) as state:
        forgotten = state.prune()
    env.stderr.write(f"newsclean: {path}: forgot {forgotten} input(s) that no longer exist\n")
    return ExitStatus.OK
