"""`newsclean check`: parse without writing records, and report what was found.

The report counts every warning and rejection code, with a few example inputs for each; the CLI
prints it (as JSON, or drawn as a table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.record import REJECTION_CODES, WARNING_CODES
from ..exits import ExitStatus
from ..io.environment import Environment
from .outcome import Tally, exit_status
from .parse import FLUSH, outcomes
from .settings import ParseOptions


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


@dataclass(frozen=True, slots=True)
class Checked:
    """What a check found (`report`'s data), and the exit status it gives."""

    report: dict[str, Any]
    status: ExitStatus


def run_check(options: ParseOptions, env: Environment | None = None) -> Checked:
    """Parse every input and keep only the counts."""
    tally = Tally()
    for outcome in outcomes(options, env or Environment()):
        if outcome is not FLUSH:
            tally.add(outcome)
    return Checked(report(tally), exit_status(tally, options.strict))
