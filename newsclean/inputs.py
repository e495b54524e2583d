"""Input discovery and reading: paths to bytes, or to the reason there are none.

Directories are walked recursively in sorted order, hidden entries skipped and symlinked
directories not followed. Compressed inputs (gzip, bz2, xz) are recognised by their magic bytes,
whatever their name, and decompressed with a bound: more than `max_bytes` is `too_large`.
Standard input (`-`) is read as a stream of dumps, yielded as each one completes.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from .exits import UsageError
from .parse import SNIFF_BYTES, sniff
from .record import Rejection
from .splitter import lf_lines, next_dump, skip_blank

STDIN = "-"
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_STREAM_READ = 1 << 20
_BZ2_MAGIC = re.compile(rb"BZh[1-9]")
_OPENERS: tuple[tuple[Callable[[bytes], bool], Callable[..., BinaryIO]], ...] = (
    (lambda head: head.startswith(b"\x1f\x8b"), lambda stream: gzip.GzipFile(fileobj=stream)),
    (lambda head: _BZ2_MAGIC.match(head) is not None, bz2.BZ2File),
    (lambda head: head.startswith(b"\xfd7zXZ\x00"), lzma.LZMAFile),
)
# Non-blocking, so that opening a FIFO without a writer cannot hang the run.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_MAGIC_LEADS = (b"\x1f", b"B", b"\xfd")  # the first bytes of the magic numbers above
DECOMPRESS_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)


def shown_path(path: str) -> str:
    """A path as text that JSON can hold: undecodable bytes of a name become `\\xNN`."""
    if path.isascii():
        return path
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def _walk(folder: str) -> Iterator[str | Rejection]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except PermissionError as error:
        yield Rejection(shown_path(folder), "permission_denied", error.strerror or str(error))
        return
    except OSError as error:
        yield Rejection(shown_path(folder), "read_error", error.strerror or str(error))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path)
        elif entry.is_file():
            yield entry.path
        elif not entry.is_dir():  # symlinked folders are not followed, silently
            reason = "a FIFO, socket or device" if os.path.exists(entry.path) else "a broken link"
            yield Rejection(shown_path(entry.path), "not_a_file", f"{reason} in a folder")


def is_url(path: str) -> bool:
    """`s3://...`, `gs://...`, `memory://...`: read through fsspec."""
    if "://" not in path:  # most paths: no need to look closer
        return False
    scheme = path.partition("://")[0]
    return scheme.replace("+", "").isalnum()


def url_filesystem(url: str):  # -> (fsspec filesystem, path within it)
    """The fsspec filesystem of `url` (a local path too); UsageError when a package is missing."""
    try:
        import fsspec

        return fsspec.core.url_to_fs(url)
    except ImportError as error:
        raise UsageError(
            f"{url}: needs fsspec (pip install 'newsclean[batch]') ({error})"
        ) from None


def _walk_url(url: str) -> Iterator[str]:
    """Files under a URL in sorted order, hidden entries skipped, as URLs with their scheme."""
    fs, root = url_filesystem(url)
    if not fs.isdir(root):
        yield url
        return
    for path in sorted(fs.find(root)):
        if not any(part.startswith(".") for part in path[len(root) :].split("/")):
            yield fs.unstrip_protocol(path)


def discover(paths: Iterable[str]) -> Iterator[str | Rejection]:
    """Every input under `paths`, in order: file paths, `-`, or rejections of folders."""
    for path in paths:
        if is_url(path):
            yield from _walk_url(path)
        elif path != STDIN and os.path.isdir(path):
            yield from _walk(path)
        else:
            yield path


def count_inputs(paths: Iterable[str]) -> int:
    """How many inputs `discover` would give, counted without sorting or building paths."""
    total = 0
    for path in paths:
        if path != STDIN and not is_url(path) and os.path.isdir(path):
            total += _count_folder(path)
        else:
            total += 1
    return total


def _count_folder(folder: str) -> int:
    total = 0
    try:
        with os.scandir(folder) as listing:
            for entry in listing:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    total += _count_folder(entry.path)
                elif not (entry.is_symlink() and os.path.isdir(entry.path)):
                    total += 1
    except OSError:
        return total + 1  # reported as one rejection
    return total


def paths_from(listing: BinaryIO, nul: bool) -> Iterator[str]:
    """Paths from a `--files-from` list, one a line (or NUL-separated), read as they come."""
    separator = b"\0" if nul else b"\n"
    pending = b""
    while chunk := listing.read(_STREAM_READ):
        pending += chunk
        *complete, pending = pending.split(separator)
        yield from (os.fsdecode(_strip_cr(path, nul)) for path in complete if path)
    if pending:
        yield os.fsdecode(_strip_cr(pending, nul))


def _strip_cr(path: bytes, nul: bool) -> bytes:
    return path[:-1] if not nul and path.endswith(b"\r") else path


def _opener(head: bytes) -> Callable[..., BinaryIO] | None:
    """The decompressor for data that begins with `head`; None for data that is not compressed
    (most inputs, told by their first byte)."""
    if head[:1] not in _MAGIC_LEADS:
        return None
    return next((opener for is_format, opener in _OPENERS if is_format(head[:8])), None)


def _decompressed(raw: bytes, path: str, max_bytes: int) -> bytes | Rejection:
    if (opener := _opener(raw)) is None:
        return raw
    try:
        with opener(io.BytesIO(raw)) as stream:
            data = stream.read(max_bytes + 1)
    except DECOMPRESS_ERRORS as error:
        return Rejection(path, "decompress_error", str(error) or type(error).__name__)
    if len(data) > max_bytes:
        return Rejection(path, "too_large", f"decompresses to more than {max_bytes} bytes")
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


def _read_url(url: str, max_bytes: int) -> bytes | Rejection:
    try:
        fs, path = url_filesystem(url)
        if fs.isdir(path):
            return Rejection(url, "not_a_file", "a folder")
        with fs.open(path, "rb") as file:
            raw = file.read(max_bytes + 1)
    except FileNotFoundError:
        return Rejection(url, "not_found", "no such file")
    except PermissionError as error:
        return Rejection(url, "permission_denied", str(error) or "permission denied")
    except (OSError, UsageError) as error:
        return Rejection(url, "read_error", str(error))
    if len(raw) > max_bytes:
        return Rejection(url, "too_large", f"larger than {max_bytes} bytes")
    return _decompressed(raw, url, max_bytes)


def read_input(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | Rejection:
    """The bytes of one input file or URL (decompressed), or why it cannot be read."""
    if is_url(path):
        return _read_url(path, max_bytes)
    shown = shown_path(path)
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return Rejection(shown, "not_found", "no such file")
    except PermissionError as error:
        return Rejection(shown, "permission_denied", error.strerror or "permission denied")
    except OSError as error:
        return Rejection(shown, "read_error", error.strerror or str(error))
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            if stat.S_ISDIR(status.st_mode):
                return Rejection(shown, "not_a_file", "a folder")
            if not (stat.S_ISFIFO(status.st_mode) or stat.S_ISCHR(status.st_mode)):
                return Rejection(shown, "not_a_file", "not a regular file")
            os.set_blocking(descriptor, True)  # a pipe: wait for its writer's bytes
        raw = _read_bounded(descriptor, status, max_bytes)
    except OSError as error:
        return Rejection(shown, "read_error", error.strerror or str(error))
    finally:
        os.close(descriptor)
    if len(raw) > max_bytes:
        return Rejection(shown, "too_large", f"larger than {max_bytes} bytes")
    return _decompressed(raw, shown, max_bytes)


def _stream_reader(stream: BinaryIO) -> Callable[[], bytes]:
    """A function giving the next bytes available on `stream` (decompressed), b"" at its end."""
    head = stream.read1(_STREAM_READ)
    if (opener := _opener(head)) is not None:
        decompressed = opener(io.BufferedReader(_Prepended(head, stream)))
        return lambda: decompressed.read1(_STREAM_READ)
    pending = [head]
    return lambda: pending.pop() if pending else stream.read1(_STREAM_READ)


class _Prepended(io.RawIOBase):
    """`stream` with bytes already read from it put back in front."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
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
    stream: BinaryIO, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[tuple[list[tuple[int, bytes]], bool]]:
    """Dumps on a stream as (offset, bytes), in lists of those each read completed.

    Each list comes with whether the stream is idle (the read was short): a caller should then
    flush what it holds, so that records of a slow producer come out at once. A dump still open
    after `max_bytes` is cut there, so memory stays bounded. Raises StreamRejected when the
    stream begins with binary data, and the decompressor's error when a compressed stream is
    damaged.
    """
    read = _stream_reader(stream)
    raw = bytearray()  # what arrived and is not yet cut into dumps
    scan: bytearray | None = None  # the same as `lf_lines` makes it, once a CR or NUL is seen
    held_cr, base, at_end, sniffed, head = b"", 0, False, False, bytearray()
    while not at_end:
        chunk = read()
        at_end, idle = not chunk, len(chunk) < _STREAM_READ
        chunk, held_cr = held_cr + chunk, b""
        if chunk.endswith(b"\r") and not at_end:
            chunk, held_cr = chunk[:-1], b"\r"  # a CRLF may be split across reads
        if scan is None and (b"\r" in chunk or b"\0" in chunk):
            scan = bytearray(raw)
        raw += chunk
        if scan is not None:
            scan += lf_lines(chunk)
        if not sniffed:  # the stream's first bytes decide whether it is text, as a file's do
            head += chunk[: SNIFF_BYTES - len(head)]
            complete = len(head) == SNIFF_BYTES or at_end
            # Only whole: in a part of it, a NUL may begin a zero-filled gap or UTF-16 text alike.
            reason = sniff(bytes(head)) if complete else None
            if reason is not None and reason[0] == "not_text":
                raise StreamRejected(Rejection(STDIN, *reason))
            sniffed = complete
        lines = raw if scan is None else scan
        dumps, pos = [], 0
        while (span := next_dump(lines, pos, at_end or len(lines) - pos > max_bytes)) is not None:
            dumps.append((base + span.start, bytes(raw[span.start : span.end])))
            pos = span.end
        # Blank lines between dumps (a zero-filled gap is one) are dropped: they cannot pile up.
        pos = skip_blank(lines, pos)
        del raw[:pos]
        if scan is not None:
            del scan[:pos]
        base += pos
        yield dumps, idle
