"""`newsclean check`: parse without writing records, and report what was found.

The report counts every warning and rejection code, with a few example inputs for each. It goes
to stdout (it is the output): as JSON by default, or drawn by the `present` the CLI gives.
"""

from __future__ import annotations

from typing import Any

from ..core.record import REJECTION_CODES, WARNING_CODES
from ..exits import ExitStatus
from ..io.environment import Environment
from ..io.sinks import Present, deliver
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


def run_check(
    options: ParseOptions, env: Environment | None = None, present: Present | None = None
) -> ExitStatus:
    """Parse every input, keep only the counts, and report them (as JSON on stdout unless
    `present` draws them)."""
    env = env or Environment()
    tally = Tally()
    for outcome in outcomes(options, env):
        if outcome is not FLUSH:
            tally.add(outcome)
    found = report(tally)
    deliver(found, env.stdout, present)
    return exit_status(tally, options.strict)
