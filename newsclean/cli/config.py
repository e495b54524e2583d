"""Defaults from a TOML file: `newsclean --config FILE ...`, or NEWSCLEAN_CONFIG.

A table per command, its keys the options' long names::

    [parse]
    state = "/srv/newsclean/state.db"
    min-age = "2m"
    glob = ["*.txt"]

    [batch.run]
    shards = 64

A flag given wins over the environment (NEWSCLEAN_<OPTION>), which wins over the file: the file
becomes click's `default_map`, which click reads last.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import typer

# click's objects, from the click that typer runs on (typer 0.28 carries its own copy): they are
# looked at by what they have, not by their classes.
Context: TypeAlias = Any
Command: TypeAlias = Any
Parameter: TypeAlias = Any


def load(ctx: Context, _: Parameter, path: str | None) -> str | None:
    """`--config`'s callback: the file's tables as the defaults of the commands below."""
    if not path:
        return path
    import tomllib  # only when a file is given

    try:
        with open(path, "rb") as file:
            tables = tomllib.load(file)
    except OSError as error:
        raise typer.BadParameter(f"{path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise typer.BadParameter(f"{path}: not TOML: {error}") from None
    ctx.default_map = _defaults(ctx, ctx.command, tables, path, "")
    return path


def _defaults(
    ctx: Context, command: Command, table: dict[str, Any], path: str, section: str
) -> dict[str, Any]:
    """`table` as click's default_map of `command`: option names become parameter names, and a
    subcommand's table its own map. Anything else is an error, said before anything runs."""
    where = f"{path} [{section}]" if section else path
    defaults: dict[str, Any] = {}
    for key, value in table.items():
        group = getattr(command, "get_command", None)
        if group is not None and (sub := group(ctx, key)) is not None:
            if not isinstance(value, dict):
                raise typer.BadParameter(f"{where}: {key} is a command: give it a [table]")
            defaults[key] = _defaults(ctx, sub, value, path, f"{section}.{key}".lstrip("."))
            continue
        name = _parameter(command, key)
        if name is None:
            raise typer.BadParameter(f"{where}: {key} is no option of this command")
        defaults[name] = value
    return defaults


def _parameter(command: Command, key: str) -> str | None:
    """The parameter whose option is `--key` (or whose name is `key`); None for none."""
    for parameter in command.params:
        if parameter.param_type_name != "option":
            continue
        if f"--{key}" in parameter.opts or parameter.name in (key, key.replace("-", "_")):
            return parameter.name
    return None
