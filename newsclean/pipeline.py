"""The `parse` run: inputs to workers to sinks, with every input accounted for.

This is the library API behind `newsclean parse`; the CLI only builds `ParseOptions` and calls
`run_parse`. Records go to stdout (or `-o`, atomically) in input order; each rejected input is
one line on stderr and one entry in `--errors`; the exit status says how it went.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from .env import Environment
from .exits import ExitStatus, UsageError
from .inputs import (
    DECOMPRESS_ERRORS,
    DEFAULT_MAX_BYTES,
    STDIN,
    StreamRejected,
    count_inputs,
    discover,
    paths_from,
    stream_dumps,
)
from .record import Rejection
from .report import Reporter, Tally
from .scheduler import (
    FILES_PER_BATCH,
    FLUSH,
    DumpBatch,
    FileBatch,
    Outcome,
    Settings,
    Work,
    default_jobs,
    run,
)
from .sinks import (
    AtomicFile,
    StreamSink,
    atomic_path,
    file_sink,
    open_sink,
    remove_stale_temps,
)

if TYPE_CHECKING:  # the state's modules (sqlite3 among them) load only for --state runs
    from .incremental import KnownPath, Tracker
    from .state import State

_DUMPS_PER_BATCH = 256


@dataclass(slots=True)
class ParseOptions:
    paths: list[str] = field(default_factory=list)
    files_from: str | None = None
    null_separated: bool = False
    output: str | None = None
    errors: str | None = None
    jobs: int = 0  # 0: one per CPU
    tz: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    strict: bool = False
    quiet: bool = False
    progress: bool | None = None  # None: on a terminal only
    shard: tuple[int, int] | None = None  # --shard K/N: the K-th of N slices of the inputs
    state: str | None = None  # --state FILE: incremental runs
    force: bool = False  # with a state: parse everything again
    dedupe: bool = False  # with a state: skip articles emitted before


def check_zone(name: str | None) -> None:
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--tz {name}: no such time zone") from None


def input_paths(options: ParseOptions, env: Environment) -> Iterator[str | Rejection]:
    """Every input, in order (with --shard K/N, the K-th of N contiguous slices of them)."""
    if options.shard is None:
        yield from _all_inputs(options, env)
        return
    shard, shards = options.shard
    inputs = list(_all_inputs(options, env))
    if STDIN in inputs:
        raise UsageError("--shard splits a list of inputs: standard input cannot be sharded")
    yield from inputs[len(inputs) * shard // shards : len(inputs) * (shard + 1) // shards]


def _all_inputs(options: ParseOptions, env: Environment) -> Iterator[str | Rejection]:
    """PATHs (folders walked), then the --files-from list (not walked: a folder there is
    `not_a_file`); `-` when neither is given."""
    if options.files_from is None and not options.paths:
        if env.stdin_isatty:
            raise UsageError("no input: give PATH..., --files-from LIST, or pipe dumps to stdin")
        yield STDIN
        return
    yield from discover(options.paths)
    if options.files_from == STDIN:
        yield from paths_from(env.stdin, options.null_separated)
    elif options.files_from is not None:
        try:
            listing = open(options.files_from, "rb")  # noqa: SIM115 (this generator holds it open)
        except OSError as error:
            raise UsageError(f"--files-from {options.files_from}: {error.strerror}") from None
        with listing:
            yield from paths_from(listing, options.null_separated)


def _stream_work(env: Environment, max_bytes: int) -> Iterator[Work]:
    """Dumps from stdin in batches, a FLUSH whenever the producer is slower than we are."""
    index = 0
    try:
        for dumps, idle in stream_dumps(env.stdin, max_bytes):
            for start in range(0, len(dumps), _DUMPS_PER_BATCH):
                chunk = dumps[start : start + _DUMPS_PER_BATCH]
                yield DumpBatch(
                    [(index + i, offset, data) for i, (offset, data) in enumerate(chunk)]
                )
                index += len(chunk)
            if idle:
                yield FLUSH
    except StreamRejected as rejected:
        yield Outcome(STDIN, rejection=rejected.rejection)
        return
    except DECOMPRESS_ERRORS as error:
        yield Outcome(STDIN, rejection=Rejection(STDIN, "decompress_error", str(error)))
        return
    if index == 0:
        yield Outcome(STDIN, rejection=Rejection(STDIN, "empty", "no dump on standard input"))


def work_items(
    paths: Iterable[str | Rejection | KnownPath], env: Environment, max_bytes: int
) -> Iterator[Work]:
    """Batches of files, stdin's dumps and ready rejections, in input order."""
    batch: list[str] = []
    known: list[str | None] = []
    for item in paths:
        if isinstance(item, Rejection) or item == STDIN:
            if batch:
                yield FileBatch(batch, known)
                batch, known = [], []
            if isinstance(item, Rejection):
                yield Outcome(item.path, rejection=item)
            else:
                yield from _stream_work(env, max_bytes)
            continue
        path, digest = (item, None) if isinstance(item, str) else item
        batch.append(path)
        known.append(digest)
        if len(batch) == FILES_PER_BATCH:
            yield FileBatch(batch, known)
            batch, known = [], []
    if batch:
        yield FileBatch(batch, known)


def _jobs_for(options: ParseOptions, paths: Iterator[str | Rejection]) -> tuple[int, Iterator]:
    """Workers to start: none for a single input, where a pool costs more than it saves."""
    jobs = options.jobs or default_jobs()
    first = list(itertools.islice(paths, 2))
    if len(first) < 2 and STDIN not in first:
        jobs = 1
    return jobs, itertools.chain(first, paths)


def exit_status(tally: Tally, strict: bool) -> ExitStatus:
    """0 when every input gave records, 1 when one was rejected (--strict: or warned)."""
    if tally.rejected or (strict and tally.warned):
        return ExitStatus.REJECTED
    return ExitStatus.OK


def _count_inputs(options: ParseOptions, env: Environment) -> int | None:
    """How many inputs there are, for the bar; None when a list on stdin cannot be read twice."""
    if options.files_from == STDIN or (not options.paths and options.files_from is None):
        return None
    if options.files_from is None and options.shard is None:
        return count_inputs(options.paths)
    return sum(1 for _ in input_paths(options, env))


def outcomes(
    options: ParseOptions, env: Environment, state: State | None = None, tally: Tally | None = None
) -> Iterator[Outcome | str]:
    """The outcome of every input of `options`, in input order (and FLUSH marks). With a state,
    inputs it knows unchanged are left out (and counted in `tally`)."""
    check_zone(options.tz)
    jobs, paths = _jobs_for(options, input_paths(options, env))
    if state is not None:
        from .incremental import unseen

        paths = unseen(paths, state, options.force, tally or Tally())
    work = work_items(paths, env, options.max_bytes)
    return run(work, Settings(options.tz, options.max_bytes, track=state is not None), jobs)


def reporter_for(options: ParseOptions, env: Environment) -> Reporter:
    """Progress and summary on stderr: decorated on a terminal (or with --progress), plain off one."""
    guess = bool(env.stderr_isatty) and not options.quiet
    show_bar = options.progress if options.progress is not None else guess
    reporter = Reporter(env.stderr, bool(env.stderr_isatty), show_bar, options.quiet)
    reporter.start(_count_inputs(options, env) if reporter.bar is not None else None)
    return reporter


def _check_options(options: ParseOptions) -> None:
    check_zone(options.tz)
    if (options.force or options.dedupe) and options.state is None:
        raise UsageError("--force and --dedupe need --state FILE")


def run_parse(options: ParseOptions, env: Environment | None = None) -> ExitStatus:
    """Parse every input of `options`, write records and errors, and say how it went."""
    env = env or Environment()
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
        sink = open_sink(options.output, env.stdout)
        cleanup.callback(sink.abort)
        errors = file_sink(options.errors) if options.errors else None
        if errors is not None:
            cleanup.callback(errors.abort)
        reporter = reporter_for(options, env)
        cleanup.callback(reporter.stop)
        for outcome in outcomes(options, env, state, reporter.tally):
            if outcome == FLUSH:
                sink.flush()
                if tracker is not None:
                    tracker.flushed(sink, final=True)
                continue
            sink.write(outcome.lines if tracker is None else tracker.accept(outcome))
            if outcome.rejection is not None and errors is not None:
                errors.write(orjson.dumps(outcome.rejection, option=orjson.OPT_APPEND_NEWLINE))
            reporter.add(outcome)
            if tracker is not None:
                tracker.flushed(sink)
        _commit(sink, errors, tracker, reporter.tally)
        cleanup.pop_all()
    reporter.finish()
    return exit_status(reporter.tally, options.strict)


def _open_state(path: str, cleanup: ExitStack) -> State:
    from .state import State

    state = cleanup.enter_context(State.open(path))
    state.recover()
    return state


def _tracker(state: State, options: ParseOptions, targets: list[str]) -> Tracker:
    from .incremental import Tracker

    return Tracker(state, options.dedupe, options.output, targets)


def _commit(
    sink: StreamSink | AtomicFile,
    errors: StreamSink | AtomicFile | None,
    tracker: Tracker | None,
    tally: Tally,
) -> None:
    """Put the outputs in place, and with a state record them with it, exactly once."""
    outputs = [sink] if errors is None else [sink, errors]
    for stream in outputs:
        if not isinstance(stream, AtomicFile):
            stream.commit()
    files = [file for file in outputs if isinstance(file, AtomicFile)]
    if tracker is not None:
        tracker.commit(files, tally)
        return
    for file in files:
        file.commit()
