"""The `parse` run: inputs to workers to sinks, with every input accounted for.

This is the library API behind `newsclean parse`; the CLI only builds `ParseOptions` and calls
`run_parse`. Records go to stdout (or `-o`, atomically) in input order; each rejected input is
one entry in `--errors` and one event for `progress`; the exit status says how it went.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import orjson

from ..core.parse import NOT_A_DUMP_MESSAGE
from ..core.record import NOT_A_DUMP, Rejection
from ..exits import ExitStatus, NewscleanError, UsageError
from ..io.crashpoints import crash_point
from ..io.environment import Environment
from ..io.outputs import STDOUT, Collision, RunOutputs, Target, check_distinct, target, write_whole
from ..io.paths import STDIN
from .inputs import Candidate, input_count, input_paths, with_jobs, work_items
from .outcome import Outcome, Tally, exit_status
from .scheduler import FLUSH, Result, default_jobs, in_order
from .settings import ParseOptions
from .summary import summary
from .work import Settings

if TYPE_CHECKING:  # the state's modules (sqlite3 among them) load only for --state runs
    from ..io.state import State
    from .incremental import Tracker

__all__ = ["FLUSH", "ParseOptions", "Progress", "outcomes", "run_parse"]


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

    def notice(self, text: str) -> None:
        """Something a person must know that is no rejection (a killed run's output lost)."""


def outcomes(
    options: ParseOptions,
    env: Environment,
    state: State | None = None,
    tally: Tally | None = None,
    outputs: Iterable[str] = (),
) -> Generator[Result, None, None]:
    """The outcome of every input of `options`, in input order (and FLUSH marks). With a state,
    inputs it knows unchanged are left out (and counted in `tally`). An input that is one of
    the files `outputs` replaces is a UsageError (a `--files-from` list may name one)."""
    options.parsing.time_zone()  # a zone that is not there: said before anything is read
    listed = input_paths(options.inputs, env)
    if outputs:
        listed = not_outputs(listed, outputs)
    jobs, paths = with_jobs(options.jobs or default_jobs(), listed)
    candidates: Iterable[str | Rejection | Candidate] = paths
    if state is not None:
        from .incremental import unseen

        candidates = unseen(paths, state, options.incremental.force, tally or Tally())
    parsing, inputs = options.parsing, options.inputs
    work = work_items(candidates, env, parsing.max_bytes)
    settings = Settings(
        parsing, state is not None, inputs.settled_before_ns(), inputs.files.file_filter()
    )
    return _with_stdin_verdict(in_order(work, settings, jobs), parsing.max_bytes)


def not_outputs(
    paths: Iterable[str | Rejection], outputs: Iterable[str]
) -> Iterator[str | Rejection]:
    """`paths`, refusing one that names an output file (compared by name first: cheap)."""
    replaced = {os.path.basename(output): output for output in outputs}
    for path in paths:
        named = replaced.get(os.path.basename(path)) if isinstance(path, str) else None
        if isinstance(path, str) and named is not None and os.path.realpath(path) == named:
            raise UsageError(f"{path}: an input of the run is one of its outputs")
        yield path


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
    options.parsing.time_zone()
    options.inputs.files.file_filter()
    incremental = options.incremental
    if (incremental.force or incremental.dedupe) and incremental.state is None:
        raise UsageError("--force and --dedupe need --state FILE")
    if incremental.state == STDOUT:
        raise UsageError("--state needs a FILE: a state cannot be standard input or output")


@dataclass(frozen=True, slots=True)
class Targets:
    """Where a run's outputs go, resolved and checked before anything is read."""

    records: Target
    rejections: Target | None

    @classmethod
    def of(cls, options: ParseOptions, summary: Target | None) -> Targets:
        """The records' and rejections' targets, checked against each other, the summary's,
        the state and the inputs."""
        files = options.outputs
        records = target("-o", files.output) if files.output else target("stdout", STDOUT)
        rejections = target("--errors", files.errors) if files.errors else None
        named = [each for each in (records, rejections, summary) if each is not None]
        inputs = options.inputs
        check_distinct(named, options.incremental.state, inputs.paths, inputs.files.file_filter())
        return cls(records, rejections)


def run_parse(
    options: ParseOptions, env: Environment | None = None, progress: Progress | None = None
) -> ExitStatus:
    """Parse every input of `options`, write records and errors, and say how it went (also in
    `--summary-json`, however the run ends)."""
    env = env or Environment()
    # The summary's own target first: it says how the run went, however it goes from here.
    summary_json = options.outputs.summary_json
    summary_to = target("--summary-json", summary_json) if summary_json else None
    tally = Tally()
    outputs = RunOutputs(target("stdout", STDOUT), None, env.stdout)
    try:
        _check_options(options)
        targets = Targets.of(options, summary_to)
        outputs = RunOutputs(
            targets.records, targets.rejections, env.stdout, skip_empty=options.outputs.skip_empty
        )
        status = _run(options, env, progress, tally, outputs)
    except NewscleanError as error:
        if isinstance(error, Collision) and summary_to and summary_to.place() in error.places:
            raise  # the summary would overwrite what it collides with
        _summarise(summary_to, options, tally, outputs, error.status, str(error) or None, env)
        raise
    except KeyboardInterrupt:
        _summarise(summary_to, options, tally, outputs, ExitStatus.INTERRUPTED, "interrupted", env)
        raise
    _summarise(summary_to, options, tally, outputs, status, None, env)
    return status


def _summarise(
    to: Target | None, options: ParseOptions, tally: Tally, outputs: RunOutputs, status: int,
    error: str | None, env: Environment,
) -> None:  # fmt: skip
    if to is not None:
        data = summary(options, tally, status, error, outputs)
        write_whole(to, orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE), env.stdout)


def _run(
    options: ParseOptions, env: Environment, progress: Progress | None, tally: Tally,
    outputs: RunOutputs,
) -> ExitStatus:  # fmt: skip
    with ExitStack() as cleanup:
        if options.incremental.state:
            outputs.state = _open_state(options.incremental.state, cleanup)
        tracker = _tracker(outputs, options)
        cleanup.enter_context(outputs)
        if progress is not None:
            for note in outputs.notes:
                progress.notice(note)
            progress.start(lambda: input_count(options.inputs, env))
            cleanup.callback(progress.stop)
        # Closed on the way out, whatever happens: an early stop ends the workers at once.
        produced = outcomes(options, env, outputs.state, tally, outputs.files.values())
        results = cleanup.enter_context(closing(produced))
        for outcome in results:
            if outcome is FLUSH:
                outputs.flush(final=True)
                continue
            lines, duplicates = (outcome.lines, 0) if tracker is None else tracker.accept(outcome)
            tally.add(outcome, duplicates)  # parsed, whether or not its write succeeds
            outputs.write(lines)
            if outcome.rejection is not None:
                outputs.reject(orjson.dumps(outcome.rejection, option=orjson.OPT_APPEND_NEWLINE))
            crash_point("written", tally.inputs)
            if progress is not None:
                progress.add(outcome, tally)
            outputs.flush()
        if tracker is not None:
            tracker.record_deferred()
        outputs.commit(tally.counts())
        cleanup.pop_all()
    if progress is not None:
        progress.finish(tally)
    return exit_status(tally, options.strict)


def _open_state(path: str, cleanup: ExitStack) -> State:
    from ..io.state import State

    return cleanup.enter_context(State.open(path))


def _tracker(outputs: RunOutputs, options: ParseOptions) -> Tracker | None:
    if outputs.state is None:
        return None
    from .incremental import Tracker

    return Tracker(outputs.state, options.incremental.dedupe, outputs.rejections_deferred)
