"""`newsclean check`: the command, and its report drawn as a table."""

from __future__ import annotations

from typing import Annotated, Any

from .handler import run_command
from .options import (
    DEFAULT_MAX_BYTES,
    Excludes,
    FilesFrom,
    Follow,
    Globs,
    Hidden,
    Jobs,
    MaxBytes,
    Null,
    Paths,
    Strict,
    file_selection,
    json_option,
)
from .render import counted, print_report, printable


def check(
    paths: Paths = None,
    files_from: FilesFrom = None,
    null: Null = False,
    as_json: Annotated[
        bool, json_option("Print the report as JSON (for programs), not a table.")
    ] = False,
    globs: Globs = None,
    excludes: Excludes = None,
    follow: Follow = False,
    hidden: Hidden = False,
    jobs: Jobs = None,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
    strict: Strict = False,
) -> None:
    """Parse without writing records; report each warning and rejection code with examples.

    Examples:

      newsclean check dump/

      newsclean check dump/ --json | jq '.rejected'
    """
    from ..io.environment import Environment
    from ..run.check import run_check
    from ..run.settings import Inputs, ParseOptions, Parsing

    selection = file_selection(globs, excludes, follow, hidden)
    options = ParseOptions(
        Inputs(tuple(paths or ()), files_from, null, files=selection),
        Parsing(max_bytes=max_bytes),
        jobs=jobs or 0,
        strict=strict,
    )
    env = Environment()

    def go() -> int:
        checked = run_check(options, env)
        print_report(env, checked.report, None if as_json else report_table)
        return checked.status

    run_command(go)


def report_table(report: dict[str, Any]) -> Any:
    """The report as a rich table: one row per code, with its count and examples."""
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=f"{counted(report['inputs'], 'input')}, {counted(report['records'], 'record')}, "
        f"{report['records_with_warnings']:,} with warnings",
        title_justify="left",
        caption="FILE#K: the K-th article of FILE (newsclean show FILE --index K)",
        caption_justify="left",
    )
    table.add_column("kind", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("examples", overflow="fold", ratio=1)
    for key, kind, style in (("rejected", "rejected", "red"), ("warnings", "warning", "yellow")):
        for code, entry in report[key].items():
            examples = Text("\n".join(printable(path) for path in entry["examples"]))
            table.add_row(Text(kind, style), Text(code, style), f"{entry['count']:,}", examples)
    if not report["rejected"] and not report["warnings"]:
        table.add_row("", Text("all clean", "green"), "", "")
    return table
