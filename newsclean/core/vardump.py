"""The grammar of PHP's `var_dump()` output, read from bytes.

    string(N) "..."      N is the byte count; the content holds unescaped quotes, so its end is
                         found by counting N bytes, never by looking for a quote
    NULL   bool(false)   int(5)   float(1.5)
    array(N) { [0]=> ... ["id"]=> string(7) "1877339" ... }     nested, also object(stdClass)#1 (N)
    /var/www/scrape.php:350:string(...)                          Xdebug's prefix, same line or own

`N` is never used to allocate or to read past the end of the input. When the byte at N is not
the closing quote at a line end, the string ends at its line: with a closing quote the length
was wrong (`mismatch`), without one the input ended inside it (`truncated`).

With `final=False` (a stream still arriving) a value whose end is not yet in the buffer gives
None: call again with more bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_LINE_END = re.compile(rb"[ \t]*(?:\r?\n|\r|\Z)")
_CONTAINER_HEAD = rb"(?:array|object\([^)\r\n]*\)#\d+ |class [^\s#]+#\d+ )\((\d{1,18})\) \{"
_SCALAR_HEAD = rb"(?:NULL|bool\((?:true|false)\)|int\(-?\d{1,19}\)|float\([-+.\w]{1,40}\))"
_XDEBUG_PREFIX = rb"[^\r\n]{0,4096}?\.php:\d{1,9}:[ \t]*(?:\r?\n)?"

# The first line of a payload: where a dump's body ends. The value without a prefix is tried
# first: Xdebug's prefix costs a scan of the line, paid only when the line is no plain value.
_VALUE_HEAD = (
    rb"(?:string\(\d{1,18}\) \"|" + _SCALAR_HEAD + rb"|" + _CONTAINER_HEAD + rb"[ \t]*\r?$)"
)
PAYLOAD_START = re.compile(
    rb"^(?:" + _VALUE_HEAD + rb"|" + _XDEBUG_PREFIX + _VALUE_HEAD + rb")", re.MULTILINE
)
# Quick to search for (the pattern begins with a literal): lines that may hold a payload.
_CANDIDATE_LINE = re.compile(rb"\n(?:string\(|NULL|bool\(|int\(|float\(|array\(|object\(|class )")
_XDEBUG = re.compile(_XDEBUG_PREFIX)
_STRING = re.compile(rb"string\((\d{1,18})\) \"")
_SCALAR = re.compile(rb"NULL|bool\((?:true|false)\)|int\(-?\d{1,19}\)|float\([-+.\w]{1,40}\)")
_CONTAINER = re.compile(_CONTAINER_HEAD)
_KEY = re.compile(
    rb"\[\"(?P<name>[^\r\n]*?)\"(?::[^\]\r\n]*)?\]\s*=>"
    rb"|\[(?P<index>-?\d{1,19})\]\s*=>"
    rb"|'(?P<quoted>[^\r\n]*?)'\s*=>"
    rb"|(?:public|protected|private)\s+\$(?P<prop>\w+)\s*=>"
)
_VALUE_START = re.compile(rb"string\(|NULL|bool\(|int\(|float\(|array\(|object\(|class ")
_RECURSION = re.compile(rb"\*RECURSION\*")
# Inside a top-level array every line is indented; its end is a `}` line, or any unindented line.
_END_OF_TOP_ARRAY = re.compile(rb"^\S", re.MULTILINE)
_SPACE = b" \t\r\n"
_MAX_DEPTH = 32

Buffer = bytes | bytearray  # a stream's buffer grows in place; a file is bytes
NextDumpAt = Callable[[Buffer, int, bool], "bool | None"]
MISSING = object()  # a nested string cut off by the end of the input: its value is unknown


@dataclass(slots=True)
class PhpArray:
    """An array or object: its entries in order, keys as text."""

    entries: list[tuple[str, object]]
    complete: int = 0  # entries read to their end (not cut off by the end of the input)


@dataclass(slots=True)
class DumpedValue:
    kind: str  # string, null, bool, int, float, array
    declared: int | None  # N of string(N) or array(N)
    actual: int  # bytes found (string), elements found (array), 0 otherwise
    ok: bool  # every declared length and count matches what is there
    truncated: bool  # the input ended inside the value (else, when not ok, a length is wrong)
    end: int  # offset just after the value
    content: bytes | None = None  # the string's bytes
    array: PhpArray | None = None


def _scalar(text: bytes) -> object:
    """NULL, bool(..), int(..) and float(..) as Python values."""
    if text == b"NULL":
        return None
    inner = text[text.index(b"(") + 1 : -1]
    if text.startswith(b"bool"):
        return inner == b"true"
    if text.startswith(b"int"):
        return int(inner)
    try:
        return float(inner)
    except ValueError:  # NAN and INF are floats too; anything else is unknown
        return MISSING


NOT_A_PAYLOAD = DumpedValue("null", None, 0, False, False, -1)


class _NeedMore(Exception):
    """The buffer ends before the value does, and more input may come."""


class _Reader:
    def __init__(self, buf: Buffer, final: bool) -> None:
        self.buf = buf
        self.final = final
        self.mismatch = False
        self.truncated = False
        self.malformed = False

    def at_line_end(self, pos: int) -> bool:
        if pos >= len(self.buf):
            if not self.final:
                raise _NeedMore
            return True
        return self.buf[pos] in b"\r\n"

    def decided(self, answer: bool | None) -> bool:
        if answer is None:
            raise _NeedMore
        return answer

    def end_of_input(self) -> None:
        if not self.final:
            raise _NeedMore
        self.truncated = True

    def string(
        self, match: re.Match[bytes], next_dump_at: NextDumpAt | None = None
    ) -> tuple[bytes | None, int]:
        buf, start = self.buf, match.end()
        close = start + int(match[1])
        if close < len(buf) and buf[close] == 0x22:
            if self.at_line_end(close + 1):
                return bytes(buf[start:close]), close + 1
            if next_dump_at is not None and self.decided(next_dump_at(buf, close + 1, self.final)):
                return bytes(buf[start:close]), close + 1  # `cat` of files without a final newline
        if close >= len(buf) and not self.final:
            raise _NeedMore
        line_end = buf.find(b"\n", start)
        if line_end < 0:
            if not self.final:
                raise _NeedMore
            line_end = len(buf)
        stop = line_end - 1 if line_end > start and buf[line_end - 1] == 0x0D else line_end
        if stop > start and buf[stop - 1] == 0x22:
            self.mismatch = True
            return bytes(buf[start : stop - 1]), stop
        self.truncated = True
        return None, stop

    def value(self, pos: int, depth: int) -> tuple[object, int]:
        buf = self.buf
        while pos < len(buf) and buf[pos] in _SPACE:
            pos += 1
        if pos >= len(buf):
            self.end_of_input()
            return MISSING, pos
        if match := _STRING.match(buf, pos):
            content, end = self.string(match)
            return (MISSING if content is None else content), end
        if match := _SCALAR.match(buf, pos):
            return _scalar(match[0]), match.end()
        if match := _CONTAINER.match(buf, pos):
            return self.container(match, depth)
        if match := _RECURSION.match(buf, pos):
            return MISSING, match.end()
        self.unreadable(pos)
        return MISSING, pos

    def unreadable(self, pos: int) -> None:
        """Nothing known starts at pos: the input ends in this line, or the value is damaged."""
        if self.buf.find(b"\n", pos) < 0:
            self.end_of_input()
        else:
            self.malformed = True

    def container(self, head: re.Match[bytes], depth: int) -> tuple[PhpArray, int]:
        buf, pos = self.buf, head.end()
        array = PhpArray([])
        if depth >= _MAX_DEPTH:
            self.malformed = True
            return array, pos
        while not (self.malformed or self.truncated):
            while pos < len(buf) and buf[pos] in _SPACE:
                pos += 1
            if pos >= len(buf):
                self.end_of_input()
                break
            if buf[pos] == 0x7D:  # }
                pos += 1
                break
            key = _KEY.match(buf, pos)
            if key is None:
                self.unreadable(pos)
                break
            value, pos = self.value(key.end(), depth + 1)
            array.complete += not self.truncated
            if value is not MISSING:
                name = next(group for group in key.groups() if group is not None)
                array.entries.append((name.decode("utf-8", "replace"), value))
        if len(array.entries) != int(head[1]):
            self.mismatch = True
        return array, pos


def find_payload(buf: Buffer, pos: int) -> re.Match[bytes] | None:
    """The first payload line starting at or after `pos` (after a line end), found without a
    slow line-by-line regex scan: candidates are lines that begin like a value or hold
    Xdebug's `.php:`."""
    while pos <= len(buf):
        word = _CANDIDATE_LINE.search(buf, max(pos - 1, 0))
        php = buf.find(b".php:", pos, word.end() if word else len(buf))  # only up to the word
        starts = [word.start() + 1] if word else []
        if php >= 0:
            starts.append(buf.rfind(b"\n", 0, php) + 1)
        if not starts:
            return None
        candidate = max(min(starts), pos)
        if match := PAYLOAD_START.match(buf, candidate):
            return match
        pos = buf.find(b"\n", candidate) + 1
        if pos == 0:
            return None
    return None


def read_payload(
    buf: Buffer, pos: int, final: bool = True, next_dump_at: NextDumpAt | None = None
) -> DumpedValue | None:
    """Read the payload starting at `pos` (a match of PAYLOAD_START); None: more input needed.

    `next_dump_at(buf, pos, final)` says whether a new dump starts right at pos (None: more input
    needed): a string's closing quote may be followed directly by the next dump's headline.
    """
    reader = _Reader(buf, final)
    if not _VALUE_START.match(buf, pos) and (prefix := _XDEBUG.match(buf, pos)):
        pos = prefix.end()
    try:
        if match := _STRING.match(buf, pos):
            content, end = reader.string(match, next_dump_at)
            found = content if content is not None else bytes(buf[match.end() : end])
            return _finish(reader, "string", int(match[1]), len(found), end, content=found)
        if match := _CONTAINER.match(buf, pos):
            array, end = reader.container(match, 0)
            if reader.truncated:
                end = len(buf)  # the input ended inside the array
            elif reader.malformed:
                end = _skip_to_array_end(buf, end, final)
            return _finish(reader, "array", int(match[1]), array.complete, end, array=array)
        if match := _SCALAR.match(buf, pos):
            glued = next_dump_at is not None and reader.decided(
                next_dump_at(buf, match.end(), final)
            )
            if not (reader.at_line_end(match.end()) or glued):
                return NOT_A_PAYLOAD  # a line that merely begins like one: `NULL pointers ...`
            kind = match[0].split(b"(")[0].decode().lower()
            return _finish(reader, kind, None, 0, match.end())
        reader.unreadable(pos)
        return _finish(reader, "null", None, 0, pos)
    except _NeedMore:
        return None


def _skip_to_array_end(buf: Buffer, pos: int, final: bool) -> int:
    """After a top-level array we could not read: where it ends (None: more input needed)."""
    line_start = buf.find(b"\n", pos) + 1
    closing = _END_OF_TOP_ARRAY.search(buf, line_start) if line_start else None
    if closing is None:
        if not final:
            raise _NeedMore
        return len(buf)
    return closing.start() + 1 if closing[0] == b"}" else closing.start()


def _finish(
    reader: _Reader,
    kind: str,
    declared: int | None,
    actual: int,
    end: int,
    content: bytes | None = None,
    array: PhpArray | None = None,
) -> DumpedValue:
    damaged = reader.mismatch or reader.malformed or reader.truncated
    ok = not damaged and (declared is None or declared == actual)
    return DumpedValue(kind, declared, actual, ok, reader.truncated, end, content, array)


def line_end(buf: Buffer, pos: int) -> int:
    """The offset after the line end (CRLF, LF or CR) that follows pos, allowing trailing blanks."""
    match = _LINE_END.match(buf, pos)
    return pos if match is None else match.end()
