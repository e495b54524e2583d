"""`newsclean show`: one article rendered for reading at a terminal.

Everything shown comes from the dump and is untrusted: it is passed to rich as plain `Text`
(never as markup, so `[bold red]` shows literally) after `printable` has escaped control
characters, so no escape sequence from an input reaches the terminal.
"""

from __future__ import annotations

from typing import Any

from .env import Environment
from .exits import ExitStatus, NewscleanError
from .inputs import read_input
from .parse import parse_input
from .record import Record, Rejection
from .report import present, printable


def _text(value: str | None, style: str = ""):  # -> rich Text
    from rich.text import Text

    return Text(printable(value or ""), style=style)


def article_view(record: Record) -> Any:
    """The article as a rich renderable: headline, times, body, related items, payload, warnings."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = [_text(record["headline"], "bold")]
    when = Text()
    when.append_text(_text(record["dateline"] or "no dateline", "cyan"))
    if record["published"]:
        when.append("  published ").append_text(_text(record["published"], "cyan"))
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
    parts.append(_text(f"{source['path']} #{source['index']} at byte {source['offset']}", "dim"))
    return Group(*parts)


def _payload_line(record: Record):  # -> rich Text
    from rich.text import Text

    payload = record["payload"]
    if payload is None:
        return Text("payload: none", style="yellow")
    declared = "" if payload["declared"] is None else f", declared {payload['declared']}"
    state = ("ok", "green") if payload["ok"] else ("LENGTH CHECK FAILED", "bold red")
    line = Text(f"payload: {payload['kind']}{declared}, found {payload['actual']}: ")
    return line.append(*state)


def pick(path: str, index: int, max_bytes: int) -> Record:
    """Record number `index` of the input at `path`; NewscleanError when there is none."""
    data = read_input(path, max_bytes)
    if isinstance(data, Rejection):
        raise NewscleanError(f"{printable(path)}: {data.code}: {data.message}", ExitStatus.REJECTED)
    parsed = parse_input(data, path)
    if parsed.rejection is not None:
        rejection = parsed.rejection
        raise NewscleanError(
            f"{printable(path)}: {rejection.code}: {rejection.message}", ExitStatus.REJECTED
        )
    if not -len(parsed.records) <= index < len(parsed.records):
        count = len(parsed.records)
        raise NewscleanError(f"{printable(path)} holds {count} article(s): no --index {index}")
    return parsed.records[index]


def run_show(
    path: str, index: int, as_json: bool, max_bytes: int, env: Environment | None = None
) -> ExitStatus:
    env = env or Environment()
    record = pick(path, index, max_bytes)
    present(record, article_view, as_json, env)
    return ExitStatus.OK
