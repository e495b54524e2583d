"""What a person sees: `parse`'s rejections, progress and summary on stderr, and rendering.

Text from inputs (paths, messages) is untrusted: control characters are escaped so that nothing
reaches a terminal as an escape sequence. Decoration (rich's bar and table) only on a terminal;
off one, plain lines. rich is imported only when it draws something.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import orjson

from .env import Environment
from .inputs import STDIN
from .record import Rejection
from .scheduler import Outcome

_REFRESH_SECONDS = 0.5
_EXAMPLES_PER_CODE = 3


def printable(text: str) -> str:
    """`text` with every control or format character shown as an escape (`\\x1b`)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def render(renderable: object, terminal: bool) -> bytes:
    """A rich renderable as bytes for stdout: styled on a terminal (at its width), plain off one."""
    import io
    import shutil

    from rich.console import Console

    width = shutil.get_terminal_size().columns if terminal else 120
    console = Console(file=io.StringIO(), force_terminal=terminal, width=width, highlight=False)
    console.print(renderable)
    text = console.file.getvalue()
    if not terminal:  # rich pads lines to the width; plain text needs no trailing blanks
        text = "".join(line.rstrip() + "\n" for line in text.splitlines())
    return text.encode("utf-8")


def present(data: Any, view: Callable[[Any], object], as_json: bool, env: Environment) -> None:
    """A command's output on stdout: `view(data)` drawn for people, or `data` as JSON."""
    from .sinks import write_report

    if as_json:
        shown = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    else:
        shown = render(view(data), bool(env.stdout_isatty))
    write_report(env.stdout, shown)


def rejection_line(rejection: Rejection) -> str:
    return (
        f"newsclean: {printable(rejection.path)}: {rejection.code}: {printable(rejection.message)}"
    )


@dataclass(slots=True)
class Tally:
    """Counts of a run: inputs, records, rejections and warnings by code, with examples."""

    inputs: int = 0
    skipped: int = 0  # known to --state, unchanged: not read
    records: int = 0
    warned: int = 0
    size: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    stdin_seen: bool = False

    def add(self, outcome: Outcome) -> None:
        if outcome.unchanged:
            self.skipped += 1
            return
        # Standard input is one input, whose dumps come in several outcomes.
        self.inputs += outcome.inputs if outcome.path != STDIN else not self.stdin_seen
        self.stdin_seen = self.stdin_seen or outcome.path == STDIN
        self.size += outcome.size
        if outcome.rejection is not None:
            self.rejected[outcome.rejection.code] += 1
            self._example(outcome.rejection.code, outcome.path)
            return
        self.records += outcome.records
        if outcome.warnings:
            self.warned += outcome.warned
            self.warnings.update(outcome.warnings)
            for code in outcome.warnings:
                self._example(code, outcome.path)

    def _example(self, code: str, path: str) -> None:
        examples = self.examples.setdefault(code, [])
        if len(examples) < _EXAMPLES_PER_CODE and path not in examples:
            examples.append(path)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def summary_line(self) -> str:
        rejected = sum(self.rejected.values())
        by_code = ", ".join(f"{code} {count}" for code, count in sorted(self.rejected.items()))
        return (
            f"newsclean: {self.inputs} inputs"
            + (f" ({self.skipped} more unchanged, skipped)" if self.skipped else "")
            + f", {self.records} records "
            f"({self.warned} with warnings), {rejected} rejected"
            + (f" ({by_code})" if by_code else "")
            + f", {self.size / 1e6:.1f} MB in {self.elapsed:.2f} s"
        )


def summary_table(tally: Tally, title: str = "newsclean parse"):
    from rich.table import Table

    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    table.add_row("inputs", str(tally.inputs))
    if tally.skipped:
        table.add_row("unchanged, skipped", str(tally.skipped))
    table.add_row("records", str(tally.records))
    table.add_row("records with warnings", str(tally.warned))
    for code, count in sorted(tally.rejected.items()):
        table.add_row(f"[red]rejected: {code}[/red]", str(count))
    for code, count in sorted(tally.warnings.items()):
        table.add_row(f"[yellow]warning: {code}[/yellow]", str(count))
    table.add_row("elapsed", f"{tally.elapsed:.2f} s")
    return table


class Reporter:
    """Rejections, progress and summary of a `parse` run, on stderr."""

    def __init__(self, stderr: TextIO, terminal: bool, progress: bool, quiet: bool) -> None:
        self.stderr, self.quiet = stderr, quiet
        self.tally = Tally()
        self.console = None
        self.bar = None
        if progress or (terminal and not quiet):
            from rich.console import Console

            # --progress off a terminal is asked for: draw the bar anyway.
            self.console = Console(file=stderr, force_terminal=progress or None, highlight=False)
        if progress:
            self.bar = _Bar(self.console)

    def start(self, total: int | None) -> None:
        if self.bar is not None:
            self.bar.start(total)

    def add(self, outcome: Outcome) -> None:
        self.tally.add(outcome)
        if outcome.rejection is not None:
            self.rejected(outcome.rejection)
        if self.bar is not None:
            self.bar.show(self.tally)

    def rejected(self, rejection: Rejection) -> None:
        line = rejection_line(rejection)
        if self.bar is not None:
            self.bar.progress.console.print(line, markup=False, highlight=False, style="red")
        else:
            self.stderr.write(line + "\n")
            self.stderr.flush()

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.show(self.tally, force=True)
            self.bar.stop()
        if self.quiet:
            return
        if self.console is not None:
            self.console.print(summary_table(self.tally))
        else:
            self.stderr.write(self.tally.summary_line() + "\n")
            self.stderr.flush()

    def stop(self) -> None:
        """End the bar without a summary (the run was interrupted)."""
        if self.bar is not None:
            self.bar.stop()


class _Bar:
    """A rich progress bar, redrawn at most every _REFRESH_SECONDS (no refresh thread)."""

    def __init__(self, console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]parsing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[counts]}"),
            console=console,
            auto_refresh=False,
            transient=False,
        )
        self.task = None
        self.last = 0.0

    def start(self, total: int | None) -> None:
        self.progress.start()
        self.task = self.progress.add_task("parse", total=total, rate="", counts="")

    def show(self, tally: Tally, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < _REFRESH_SECONDS:
            return
        self.last = now
        seconds = max(tally.elapsed, 1e-9)
        rate = f"{tally.inputs / seconds:,.0f} files/s {tally.size / 1e6 / seconds:,.1f} MB/s"
        counts = (
            f"[yellow]{sum(tally.warnings.values())} warnings[/yellow] "
            f"[red]{sum(tally.rejected.values())} rejected[/red]"
        )
        done = tally.inputs + tally.skipped
        self.progress.update(self.task, completed=done, rate=rate, counts=counts)
        self.progress.refresh()

    def stop(self) -> None:
        self.progress.stop()
