"""`newsclean check`: parse without writing records, and report what was found.

The report counts every warning and rejection code, with a few example inputs for each: a table
for people, or JSON (`--format json`) for programs. It goes to stdout: it is the output.
"""

from __future__ import annotations

from typing import Any

from .env import Environment
from .exits import ExitStatus
from .pipeline import FLUSH, ParseOptions, exit_status, outcomes
from .record import REJECTION_CODES, WARNING_CODES
from .report import Tally, present, printable


def report(tally: Tally) -> dict[str, Any]:
    """The check report as data: totals, and each code's count and example inputs."""

    def by_code(counts: dict[str, int], order: tuple[str, ...]) -> dict[str, Any]:
        return {
            code: {"count": counts[code], "examples": tally.examples.get(code, [])}
            for code in order
            if counts.get(code)
        }

    return {
        "inputs": tally.inputs,
        "records": tally.records,
        "records_with_warnings": tally.warned,
        "rejected": by_code(tally.rejected, REJECTION_CODES),
        "warnings": by_code(tally.warnings, WARNING_CODES),
        "seconds": round(tally.elapsed, 3),
    }


def report_table(found: dict[str, Any]):  # -> rich Table
    """The report as a rich table: one row per code, with its count and examples."""
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=f"{found['inputs']} inputs, {found['records']} records, "
        f"{found['records_with_warnings']} with warnings",
        title_justify="left",
    )
    table.add_column("kind", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("examples", overflow="fold", ratio=1)
    for key, kind, style in (("rejected", "rejected", "red"), ("warnings", "warning", "yellow")):
        for code, entry in found[key].items():
            examples = Text("\n".join(printable(path) for path in entry["examples"]))
            table.add_row(Text(kind, style), Text(code, style), str(entry["count"]), examples)
    if not found["rejected"] and not found["warnings"]:
        table.add_row("", Text("all clean", "green"), "", "")
    return table


def run_check(options: ParseOptions, as_json: bool, env: Environment | None = None) -> ExitStatus:
    """Parse every input, keep only the counts, and report them."""
    env = env or Environment()
    tally = Tally()
    for outcome in outcomes(options, env):
        if outcome != FLUSH:
            tally.add(outcome)
    present(report(tally), report_table, as_json, env)
    return exit_status(tally, options.strict)
