"""`newsclean state show` and `state prune`: a state file for people (or, as JSON, programs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from ..exits import ExitStatus
from .handler import run_command
from .options import FROM_ENVIRONMENT, json_option
from .render import print_report, printable

state_app = typer.Typer(help="Inspect and tidy a --state file.", no_args_is_help=True)


@state_app.command("show", context_settings=FROM_ENVIRONMENT)
def state_show(
    path: Annotated[str, typer.Argument(help="The state file.", show_default=False)],
    as_json: Annotated[bool, json_option("Print JSON instead of tables.")] = False,
) -> None:
    """Show what a state knows: inputs by outcome, and every run with its times and counts.

    Example: newsclean state show /var/lib/newsclean/state.db
    """
    from ..io.environment import Environment
    from ..run.state_commands import run_state_show

    def go() -> int:
        print_report(Environment(), run_state_show(path), None if as_json else state_view)
        return ExitStatus.OK

    run_command(go)


@state_app.command("prune", context_settings=FROM_ENVIRONMENT)
def state_prune(
    path: Annotated[str, typer.Argument(help="The state file.", show_default=False)],
) -> None:
    """Forget inputs that no longer exist.

    Example: newsclean state prune /var/lib/newsclean/state.db
    """
    from ..run.state_commands import run_state_prune

    def prune() -> int:
        forgotten = run_state_prune(path)
        typer.echo(
            f"newsclean: {printable(path)}: forgot {forgotten} input(s) that no longer exist",
            err=True,
        )
        return ExitStatus.OK

    run_command(prune)


def _when(iso: str | None) -> str:
    """A time the state gives (ISO 8601, UTC) in this machine's zone, to the second."""
    if iso is None:
        return ""
    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def state_view(summary: dict[str, Any]) -> Any:
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
        seconds = "" if run["seconds"] is None else f"{run['seconds']:.1f}"
        runs.add_row(
            str(run["id"]), _when(run["started"]), seconds, run["status"], str(run["parsed"]),
            str(run["skipped"]), str(run["records"]), str(run["rejected"]),
            printable(run["output"] or "stdout"),
        )  # fmt: skip
    return Group(heading, outcomes, runs)
