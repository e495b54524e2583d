"""The command line: the typer app and its commands, one module per command group. Options in,
library calls, exit status out; no parsing logic lives here."""

from __future__ import annotations

import importlib
import os
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer

from . import batch, check, config, handler, parse, show, state
from .options import FROM_ENVIRONMENT
from .render import printable

app = typer.Typer(
    name="newsclean",
    help="Turn raw news scraper dumps into exact, typed JSON Lines.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Colour(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


def _colour(choice: Colour) -> Colour:
    """--color, through the variables rich reads (NO_COLOR, FORCE_COLOR): this process's
    consoles, whichever draws."""
    if choice is Colour.always:
        os.environ.pop("NO_COLOR", None)
        os.environ["FORCE_COLOR"] = "1"
    elif choice is Colour.never:
        os.environ.pop("FORCE_COLOR", None)
        os.environ["NO_COLOR"] = "1"
    return choice


def _version(show: bool) -> None:
    if show:
        from .. import __version__

        typer.echo(f"newsclean {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("-V", "--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    colour: Annotated[
        Colour,
        typer.Option(
            "--color",
            envvar="NEWSCLEAN_COLOR",
            callback=_colour,
            help="Colours in what people read: auto (on a terminal, unless NO_COLOR is set; "
            "FORCE_COLOR forces them), always or never.",
        ),
    ] = Colour.auto,
    config_file: Annotated[
        str | None,
        typer.Option(
            "--config",
            envvar="NEWSCLEAN_CONFIG",
            callback=config.load,
            help="A TOML file of defaults, a [table] per command (`[parse]`, `[batch.run]`); "
            "the environment and flags win over it.",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Turn raw news scraper dumps into exact, typed JSON Lines.

    Every option can also come from the environment (NEWSCLEAN_<OPTION>) and from a --config file.

    Example: newsclean parse dump/ | jq -r .headline
    """


app.command(context_settings=FROM_ENVIRONMENT)(parse.parse)
app.command(context_settings=FROM_ENVIRONMENT)(check.check)
app.command(context_settings=FROM_ENVIRONMENT)(show.show)
app.command(context_settings=FROM_ENVIRONMENT)(show.schema)
app.add_typer(state.state_app, name="state")
app.add_typer(batch.batch_app, name="batch")


def main() -> None:
    handler.settles_on_exit = True
    usage_error = _usage_error_type()
    try:
        status = app(prog_name="newsclean", standalone_mode=False)
    except usage_error as error:
        sys.exit(_said(error))
    sys.exit(status if isinstance(status, int) else 0)


def _usage_error_type() -> Any:
    """click's UsageError, of the click that typer runs on (typer 0.28 carries its own copy)."""
    return importlib.import_module(typer.BadParameter.__module__).UsageError


def _said(error: Any) -> int:
    """A bad option or argument: typer's panel on a terminal; off one (cron mail, a log), one
    plain line that names the command's help. Its exit status (2)."""
    if sys.stderr.isatty():
        from typer import rich_utils

        rich_utils.rich_format_error(error)
    elif message := error.format_message().strip():  # none: the help was shown (no arguments)
        command = error.ctx.command_path if error.ctx is not None else "newsclean"
        sys.stderr.write(f"newsclean: {printable(message)} (see: {command} -h)\n")
    return int(error.exit_code)
