"""The command line: the typer app and its commands, one module per command group. Options in,
library calls, exit status out; no parsing logic lives here."""

from __future__ import annotations

from typing import Annotated

import typer

from . import batch, check, handler, parse, show, state

app = typer.Typer(
    name="newsclean",
    help="Turn raw news scraper dumps into exact, typed JSON Lines.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(show: bool) -> None:
    if show:
        from .. import __version__

        typer.echo(f"newsclean {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Turn raw news scraper dumps into exact, typed JSON Lines.

    Example: newsclean parse dump/ | jq -r .headline
    """


app.command()(parse.parse)
app.command()(check.check)
app.command()(show.show)
app.command()(show.schema)
app.add_typer(state.state_app, name="state")
app.add_typer(batch.batch_app, name="batch")


def main() -> None:
    handler.settles_on_exit = True
    app(prog_name="newsclean")
