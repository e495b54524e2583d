"""Reading inputs: a file or URL to its bytes (decompressed, bounded), or to why there are none;
standard input to the dumps it holds, as each one completes.

Compressed inputs (gzip, bz2, xz; zstd with the zstandard package) are recognised by their magic bytes, whatever their name, and
decompressed with a bound: more than `max_bytes` is `too_large`.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import importlib.util
import io
import lzma
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

from ..core.record import (
    DECOMPRESS_ERROR,
    NOT_A_FILE,
    NOT_FOUND,
    PERMISSION_DENIED,
    READ_ERROR,
    TOO_LARGE,
    Rejection,
)
from ..core.splitter import StreamSplitter
from ..exits import UsageError
from .environment import wait_readable
from .paths import STDIN, is_url, shown_path, url_filesystem

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_STREAM_READ = 1 << 20
_BZ2_MAGIC = re.compile(rb"BZh[1-9]")
_OPENERS: tuple[tuple[Callable[[bytes], bool], Callable[[Any], io.BufferedIOBase]], ...] = (
    (lambda head: head.startswith(b"\x1f\x8b"), lambda stream: gzip.GzipFile(fileobj=stream)),
    (lambda head: _BZ2_MAGIC.match(head) is not None, bz2.BZ2File),
    (lambda head: head.startswith(b"\xfd7zXZ\x00"), lzma.LZMAFile),
)
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Non-blocking, so that opening a FIFO without a writer cannot hang the run.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_MAGIC_LEADS = (b"\x1f", b"B", b"\xfd", b"\x28")  # the first bytes of the magic numbers
DECOMPRESS_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)


def _opener(head: bytes) -> Callable[[Any], io.BufferedIOBase] | None:
    """The decompressor for data that begins with `head`; None for data that is not compressed
    (most inputs, told by their first byte). zstd needs the zstandard package: without it, the
    input is named as zstd data (`core.sniff`)."""
    if head[:1] not in _MAGIC_LEADS:
        return None
    if head.startswith(_ZSTD_MAGIC):
        return _zstd if importlib.util.find_spec("zstandard") is not None else None
    return next((opener for is_format, opener in _OPENERS if is_format(head[:8])), None)


def _zstd(stream: Any) -> io.BufferedIOBase:
    import zstandard  # optional: `pip install 'newsclean[zstd]'`

    reader = zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
    return io.BufferedReader(_ZstdStream(reader, zstandard.ZstdError))


class _ZstdStream(io.RawIOBase):
    """zstandard's reader, failing as the other decompressors do: with an OSError."""

    def __init__(self, reader: Any, error: type[Exception]) -> None:
        self.reader, self.error = reader, error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return int(self.reader.readinto(buffer))
        except self.error as error:
            raise OSError(f"zstd: {error}") from None


def decompressed(raw: bytes, path: str, max_bytes: int) -> bytes | Rejection:
    """`raw`, decompressed within `max_bytes` when its magic bytes say it is compressed."""
    if (opener := _opener(raw)) is None:
        return raw
    try:
        with opener(io.BytesIO(raw)) as stream:
            data = stream.read(max_bytes + 1)
    except DECOMPRESS_ERRORS as error:
        return Rejection(path, DECOMPRESS_ERROR, str(error) or type(error).__name__)
    if len(data) > max_bytes:
        return Rejection(path, TOO_LARGE, f"decompresses to more than {max_bytes} bytes")
    return data


def _read_bounded(descriptor: int, status: os.stat_result, max_bytes: int) -> bytes:
    """All of a file's bytes, or `max_bytes + 1` of them when it is larger."""
    if stat.S_ISREG(status.st_mode):
        wanted = min(status.st_size, max_bytes) + 1
        data = os.read(descriptor, wanted)
        if len(data) == wanted:  # larger than it said (it grows): read on, within the bound
            data += _read_rest(descriptor, max_bytes + 1 - len(data))
        return data
    return _read_rest(descriptor, max_bytes + 1)


def _read_rest(descriptor: int, limit: int) -> bytes:
    chunks, total = [], 0
    while total < limit and (chunk := os.read(descriptor, min(_STREAM_READ, limit - total))):
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _read_url(url: str, max_bytes: int, options: dict[str, Any] | None) -> bytes | Rejection:
    try:
        fs, path = url_filesystem(url, options)
        if fs.isdir(path):
            return Rejection(url, NOT_A_FILE, "a folder")
        with fs.open(path, "rb") as file:
            raw = file.read(max_bytes + 1)
    except FileNotFoundError:
        return Rejection(url, NOT_FOUND, "no such file")
    except PermissionError as error:
        return Rejection(url, PERMISSION_DENIED, str(error) or "permission denied")
    except (OSError, UsageError) as error:
        return Rejection(url, READ_ERROR, str(error))
    return _sized(raw, url, max_bytes)


# Of URLs a listing found: how many are read at once, and how many bytes (their listed sizes).
_IN_FLIGHT_FILES = 64
_IN_FLIGHT_BYTES = 64 << 20


def read_listed(
    inputs: Iterable[tuple[str, int]], max_bytes: int, options: dict[str, Any] | None = None
) -> Iterator[tuple[str, bytes | Rejection | None]]:
    """Each input a listing found (its path and size), in order, with its bytes (or why it
    gives none): a URL's with one request, many at once (fsspec's `cat_ranges`: concurrent on
    object stores), no more than _IN_FLIGHT_BYTES of them; one larger than `max_bytes` unread.
    None where the caller is to read it itself: a local path, a size the listing did not know
    (or 0), or a request that failed (then read again, with its retries)."""
    batch: list[tuple[str, int]] = []
    in_flight = 0
    for path, size in inputs:
        fetched = is_url(path) and 0 < size <= max_bytes  # an empty one: S3 refuses its range
        if batch and (not fetched or _scheme(path) != _scheme(batch[0][0])):
            yield from _fetched(batch, max_bytes, options)
            batch, in_flight = [], 0
        if not fetched:
            too_large = is_url(path) and size > max_bytes
            yield (
                path,
                Rejection(path, TOO_LARGE, f"larger than {max_bytes} bytes") if too_large else None,
            )
            continue
        batch.append((path, size))
        in_flight += size
        if len(batch) == _IN_FLIGHT_FILES or in_flight >= _IN_FLIGHT_BYTES:
            yield from _fetched(batch, max_bytes, options)
            batch, in_flight = [], 0
    yield from _fetched(batch, max_bytes, options)


def _scheme(url: str) -> str:
    return url.partition("://")[0]


def _fetched(
    batch: list[tuple[str, int]], max_bytes: int, options: dict[str, Any] | None
) -> Iterator[tuple[str, bytes | Rejection | None]]:
    if not batch:
        return
    try:
        fs, _ = url_filesystem(batch[0][0], options)
        # A range (s3fs sends a HEAD before a plain GET), one byte past the bound: an input
        # grown past it since it was listed is too large, and is never read whole.
        paths = [url_filesystem(url, options)[1] for url, _ in batch]
        contents = fs.cat_ranges(paths, 0, max_bytes + 1)
    except (OSError, UsageError, ValueError):  # each is read again, alone
        contents = [None] * len(batch)
    for (url, _), content in zip(batch, contents, strict=True):
        if isinstance(content, bytes):
            yield url, _sized(content, url, max_bytes)
        elif isinstance(content, FileNotFoundError):
            yield url, Rejection(url, NOT_FOUND, "no such file")
        else:
            yield url, None


def _sized(raw: bytes, url: str, max_bytes: int) -> bytes | Rejection:
    if len(raw) > max_bytes:  # grown since it was listed
        return Rejection(url, TOO_LARGE, f"larger than {max_bytes} bytes")
    return decompressed(raw, url, max_bytes)


def read_input(
    path: str, max_bytes: int = DEFAULT_MAX_BYTES, options: dict[str, Any] | None = None
) -> bytes | Rejection:
    """The bytes of one input file or URL (decompressed), or why it cannot be read; `options`
    go to the fsspec driver of a URL."""
    if is_url(path):
        return _read_url(path, max_bytes, options)
    shown = shown_path(path)
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return Rejection(shown, NOT_FOUND, "no such file")
    except PermissionError as error:
        return Rejection(shown, PERMISSION_DENIED, error.strerror or "permission denied")
    except OSError as error:
        if error.errno == errno.ENXIO:  # a socket (or a device without its driver)
            return Rejection(shown, NOT_A_FILE, "a socket or device that cannot be read")
        return Rejection(shown, READ_ERROR, error.strerror or str(error))
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            if stat.S_ISDIR(status.st_mode):
                return Rejection(shown, NOT_A_FILE, "a folder")
            if not (stat.S_ISFIFO(status.st_mode) or stat.S_ISCHR(status.st_mode)):
                return Rejection(shown, NOT_A_FILE, "not a regular file")
            os.set_blocking(descriptor, True)  # a pipe: wait for its writer's bytes
        raw = _read_bounded(descriptor, status, max_bytes)
    except OSError as error:
        return Rejection(shown, READ_ERROR, error.strerror or str(error))
    finally:
        os.close(descriptor)
    if len(raw) > max_bytes:
        return Rejection(shown, TOO_LARGE, f"larger than {max_bytes} bytes")
    return decompressed(raw, shown, max_bytes)


def read_whole_stream(stream: BinaryIO | io.BufferedIOBase, max_bytes: int) -> bytes | Rejection:
    """All of standard input as one input (`show -`), decompressed, or why it cannot be read."""
    try:
        raw = stream.read(max_bytes + 1) or b""
    except OSError as error:
        return Rejection(STDIN, READ_ERROR, error.strerror or str(error))
    if len(raw) > max_bytes:
        return Rejection(STDIN, TOO_LARGE, f"larger than {max_bytes} bytes")
    return decompressed(raw, STDIN, max_bytes)


def _stream_reader(stream: io.BufferedIOBase) -> Callable[[], bytes]:
    """A function giving the next bytes available on `stream` (decompressed), b"" at its end."""
    wait_readable(stream)
    head = stream.read1(_STREAM_READ)
    if (opener := _opener(head)) is not None:
        decompressed = opener(io.BufferedReader(_Prepended(head, stream)))
        return lambda: decompressed.read1(_STREAM_READ)
    pending = [head]
    return lambda: (
        pending.pop() if pending else wait_readable(stream) and stream.read1(_STREAM_READ)
    )


class _Prepended(io.RawIOBase):
    """`stream` with bytes already read from it put back in front."""

    def __init__(self, head: bytes, stream: io.BufferedIOBase) -> None:
        self.head, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.head[: len(buffer)] if self.head else self.stream.read1(len(buffer))
        self.head = self.head[len(data) :]
        buffer[: len(data)] = data
        return len(data)


class StreamRejected(Exception):
    """Standard input holds no dumps at all (binary data)."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.message)
        self.rejection = rejection


def stream_dumps(
    stream: io.BufferedIOBase, max_bytes: int = DEFAULT_MAX_BYTES, live: bool = True
) -> Iterator[tuple[list[tuple[int, bytes]], bool]]:
    """Dumps on a stream as (offset, bytes), in lists of those each read completed.

    Each list comes with whether the stream is paused (the read was short): a caller should then
    flush what it holds, so that records of a slow producer come out at once. On a `live`
    stream a pause also settles a dump whose complete payload waits only to see what
    follows it (a new dump, body text, or the newline most dumps lack: see `next_dump`), so a
    slow producer's record comes out at once; a producer that paused in the middle of a line
    right after a complete value (`NULL` of `NULL pointers`) would see it taken for a payload.
    Without `live`, the split is exactly a file's, however the bytes arrive. Raises
    StreamRejected when the stream begins with binary data, and the decompressor's error when a
    compressed stream is damaged.
    """
    read = _stream_reader(stream)
    splitter = StreamSplitter(max_bytes)
    final = False
    while not final:
        chunk = read()
        final, paused = not chunk, len(chunk) < _STREAM_READ
        dumps = splitter.feed(chunk, final, paused=live and paused)
        if splitter.rejected is not None:
            raise StreamRejected(Rejection(STDIN, *splitter.rejected))
        yield dumps, paused
