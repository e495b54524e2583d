"""A parse run's outputs, owned in one place: where each goes, and how they are committed.

Targets (`target`). `-o`, `--errors` and `--summary-json` name where they go the same way: `-`
is standard output; a device, a FIFO or anything under /dev or /proc is written as it is, never
replaced; a regular file (or the file a symbolic link points to) is written under a temporary
name beside it and renamed into place when the run commits. Two outputs naming one place, or an
output naming the state or an input, are refused before anything is read (`check_distinct`).

The commit (`RunOutputs.commit`), in phases, each with a crash point:

    outputs-durable   every file flushed and fsynced under its temporary name
    state-committing  with --state: the state commits the run's input rows together with the
                      files it promises to publish (the promise)
    published         each file renamed into place, its folder fsynced (`sinks.publish`)
    state-done        the state marks the run done

Until the promise, an interrupt or an error takes everything back: temporary files removed, the
state's rows never committed. From the promise on, SIGINT and SIGTERM wait until the run is done
and nothing removes a promised file; a run killed there (SIGKILL, a power cut) is completed by the
next (`recover`), which publishes what is left. A promised file that is gone is said in one line,
and the inputs whose lines it held are forgotten, so that the next run takes them again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import orjson

from ..exits import OutputError, UsageError
from .crashpoints import crash_point
from .paths import STDIN, is_url
from .sinks import AtomicFile, StreamSink, publish, remove_stale_temps, temp_path_for

if TYPE_CHECKING:
    from .patterns import FileFilter
    from .state import State

STDOUT = "-"
_NEVER_REPLACED = ("/dev/", "/proc/")
_STDOUT_COMMIT_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Target:
    """Where one output goes: `option` names it in messages, `given` is as the user wrote it."""

    option: str  # "-o", "--errors", "--summary-json"
    given: str
    replaced: str | None  # the regular file replaced atomically; None: written as it is

    @property
    def is_stdout(self) -> bool:
        return self.given == STDOUT

    def place(self) -> str:
        """What it names, to compare with another target: the file, or the stream."""
        if self.is_stdout:
            return "standard output"
        return self.replaced or os.path.realpath(self.given)

    def shown(self) -> str:
        return "standard output" if self.is_stdout else self.given


def target(option: str, given: str) -> Target:
    """Resolve an output option's value (see the module's doc); UsageError when it cannot be
    written there."""
    if given == STDOUT:
        return Target(option, given, None)
    real = os.path.realpath(given)
    if os.path.abspath(given).startswith(_NEVER_REPLACED) or real.startswith(_NEVER_REPLACED):
        return Target(option, given, None)
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise UsageError(f"{option} {given}: {error.strerror}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"{option} {given}: is a folder")
    if mode is not None and not stat.S_ISREG(mode):
        return Target(option, given, None)  # a FIFO, a socket, a device: written into
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        raise UsageError(f"{option} {given}: the folder {folder} does not exist")
    return Target(option, given, real)


class Collision(UsageError):
    """Two outputs name one place (`places`: what they name)."""

    def __init__(self, message: str, places: set[str]) -> None:
        super().__init__(message)
        self.places = places


def check_distinct(
    targets: Sequence[Target],
    state: str | None = None,
    inputs: Sequence[str] = (),
    only: FileFilter | None = None,
) -> None:
    """Refuse (UsageError) two outputs naming one place, an output naming the state, and an
    output that an input names or a walk of an input folder would take."""
    seen: dict[str, Target] = {}
    for each in targets:
        place = each.place()
        if place in seen:
            first = seen[place]
            raise Collision(
                f"{first.option} and {each.option} both name {each.shown()}: each output needs"
                " its own",
                {place},
            )
        seen[place] = each
        if state is not None and place == os.path.realpath(state):
            raise Collision(f"{each.option} {each.given}: is the --state file", {place})
        if each.replaced is not None:
            _not_an_input(each, inputs, only)


def _not_an_input(output: Target, inputs: Sequence[str], only: FileFilter | None) -> None:
    written = output.replaced or ""
    for given in inputs:
        if given == STDIN or is_url(given):
            continue
        real = os.path.realpath(given)
        if written == real:
            raise UsageError(f"{output.option} {output.given}: is an input of the run")
        relative = os.path.relpath(written, real)
        below = os.path.isdir(real) and not relative.startswith(os.pardir + os.sep)
        hidden = any(part.startswith(".") for part in relative.split(os.sep))
        taken = only is None or only.takes(relative.replace(os.sep, "/"))
        if below and not hidden and taken:
            raise UsageError(
                f"{output.option} {output.given}: is in the input folder {given}, where this run"
                " and the next would read it as an input (write it elsewhere, or --exclude it)"
            )


def open_target(where: Target, stdout: BinaryIO) -> StreamSink:
    """The sink of a target: stdout, a stream opened as it is, or an atomic file."""
    if where.is_stdout:
        return StreamSink(stdout)
    if where.replaced is not None:
        return AtomicFile(where.replaced)
    try:
        stream = open(where.given, "wb")  # noqa: SIM115 (flushed by commit, closed at exit)
    except OSError as error:
        raise UsageError(f"{where.option} {where.given}: cannot write: {error.strerror}") from None
    return StreamSink(stream, f"to {where.given}", where.given)


def write_whole(where: Target, data: bytes, stdout: BinaryIO) -> None:
    """Write a small output (the summary) and commit it at once, as its target says."""
    sink = open_target(where, stdout)
    try:
        sink.write(data)
        sink.make_durable()
        sink.publish()
    finally:
        sink.abort()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is over, then act as they would have."""
    caught: list[int] = []
    try:
        previous = {
            number: signal.signal(number, lambda signum, _: caught.append(signum))
            for number in (signal.SIGINT, signal.SIGTERM)
        }
    except ValueError:  # not the main thread, where no signal arrives anyway
        yield
        return
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if caught:
            signal.raise_signal(caught[0])


# What a promised file holds, as the state records it: whose lines a lost one takes away.
RECORDS, REJECTIONS = "records", "rejections"


class RunOutputs:
    """The records and rejections of one run, from the first byte to the commit. A context
    manager: left before the promise, it takes everything back."""

    def __init__(
        self,
        records: Target,
        rejections: Target | None,
        stdout: BinaryIO,
        state: State | None = None,
        skip_empty: bool = False,
    ) -> None:
        self.targets = {RECORDS: records, REJECTIONS: rejections}
        self.skip_empty = skip_empty
        self.skipped: set[str] = set()  # files left out at the commit: nothing was written
        self.stdout, self.state = stdout, state
        self.sinks: dict[str, StreamSink] = {}
        self.notes: list[str] = []  # what recovering killed runs found, for a person
        self.promised = self.committed = False
        self.last_state_commit = time.monotonic()

    @property
    def files(self) -> dict[str, str]:
        """The regular files this run replaces, by what they hold."""
        return {
            holds: each.replaced
            for holds, each in self.targets.items()
            if each is not None and each.replaced is not None and holds not in self.skipped
        }

    @property
    def rejections_deferred(self) -> bool:
        """Whether a rejected input may be recorded in the state only at the commit: its line
        goes to a file that is not in place before then."""
        return REJECTIONS in self.files

    def __enter__(self) -> RunOutputs:
        for final in self.files.values():
            remove_stale_temps(final)
        if self.state is not None:
            self.notes = recover(self.state)
            # The run and the temporary files it will write are recorded before they exist,
            # so that whatever a kill leaves behind, the next run can find and remove.
            records = self.targets[RECORDS]
            shown = None if records is None or records.is_stdout else records.place()
            self.state.begin(shown, _promise(self.files, inodes=False))
        crash_point("run-begun")
        for holds, each in self.targets.items():
            if each is not None:
                self.sinks[holds] = open_target(each, self.stdout)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self.promised:  # nothing of this run counts: take it back
            for sink in self.sinks.values():
                sink.abort()

    def write(self, lines: bytes) -> None:
        self.sinks[RECORDS].write(lines)

    def reject(self, line: bytes) -> None:
        if REJECTIONS in self.sinks:
            self.sinks[REJECTIONS].write(line)

    def flush(self, final: bool = False) -> None:
        """Send out what is written to streams when `final` (a live stream's records must
        come out now) or when the state is due a commit: with records on a stream, the state
        commits the inputs whose lines are out, at most once a second."""
        streamed = self.state is not None and RECORDS not in self.files
        now = time.monotonic() if streamed else 0.0  # called after every outcome: cheap first
        due = streamed and now - self.last_state_commit >= _STDOUT_COMMIT_SECONDS
        if not (final or due):
            return
        for sink in self.sinks.values():
            if sink.replacing is None:
                sink.flush()
        if streamed:
            self.state.commit()  # type: ignore[union-attr]  # streamed: a state is there
            self.last_state_commit = now

    def commit(self, counts: dict[str, int]) -> None:
        """Put every output in place, with the state's rows (see the module's doc); with
        `skip_empty`, a file nothing was written to is taken back instead."""
        for holds in list(self.files) if self.skip_empty else []:
            if self.sinks[holds].written == 0:
                self.sinks.pop(holds).abort()
                self.skipped.add(holds)
        for sink in self.sinks.values():
            sink.make_durable()
        crash_point("outputs-durable")
        with _signals_held():
            if self.state is not None:
                self.state.committing(_promise(self.files, inodes=True), counts)
            self.promised = True
            crash_point("state-committing")
            for holds in self.files:
                self.sinks[holds].publish()
                crash_point("published")
            if self.state is not None:
                self.state.finish(counts)
                crash_point("state-done")
            self.committed = True


class Promised(NamedTuple):
    """A file a run writes, as the state records it: its temporary and final names, what it
    holds, and (once durable) the temporary file's identity, which the final file keeps when
    it is renamed."""

    temp: str
    final: str
    holds: str  # RECORDS, REJECTIONS, or "all" (recorded by an older newsclean)
    file: tuple[int, int] | None = None  # (st_dev, st_ino)

    def put_in_place(self) -> bool:
        """Publish the file if it is still under its temporary name; whether it is (or was
        already) in place."""
        try:
            publish(self.temp, self.final)
            return True
        except FileNotFoundError:
            pass
        except OSError as error:
            raise OutputError(f"cannot put {self.final} in place: {error.strerror}") from None
        try:
            status = os.stat(self.final)
        except FileNotFoundError:
            return False
        return self.file is None or (status.st_dev, status.st_ino) == self.file


def _promise(files: dict[str, str], inodes: bool) -> str:
    """The files a run writes, as JSON for the state (see `Promised`)."""
    promised = []
    for holds, final in files.items():
        temp = temp_path_for(final)
        entry: dict[str, object] = {"temp": temp, "final": final, "holds": holds}
        if inodes:
            status = os.stat(temp)
            entry["file"] = [status.st_dev, status.st_ino]
        promised.append(entry)
    return orjson.dumps(promised).decode()


def recover(state: State) -> list[str]:
    """Complete what killed runs left: a run killed after its promise has its files published;
    one killed before has its temporary files removed (its inputs were never committed, so this
    run parses them again). What was promised but is gone is said, one line a run, and the
    inputs whose lines it held are forgotten."""
    notes = []
    for run in state.unfinished():
        promised = _promised(run.outputs, state.path, run.id)
        if run.status == "running":
            for each in promised:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(each.temp)
            state.ended(run.id, "killed")
            continue
        lost = [each for each in promised if not each.put_in_place()]
        holds = {each.holds for each in lost}
        if lost:
            state.forget(run.id, bool(holds - {REJECTIONS}), bool(holds - {RECORDS}))
            names = ", ".join(each.final for each in lost)
            notes.append(
                f"--state {state.path}: run {run.id} was killed while committing, and {names}"
                " is gone: its inputs are parsed again"
            )
        state.ended(run.id, "lost" if lost else "done")
    return notes


def _promised(text: str | None, path: str, run: int) -> list[Promised]:
    """A run's files as recorded; older states recorded (temporary, final) pairs."""
    try:
        entries = orjson.loads(text or "[]")
        return [
            Promised(str(each[0]), str(each[1]), "all")
            if isinstance(each, list)
            else Promised(
                str(each["temp"]),
                str(each["final"]),
                str(each["holds"]),
                tuple(each["file"]) if each.get("file") else None,
            )
            for each in entries
        ]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        raise UsageError(
            f"--state {path}: damaged: the outputs of run {run} are unreadable"
        ) from None
