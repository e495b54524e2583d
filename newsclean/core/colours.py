"""Xdebug's colours (`xdebug.cli_color=1` on a terminal, `=2` always): ANSI escapes around a
value's type, its length, its bytes and the `file:line:` before it. A dump printed with them is
read as if printed without: the escapes are taken out of the input first (its records' offsets
and sha256 are of the bytes without them).

Only from the line where Xdebug's own pattern first shows (`ESC[1mstring ESC[22m(`,
`ESC[1mfile ESC[22m:`) on: before it, an escape is part of the text, and stays. A file and a
stream of the same bytes lose the same escapes.
"""

from __future__ import annotations

import re

_SIGNATURE = re.compile(
    rb"\x1b\[1m(?:string|array|int|float|bool|object|enum|resource|class|null|NULL)\x1b\[22m"
    rb"|\x1b\[1m[^\x1b\r\n]{1,4096}\x1b\[22m:\x1b\[1m\d{1,9}\x1b\[22m:"
)
_SGR = re.compile(rb"\x1b\[[0-9;]{0,16}m")
_LONGEST_SGR = 20


def shows_colours(data: bytes) -> bool:
    return first_colour(data) is not None


def first_colour(data: bytes) -> int | None:
    """Where Xdebug's pattern first shows in `data`; None when it does not."""
    if b"\x1b" not in data:  # one byte: the quickest look
        return None
    found = _SIGNATURE.search(data)
    return None if found is None else found.start()


def without_colours(data: bytes) -> bytes:
    """`data` without Xdebug's colour escapes from the line where they first show; else `data`."""
    first = first_colour(data)
    if first is None:
        return data
    line_start = data.rfind(b"\n", 0, first) + 1
    return data[:line_start] + _SGR.sub(b"", data[line_start:])


class Decolourer:
    """`without_colours` for a stream that arrives in pieces: escapes are taken out from the first
    line that shows Xdebug's pattern on (a stream's earlier lines are gone by then). Until then,
    a line still arriving is held when it holds an escape (the pattern may be cut between two
    pieces); after, only an escape still arriving is held."""

    def __init__(self) -> None:
        self.colours = False
        self._held = b""

    def feed(self, chunk: bytes, final: bool) -> bytes:
        chunk, self._held = self._held + chunk, b""
        if b"\x1b" not in chunk:
            return chunk
        if not final:
            cut = self._cut(chunk)
            chunk, self._held = chunk[:cut], chunk[cut:]
        if self.colours:
            return _SGR.sub(b"", chunk)
        self.colours = shows_colours(chunk)
        return without_colours(chunk)

    def _cut(self, chunk: bytes) -> int:
        """Where the part of `chunk` that may not be decided yet begins."""
        last = chunk.rfind(b"\x1b")
        if self.colours:  # only an escape cut in two waits
            escape_whole = len(chunk) - last >= _LONGEST_SGR or _SGR.match(chunk, last)
            return len(chunk) if escape_whole else last
        line_start = chunk.rfind(b"\n") + 1
        if last < line_start or len(chunk) - line_start > _LONGEST_HELD:
            return len(chunk)
        return line_start


_LONGEST_HELD = 1 << 16  # a line held while waiting to see whether it shows colours
