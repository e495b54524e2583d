"""The `parse` run: inputs to workers to sinks, with every input accounted for.

This is the library API behind `newsclean parse`; the CLI only builds `ParseOptions` and calls
`run_parse`. Records go to stdout (or `-o`, atomically) in input order; each rejected input is
one entry in `--errors` and one event for `progress`; the exit status says how it went.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import ExitStack, closing
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from ..core.parse import NOT_A_DUMP_MESSAGE
from ..core.record import NOT_A_DUMP, Rejection
from ..exits import ExitStatus, NewscleanError, UsageError
from ..io.crashpoints import crash_point
from ..io.environment import Environment
from ..io.paths import STDIN
from ..io.sinks import StreamSink, atomic_path, file_sink, open_sink, remove_stale_temps
from .inputs import Candidate, ParseOptions, input_count, input_paths, with_jobs, work_items
from .outcome import Outcome, Tally, exit_status
from .scheduler import FLUSH, Result, default_jobs, run
from .summary import summary, write_summary
from .work import Settings

if TYPE_CHECKING:  # the state's modules (sqlite3 among them) load only for --state runs
    from ..io.state import State
    from .incremental import Tracker

__all__ = ["FLUSH", "ParseOptions", "Progress", "check_zone", "outcomes", "run_parse"]


class Progress(Protocol):
    """What a person is told while a run goes (the CLI's bar and summary implement it)."""

    def start(self, count: Callable[[], int | None]) -> None:
        """The run begins; `count()` gives the number of inputs, where that can be known."""

    def add(self, outcome: Outcome, tally: Tally) -> None:
        """One more outcome, already counted in `tally`."""

    def finish(self, tally: Tally) -> None:
        """The run is complete and its outputs are in place."""

    def stop(self) -> None:
        """The run ends without completing (an error or an interrupt)."""


def check_zone(name: str | None) -> None:
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--tz {name}: no such time zone") from None


def outcomes(
    options: ParseOptions, env: Environment, state: State | None = None, tally: Tally | None = None
) -> Generator[Result, None, None]:
    """The outcome of every input of `options`, in input order (and FLUSH marks). With a state,
    inputs it knows unchanged are left out (and counted in `tally`)."""
    check_zone(options.tz)
    jobs, paths = with_jobs(options.jobs or default_jobs(), input_paths(options, env))
    candidates: Iterable[str | Rejection | Candidate] = paths
    if state is not None:
        from .incremental import unseen

        candidates = unseen(paths, state, options.force, tally or Tally())
    work = work_items(candidates, env, options.max_bytes)
    settings = Settings(
        options.tz, options.max_bytes, state is not None, options.settled_before_ns()
    )
    return _with_stdin_verdict(run(work, settings, jobs), options.max_bytes)


def _with_stdin_verdict(results: Iterator[Result], max_bytes: int) -> Generator[Result, None, None]:
    """`results`, but standard input's records held until one of them looks like a dump's, so
    that a stream of text that holds none is `not_a_dump`, as the same bytes in a file are. What
    is held is let go past `max_bytes` (a file so large would be `too_large`)."""
    held: list[Outcome] = []
    decided = False  # standard input has shown a dump (or more than can be held)
    for result in results:
        if isinstance(result, Outcome) and result.path == STDIN:
            if result.rejection is not None:
                held = []  # the stream is rejected (binary data): what it held goes with it
            elif not decided:
                held.append(result)
                decided = result.dumplike or sum(outcome.size for outcome in held) > max_bytes
                if decided:
                    yield from held
                    held = []
                continue
        elif held and isinstance(result, Outcome):  # standard input ended without a dump
            yield Outcome(STDIN, rejection=Rejection(STDIN, NOT_A_DUMP, NOT_A_DUMP_MESSAGE))
            held = []
        yield result
    if held:
        yield Outcome(STDIN, rejection=Rejection(STDIN, NOT_A_DUMP, NOT_A_DUMP_MESSAGE))


def _check_options(options: ParseOptions) -> None:
    check_zone(options.tz)
    options.file_filter()
    if (options.force or options.dedupe) and options.state is None:
        raise UsageError("--force and --dedupe need --state FILE")


def run_parse(
    options: ParseOptions, env: Environment | None = None, progress: Progress | None = None
) -> ExitStatus:
    """Parse every input of `options`, write records and errors, and say how it went (also in
    `options.summary_json`, however the run ends)."""
    env = env or Environment()
    tally = Tally()
    if options.summary_json is None:
        return _run(options, env, progress, tally)
    if options.summary_json == "-":
        raise UsageError("--summary-json needs a FILE: stdout carries the records")
    folder = os.path.dirname(os.path.abspath(options.summary_json))
    if not os.path.isdir(folder):  # said before the run, not after it
        raise UsageError(
            f"--summary-json {options.summary_json}: the folder {folder} does not exist"
        )
    try:
        status = _run(options, env, progress, tally)
    except NewscleanError as error:
        write_summary(
            options.summary_json, summary(options, tally, error.status, str(error) or None)
        )
        raise
    except KeyboardInterrupt:
        write_summary(
            options.summary_json, summary(options, tally, ExitStatus.INTERRUPTED, "interrupted")
        )
        raise
    write_summary(options.summary_json, summary(options, tally, status, None))
    return status


def _run(
    options: ParseOptions, env: Environment, progress: Progress | None, tally: Tally
) -> ExitStatus:
    _check_options(options)
    with ExitStack() as cleanup:
        state = _open_state(options.state, cleanup) if options.state else None
        named = [path for path in (options.output, options.errors) if path not in (None, "-")]
        targets = [target for target in map(atomic_path, named) if target is not None]
        for target in targets:
            remove_stale_temps(target)
        # The run and the temporary files it will write are recorded before they exist, so
        # that whatever a kill leaves behind, the next run can find and remove.
        tracker = _tracker(state, options, targets) if state else None
        crash_point("run-begun")
        sink = open_sink(options.output, env.stdout)
        cleanup.callback(sink.abort)
        errors = file_sink(options.errors) if options.errors else None
        if errors is not None:
            cleanup.callback(errors.abort)
        if progress is not None:
            progress.start(lambda: input_count(options, env))
            cleanup.callback(progress.stop)
        # Closed on the way out, whatever happens: an early stop kills the workers at once.
        results = cleanup.enter_context(closing(outcomes(options, env, state, tally)))
        for outcome in results:
            if outcome is FLUSH:
                sink.flush()
                if tracker is not None:
                    tracker.flushed(sink, final=True)
                continue
            sink.write(outcome.lines if tracker is None else tracker.accept(outcome))
            if outcome.rejection is not None and errors is not None:
                errors.write(orjson.dumps(outcome.rejection, option=orjson.OPT_APPEND_NEWLINE))
            tally.add(outcome)
            crash_point("written", tally.inputs)
            if progress is not None:
                progress.add(outcome, tally)
            if tracker is not None:
                tracker.flushed(sink)
        _commit([sink] if errors is None else [sink, errors], tracker, tally)
        cleanup.pop_all()
    if progress is not None:
        progress.finish(tally)
    return exit_status(tally, options.strict)


def _open_state(path: str, cleanup: ExitStack) -> State:
    from ..io.state import State

    state = cleanup.enter_context(State.open(path))
    state.recover()
    return state


def _tracker(state: State, options: ParseOptions, targets: list[str]) -> Tracker:
    from .incremental import Tracker

    return Tracker(state, options.dedupe, options.output, targets)


def _commit(outputs: list[StreamSink], tracker: Tracker | None, tally: Tally) -> None:
    """Put the outputs in place and, with a state, record their inputs with them, so that every
    article is out exactly once whatever kills the run, at whatever step."""
    for output in outputs:
        output.make_durable()  # 1. flushed and fsynced, files still under temporary names
    crash_point("outputs-durable")
    files = [output.replacing for output in outputs if output.replacing is not None]
    if tracker is not None:
        tracker.committing(files, tally)  # 2. the state names them: a kill from here on is
        # completed by the next run (`State.recover`), which renames what is left
        crash_point("state-committing")
    for output in outputs:
        output.publish()  # 3. renamed into place
        crash_point("published")
    if tracker is not None:
        tracker.done(tally)  # 4. the run is done
