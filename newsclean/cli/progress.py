"""What a person sees of a `parse` run on stderr: each rejection, the progress bar and the summary.

Decoration (rich's bar and table) only on a terminal (or with --progress); off one, plain lines.
rich is imported only when it draws something.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

import orjson

from ..core.record import Rejection
from ..run.outcome import Outcome, Tally
from .render import counted, rejection_line

if TYPE_CHECKING:  # the batch package loads only for batch runs
    from ..run.batch.documents import Stats

_REFRESH_SECONDS = 0.5


def _counts(tally: Tally) -> str:
    """The words the bar and the summary share."""
    duplicates = f", {tally.duplicates:,} duplicates left out" if tally.duplicates else ""
    return (
        f"{counted(tally.records, 'record')}"
        f" ({tally.warned:,} with warnings){duplicates}, "
        f"{counted(tally.rejected_total, 'input')} rejected"
    )


def summary_line(tally: Tally) -> str:
    by_code = ", ".join(f"{code} {count:,}" for code, count in sorted(tally.rejected.items()))
    return (
        f"newsclean: {counted(tally.inputs, 'input')}"
        + (f" ({tally.skipped:,} more unchanged, skipped)" if tally.skipped else "")
        + (f" ({tally.settling:,} settling, left for the next run)" if tally.settling else "")
        + f", {_counts(tally)}"
        + (f" ({by_code})" if by_code else "")
        + f", {tally.size / 1e6:,.1f} MB in {tally.elapsed:.2f} s"
    )


def summary_table(tally: Tally, title: str = "newsclean parse") -> Any:
    from rich.table import Table

    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    table.add_row("inputs", f"{tally.inputs:,}")
    if tally.skipped:
        table.add_row("unchanged, skipped", f"{tally.skipped:,}")
    if tally.settling:
        table.add_row("settling, left for the next run", f"{tally.settling:,}")
    table.add_row("records", f"{tally.records:,}")
    if tally.duplicates:
        table.add_row("duplicates left out", f"{tally.duplicates:,}")
    table.add_row("records with warnings", f"{tally.warned:,}")
    table.add_row("inputs rejected", f"{tally.rejected_total:,}")
    for code, count in sorted(tally.rejected.items()):
        table.add_row(f"[red]  rejected: {code}[/red]", f"{count:,}")
    for code, count in sorted(tally.warnings.items()):
        table.add_row(f"[yellow]warning: {code}[/yellow]", f"{count:,}")
    table.add_row("MB read", f"{tally.size / 1e6:,.1f}")
    table.add_row("elapsed", f"{tally.elapsed:.2f} s")
    return table


def _counted(tally: Tally) -> dict[str, Any]:
    return {
        "inputs": tally.inputs, "unchanged_skipped": tally.skipped, "settling": tally.settling,
        "records": tally.records, "records_with_warnings": tally.warned,
        "duplicates_skipped": tally.duplicates, "rejected": dict(sorted(tally.rejected.items())),
        "bytes": tally.size, "seconds": round(tally.elapsed, 3),
    }  # fmt: skip


def _json_line(event: str, fields: dict[str, Any]) -> str:
    return orjson.dumps({"event": event, **fields}).decode()


def _progress(tally: Tally, total: int | None, as_json: bool) -> str:
    """A progress line for a log: done of total, records, rejections, rate."""
    done = tally.inputs + tally.skipped + tally.settling
    rate = tally.inputs / max(tally.elapsed, 1e-9)
    if as_json:
        fields = {
            "done": done,
            "total": total,
            **_counted(tally),
            "inputs_per_second": round(rate, 1),
        }
        return _json_line("progress", fields)
    of = "" if total is None else f"/{total:,}"
    return (
        f"newsclean: {done:,}{of} inputs done, {counted(tally.records, 'record')}, "
        f"{tally.rejected_total:,} rejected, {rate:,.0f} inputs/s"
    )


class Reporter:
    """Rejections, progress and summary of a `parse` run, on stderr (a `run.parse.Progress`)."""

    def __init__(
        self, stderr: TextIO, terminal: bool, progress: bool, quiet: int,
        log_every: float = 0.0, log_json: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        """`quiet`: 1, no summary; 2, no line for each rejection either. Off a terminal (no bar),
        a progress line every `log_every` seconds (0: none); `log_json`: progress, rejection and
        summary lines as JSON objects, for monitoring. `clock`: for tests."""
        self.stderr, self.quiet = stderr, quiet
        self.log_every, self.log_json, self.clock = log_every, log_json, clock
        self.total: int | None = None
        self.logged = clock()
        self.nothing = "no input files: nothing to parse"  # said instead of a summary of none
        self.console: Any = None
        self.bar: _Bar | None = None
        if progress or (terminal and not quiet):
            from rich.console import Console

            # --progress off a terminal is asked for: draw the bar anyway.
            self.console = Console(file=stderr, force_terminal=progress or None, highlight=False)
        if progress:
            self.bar = _Bar(self.console)

    def start(self, count: Callable[[], int | None]) -> None:
        if self.bar is not None:
            self.bar.start(count())
        elif self.log_every:
            self.total = count()

    def add(self, outcome: Outcome, tally: Tally) -> None:
        if outcome.rejection is not None:
            self.rejected(outcome.rejection)
        if self.bar is not None:
            self.bar.show(tally)
        elif self.log_every and self.clock() - self.logged >= self.log_every:
            self.logged = self.clock()
            self._log(_progress(tally, self.total, self.log_json))

    def _log(self, line: str) -> None:
        self.stderr.write(line + "\n")
        self.stderr.flush()

    def rejected(self, rejection: Rejection) -> None:
        if self.quiet >= 2:
            return
        if self.log_json:
            fields = {"path": rejection.path, "code": rejection.code, "message": rejection.message}
            self._log(_json_line("rejected", fields))
            return
        line = rejection_line(rejection)
        if self.bar is not None:
            self.bar.progress.console.print(line, markup=False, highlight=False, style="red")
        else:
            self.stderr.write(line + "\n")
            self.stderr.flush()

    def finish(self, tally: Tally) -> None:
        if self.bar is not None:
            self.bar.show(tally, force=True)
            self.bar.stop()
        if self.quiet:
            return
        if not (tally.inputs or tally.skipped or tally.settling):
            self.stderr.write(f"newsclean: {self.nothing}\n")
        elif self.log_json:
            self._log(_json_line("summary", _counted(tally)))
        elif self.console is not None:
            self.console.print(summary_table(tally))
        else:
            self.stderr.write(summary_line(tally) + "\n")
            self.stderr.flush()

    def notice(self, text: str) -> None:
        """A line a person must see whatever -q says (a killed run's output lost)."""
        self.stderr.write(f"newsclean: {text}\n")
        self.stderr.flush()

    def stop(self) -> None:
        """End the bar without a summary (the run was interrupted)."""
        if self.bar is not None:
            self.bar.stop()


class _Bar:
    """A rich progress bar, redrawn at most every _REFRESH_SECONDS (no refresh thread)."""

    def __init__(self, console: Any) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        # On a narrow terminal, the rate goes first, then the counts, the bar and the label:
        # done/total and the time left stay to the last.
        width = console.width
        self.progress = Progress(
            *([TextColumn("[bold]parsing")] if width >= 50 else []),
            *([BarColumn(bar_width=40 if width >= 150 else 20)] if width >= 60 else []),
            TextColumn("[green]{task.fields[done]}"),
            *([TextColumn("{task.fields[rate]}")] if width >= 120 else []),
            TimeRemainingColumn(),
            *([TextColumn("{task.fields[counts]}")] if width >= 100 else []),
            console=console,
            auto_refresh=False,
            transient=False,
        )
        self.task: Any = None
        self.total = "?"  # inputs in all, as shown: unknown until `start`
        self.last = 0.0

    def start(self, total: int | None) -> None:
        self.progress.start()
        self.total = "?" if total is None else f"{total:,}"
        self.task = self.progress.add_task(
            "parse", total=total, rate="", counts="", done=f"0/{self.total}"
        )

    def show(self, tally: Tally, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < _REFRESH_SECONDS:
            return
        self.last = now
        seconds = max(tally.elapsed, 1e-9)
        rate = f"{tally.inputs / seconds:,.0f} files/s {tally.size / 1e6 / seconds:,.1f} MB/s"
        counts = _counts(tally)
        done = tally.inputs + tally.skipped
        self.progress.update(
            self.task, completed=done, rate=rate, counts=counts, done=f"{done:,}/{self.total}"
        )
        self.progress.refresh()

    def stop(self) -> None:
        self.progress.stop()


class ShardLog:
    """A batch's progress on stderr: a line every `every` seconds as its shards commit (the
    engines call it with each shard's stats), plain or JSON."""

    def __init__(
        self, stderr: TextIO, shards: int, every: float, as_json: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.stderr, self.shards, self.every, self.as_json = stderr, shards, every, as_json
        self.clock = clock
        self.started = self.logged = clock()
        self.done = self.inputs = self.records = self.rejected = 0

    def __call__(self, stats: Stats) -> None:
        self.done += 1
        self.inputs += stats.files
        self.records += stats.records
        self.rejected += stats.errors
        if self.every and self.clock() - self.logged >= self.every:
            self.logged = self.clock()
            self.stderr.write(self.line() + "\n")
            self.stderr.flush()

    def line(self) -> str:
        rate = self.inputs / max(self.clock() - self.started, 1e-9)
        if self.as_json:
            fields = {
                "shards_done": self.done, "shards": self.shards, "inputs": self.inputs,
                "records": self.records, "rejected": self.rejected,
                "inputs_per_second": round(rate, 1),
            }  # fmt: skip
            return _json_line("progress", fields)
        return (
            f"newsclean: {self.done:,}/{self.shards:,} shards done this run, "
            f"{counted(self.inputs, 'input')}, {counted(self.records, 'record')}, "
            f"{self.rejected:,} rejected, {rate:,.0f} inputs/s"
        )
