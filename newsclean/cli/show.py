"""`newsclean show` and `newsclean schema`: one article drawn for reading, and the record's schema.

Everything shown comes from the dump and is untrusted: it is passed to rich as plain `Text`
(never as markup, so `[bold red]` shows literally) after `printable` has escaped control
characters, so no escape sequence from an input reaches the terminal.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..exits import ExitStatus
from .handler import run_command
from .options import DEFAULT_MAX_BYTES, MaxBytes, json_option
from .render import print_report, printable

if TYPE_CHECKING:
    from ..core.record import Record
    from ..run.show import Shown


def show(
    path: Annotated[
        str, typer.Argument(help="A dump file; - for standard input.", show_default=False)
    ],
    index: Annotated[
        int,
        typer.Option("--index", "-k", help="Which article of the file: 0, 1, ... (-1: the last)."),
    ] = 0,
    as_json: Annotated[bool, json_option("Print the record as JSON instead.")] = False,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
) -> None:
    """Show one article for reading: text, related items, payload check and warnings.

    Examples:

      newsclean show dump/0001.txt

      newsclean show archive.txt --index 2 --json

      zcat dump.txt.gz | newsclean show - --index -1
    """
    from ..io.environment import Environment
    from ..run.show import run_show

    env = Environment()

    def go() -> int:
        shown = run_show(path, index, max_bytes, env.stdin)
        print_report(env, shown.record if as_json else shown, None if as_json else article_view)
        return ExitStatus.OK

    run_command(go)


def schema(
    arrow: Annotated[
        bool,
        typer.Option(
            "--arrow", help="Print the Arrow schema of `-o FILE.parquet` instead (needs pyarrow)."
        ),
    ] = False,
) -> None:
    """Print the JSON Schema (draft 2020-12) of the record contract, or its Arrow schema.

    Example: newsclean schema > record.schema.json
    """
    import orjson

    from ..core.record import json_schema
    from ..io.environment import Environment
    from ..io.parquet import arrow_schema
    from ..io.sinks import write_report

    def write() -> int:
        if arrow:
            text = arrow_schema().to_string(show_schema_metadata=False) + "\n"
            write_report(Environment().stdout, text.encode())
        else:
            schema_json = orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2) + b"\n"
            write_report(Environment().stdout, schema_json)
        return ExitStatus.OK

    run_command(write)


def _text(value: str | None, style: str = "") -> Any:
    from rich.text import Text

    return Text(printable(value or ""), style=style)


def article_view(shown: Shown) -> Any:
    """The article as a rich renderable: headline, times, body, related items, payload, warnings,
    and which article of the input it is (and how to see the others)."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    record = shown.record
    parts: list[Any] = [_text(record["headline"], "bold")]
    when = Text()
    when.append_text(_text(record["dateline"] or "no dateline", "cyan"))
    if record["published"]:
        when.append("  published ").append_text(_text(record["published"], "cyan"))
    if record["published_utc"]:
        when.append("  UTC ").append_text(_text(record["published_utc"], "cyan"))
    parts.append(when)
    parts += [Padding(_text(paragraph), (1, 0, 0, 0), expand=False) for paragraph in record["body"]]
    if record["related"]:
        table = Table(title="related", title_justify="left", expand=False)
        for column in ("id", "media", "title"):
            table.add_column(column, overflow="fold")
        for item in record["related"]:
            table.add_row(str(item["id"]), _text(item["media"] or "-"), _text(item["title"]))
        parts.append(Padding(table, (1, 0, 0, 0), expand=False))
    parts.append(Padding(_payload_line(record), (1, 0, 0, 0), expand=False))
    for code in record["warnings"]:
        parts.append(Text(f"warning: {code}", style="bold yellow"))
    source = record["source"]
    place = f"{source['path']}: article #{shown.index} of {shown.count}, at byte {source['offset']}"
    parts.append(_text(place, "dim"))
    if shown.count > 1:
        following = (shown.index + 1) % shown.count
        parts.append(
            _text(
                f"the others: newsclean show {shlex.quote(shown.path)} --index {following} (0 to {shown.count - 1})",
                "dim",
            )
        )
    return Group(*parts)


def _payload_line(record: Record) -> Any:
    from rich.text import Text

    payload = record["payload"]
    if payload is None:
        return Text("payload: none", style="yellow")
    declared = "" if payload["declared"] is None else f", declared {payload['declared']}"
    state = ("ok", "green") if payload["ok"] else ("LENGTH CHECK FAILED", "bold red")
    line = Text(f"payload: {payload['kind']}{declared}, found {payload['actual']}: ")
    return line.append(*state)
