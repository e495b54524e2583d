"""Output sinks: a stream written as it is (stdout, a FIFO, a device), and files written
atomically. Which sink an option gets, and when it is committed, is `io.outputs`' business.

An `AtomicFile` writes to a temporary file beside its target (`.NAME.newsclean-PID.tmp`) and only
`make_durable` (flush, fsync) then `publish` (rename, fsync of the folder) put it in place, so an
interrupted run never leaves a partial file and never clobbers the previous one.

Every write loops until all its bytes are taken: an unbuffered stdout (`PYTHONUNBUFFERED=1`) may
take part of them, and a non-blocking one (a supervisor's pipe) none for a while.

A file whose name ends in `.gz`, `.bz2`, `.xz` or `.zst` is written compressed (zstd needs the
`zstandard` package: `pip install 'newsclean[zstd]'`), one ending in `.parquet` as Parquet
(`io/parquet.py`); any other name is plain JSONL.
"""

from __future__ import annotations

import bz2
import contextlib
import errno
import gzip
import lzma
import os
import re
import select
from typing import BinaryIO

from ..exits import ExitStatus, NewscleanError, OutputError, UsageError
from .environment import isatty, process_alive
from .parquet import ParquetStream, is_parquet

TEMP_SUFFIX = ".tmp"
TEMP_MARK = ".newsclean-"


class BrokenPipe(NewscleanError):
    """The reader of stdout went away: end quietly."""

    status = ExitStatus.BROKEN_PIPE


def _write_failure(where: str, error: OSError) -> NewscleanError:
    if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
        return BrokenPipe("")
    return OutputError(f"cannot write {where}: {error.strerror or error}")


def temp_path_for(path: str) -> str:
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{name}{TEMP_MARK}{os.getpid()}{TEMP_SUFFIX}")


# Characters a terminal acts on that JSON may hold raw in its strings (UTF-8 encoded): DEL, the
# C1 controls (0x9B is CSI), and the bidirectional and line-separator controls that reorder or
# hide what a person reads. On a terminal they are written as \uXXXX: the same JSON value.
_TERMINAL_UNSAFE = re.compile(
    rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
)


def _escaped(match: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(match[0].decode("utf-8"))


def _compressor(path: str, raw: BinaryIO) -> BinaryIO | None:
    """What compresses (or turns into Parquet) what is written to `raw`, by the name `path`
    ends in; None: plain."""
    name = path.lower()
    if is_parquet(name):
        return ParquetStream(raw)  # type: ignore[return-value]
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)  # type: ignore[return-value]
    if name.endswith(".bz2"):
        return bz2.BZ2File(raw, "wb")  # type: ignore[return-value]
    if name.endswith(".xz"):
        return lzma.LZMAFile(raw, "wb")  # type: ignore[return-value]
    if name.endswith(".zst"):
        try:
            import zstandard
        except ImportError:
            raise UsageError(
                f"{path}: writing zstd needs the zstandard package: pip install 'newsclean[zstd]'"
            ) from None
        return zstandard.ZstdCompressor().stream_writer(raw, closefd=False)
    return None


class StreamSink:
    """Bytes to an already open binary stream (stdout), or to a file named `path`, compressed
    when the name says so."""

    replacing: tuple[str, str] | None = None  # an atomic file's (temporary, final) paths

    def __init__(self, stream: BinaryIO, name: str = "to stdout", path: str | None = None) -> None:
        self.raw, self.name = stream, name
        compressor = _compressor(path, stream) if path is not None else None
        self.stream, self.compressed = compressor or stream, compressor is not None
        self.terminal = isatty(stream)
        self.written = 0  # bytes given to write (before compression)

    def write(self, data: bytes) -> None:
        self.written += len(data)
        if self.terminal:
            data = _TERMINAL_UNSAFE.sub(_escaped, data)
        try:
            _write_all(self.stream, data)
        except OSError as error:
            raise _write_failure(self.name, error) from None

    def flush(self) -> None:
        try:
            _flush_all(self.stream)
        except OSError as error:
            raise _write_failure(self.name, error) from None

    def make_durable(self) -> None:
        """Everything written is out of this process (for a file: on disk, not yet in place)."""
        self.finish_compressing()
        self.flush()

    def finish_compressing(self) -> None:
        """Write what the compressor holds and its end; the stream is left open."""
        if self.compressed:
            try:
                self.stream.close()
            except OSError as error:
                raise _write_failure(self.name, error) from None
            self.stream, self.compressed = self.raw, False

    def publish(self) -> None:
        """Put what was written in place: nothing to do on a stream."""

    def commit(self) -> None:
        self.make_durable()
        self.publish()

    def abort(self) -> None:
        """Nothing to take back: what reached a stream is gone."""


def write_report(stream: BinaryIO, data: bytes) -> None:
    """Write a command's whole output (a report, a record) to a stream, failing as sinks do."""
    sink = StreamSink(stream)
    sink.write(data)
    sink.commit()


def _write_all(stream: BinaryIO, data: bytes) -> None:
    """Write every byte of `data`: a raw stream may take part of them, a non-blocking one none
    until the reader has read (BlockingIOError, or None from a raw stream)."""
    view = memoryview(data)
    while view:
        try:
            taken = stream.write(view)
        except BlockingIOError as error:
            taken = error.characters_written
        if taken:
            view = view[taken:]
        else:
            _wait_writable(stream)


def _flush_all(stream: BinaryIO) -> None:
    while True:
        try:
            stream.flush()
            return
        except BlockingIOError:
            _wait_writable(stream)


def _wait_writable(stream: BinaryIO) -> None:
    select.select([], [stream.fileno()], [])


class AtomicFile(StreamSink):
    """A file that appears, complete, only when committed."""

    def __init__(self, path: str) -> None:
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise UsageError(f"{path}: the folder {folder} does not exist")
        if os.path.isdir(path):
            raise UsageError(f"{path}: is a folder")
        self.path, self.temp = path, temp_path_for(path)
        try:
            temporary = open(self.temp, "wb")  # noqa: SIM115 (closed by commit or abort)
        except OSError as error:
            raise UsageError(f"{path}: cannot write: {error.strerror or error}") from None
        try:
            super().__init__(temporary, f"to {path}", path)
        except UsageError:  # no compressor for the name: the file never appears
            temporary.close()
            os.unlink(self.temp)
            raise
        self.replacing = (self.temp, os.path.abspath(path))

    def make_durable(self) -> None:
        """Make the temporary file durable (flushed, fsynced, closed), not yet in place."""
        try:
            self.finish_compressing()
            make_durable(self.stream)
            self.stream.close()
        except OSError as error:
            self.abort()
            raise _write_failure(self.name, error) from None

    def publish(self) -> None:
        """Put the prepared file in place. On failure the temporary file stays: the state may
        have promised it, and only its owner (`io.outputs`) knows whether to take it back."""
        try:
            publish(self.temp, self.path)
        except OSError as error:
            raise _write_failure(self.name, error) from None

    def abort(self) -> None:
        """Take the file back: it never appears. Closing it flushes what is buffered, which on a
        full disk fails again; it is thrown away all the same."""
        for stream in (self.stream, self.raw):
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temp)


def remove_stale_temps(path: str) -> list[str]:
    """Delete temporary files that killed runs left beside `path`; those of live runs stay."""
    folder, name = os.path.split(os.path.abspath(path))
    prefix = f".{name}{TEMP_MARK}"
    removed = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            pid = entry.name[len(prefix) : -len(TEMP_SUFFIX)]
            ours = entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX)
            if ours and pid.isdigit() and not process_alive(int(pid)):
                os.unlink(entry.path)
                removed.append(entry.path)
    return removed


def publish(temp: str, final: str) -> None:
    """Rename a durable temporary file over `final`, then make the rename durable: the one
    publishing step of a run's commit and of a later run's recovery."""
    os.replace(temp, final)
    fsync_path(os.path.dirname(os.path.abspath(final)))


def make_durable(file: BinaryIO) -> None:
    """Flush an open file's bytes to the disk: the first step of every atomic write (the
    rename that follows, `publish`, puts it in place)."""
    file.flush()
    os.fsync(file.fileno())


def fsync_path(path: str) -> None:
    """Flush a file, or a folder's entries, to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
