"""The command line: the typer app and its commands, one module per command group. Options in,
library calls, exit status out; no parsing logic lives here."""

from __future__ import annotations

import importlib
import os
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
import typer.core
import typer.main
import typer.models

from . import config, handler
from .options import FROM_ENVIRONMENT
from .render import printable

# Each command's module and object: a function, or a Typer of subcommands. A run builds and
# imports only the command it runs (building all of them cost 24 ms a start); help lists all.
COMMANDS = {
    "parse": ("parse", "parse"),
    "check": ("check", "check"),
    "show": ("show", "show"),
    "schema": ("show", "schema"),
    "state": ("state", "state_app"),
    "batch": ("batch", "batch_app"),
}


class _Commands(typer.core.TyperGroup):
    """The top-level commands, each made when it is first asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, name: str) -> Any:
        if name not in self.commands and name in COMMANDS:
            self.commands[name] = command_named(name)
        return self.commands.get(name)


def command_named(name: str) -> Any:
    """The click command of `name` (in `COMMANDS`), built from its module."""
    module, attribute = COMMANDS[name]
    made = getattr(importlib.import_module(f"{__package__}.{module}"), attribute)
    if isinstance(made, typer.Typer):
        group = typer.main.get_group(made)
        group.name = name
        return group
    info = typer.models.CommandInfo(name=name, callback=made, context_settings=FROM_ENVIRONMENT)
    return typer.main.get_command_from_info(
        info, pretty_exceptions_short=True, rich_markup_mode="rich"
    )


app = typer.Typer(
    cls=_Commands,
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
            help="A TOML file of defaults, a \\[table] per command (\\[parse], \\[batch.run]); "
            "the environment and flags win over it.",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Turn raw news scraper dumps into exact, typed JSON Lines.

    Every option can also come from the environment (NEWSCLEAN_<OPTION>) and from a --config file.

    Example: newsclean parse dump/ | jq -r .headline
    """


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
    """A bad option or argument: one line naming it and the command's help, on a terminal as
    in cron mail or a log. Its exit status (2)."""
    if message := usage_message(error):  # none: the help was shown (no arguments)
        command = error.ctx.command_path if error.ctx is not None else "newsclean"
        sys.stderr.write(f"newsclean: {printable(message)} (see: {command} -h)\n")
    return int(error.exit_code)


def usage_message(error: Any) -> str:
    """`--max-bytes: '5x' is not a size like 64M`: a bad value names its option first."""
    param = getattr(error, "param", None)
    if param is None or not getattr(error, "message", ""):  # no value to blame: as click says it
        return str(error.format_message()).strip()
    if error.param_hint is not None:
        name = str(error.param_hint)
    elif param.param_type_name == "option":
        name = max(param.opts, key=len)
    else:
        name = param.human_readable_name
    return f"{name}: {error.message}"
