"""Lines in a buffer of bytes: where they start and end, and the blank runs between them.

Every grammar in `core` reads a buffer whose line ends are LF or CRLF (`lf_lines` makes bare
CRs LF first, keeping every offset). A stream's buffer grows in place; a file's is bytes.
"""

from __future__ import annotations

import re

Buffer = bytes | bytearray

_LINE_END = re.compile(rb"[ \t]*(?:\r?\n|\r|\Z)")
_BLANK_LINES = re.compile(rb"(?:[ \t]*\r?\n)*")
_BLANKS = re.compile(rb"[ \t\r\n]*")
_BARE_CR = re.compile(rb"\r(?!\n)")


def lf_lines(data: bytes) -> bytes:
    """`data` with bare CR line ends made LF, and NUL bytes too (the zero-filled tail a crash
    leaves becomes blank lines, and a string cut by it ends there): same length, same offsets.
    A NUL inside a PHP string counts as its byte all the same (`parse` reads it from the data)."""
    if b"\0" in data:
        data = data.replace(b"\0", b"\n")
    return _BARE_CR.sub(b"\n", data) if b"\r" in data else data


def line_start(buf: Buffer, pos: int) -> int:
    """Where the line holding `pos` begins."""
    return buf.rfind(b"\n", 0, pos) + 1


def line_end(buf: Buffer, pos: int) -> int:
    """The offset after the line end (CRLF, LF or CR) that follows pos, allowing trailing blanks."""
    match = _LINE_END.match(buf, pos)
    return pos if match is None else match.end()


def is_blank(line: Buffer) -> bool:
    return not line.strip()


def skip_blank_lines(buf: Buffer, pos: int) -> int:
    """Where the run of blank lines at `pos` (a line's start) ends."""
    blanks = _BLANK_LINES.match(buf, pos)
    return pos if blanks is None else blanks.end()


def skip_blank(buf: Buffer, pos: int) -> int:
    """Where the run of blank bytes (spaces, tabs, line ends) at `pos` ends."""
    blanks = _BLANKS.match(buf, pos)
    return pos if blanks is None else blanks.end()
