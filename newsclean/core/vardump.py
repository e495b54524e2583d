"""The grammar of PHP's `var_dump()` output, read from bytes.

    string(N) "..."      N is the byte count; the content holds unescaped quotes and line breaks,
                         so its end is found by counting N bytes, never by looking for a quote
    NULL   bool(false)   int(5)   float(1.5)   double(1.5) (Xdebug)
    array(N) { [0]=> ... ["id"]=> string(7) "1877339" ... }   nested; also objects: PHP's
        object(Item)#1 (N) { ["id"]=> ["n":protected]=> ["f":"Item":private]=> } and Xdebug's
        class Item#1 (N) { public string $id => protected ?int $n => public readonly ... $r => }
    /var/www/scrape.php:350:   bin/scrape:88:   a.php(16) : eval()'d code:1:    Xdebug's prefix,
                                                                        on the value's line or its own

Inside arrays and objects, values that cannot be items are read and left out, marked `odd`:
enums, resources, closures (objects), `uninitialized(int)` and `*uninitialized*`, `*RECURSION*`,
`&int(1)` references; what Xdebug's display limits cut (a string ending `"...`, `...` past the
depth limit, `(more elements)...`) is marked `cut`. Xdebug writes a NUL byte in a string as
`\000`, which counts as one byte.

`N` is never used to allocate or to read past the end of the input. When the byte at N is not the
closing quote at a line end, a top-level string ends at the first closing quote at a line end that
the input's end or a new dump follows (`mismatch`), or the input ended inside it (`truncated`);
a nested string ends at its line.

With `final=False` (a stream still arriving) a value whose end is not yet in the buffer gives
None: call again with more bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from .lines import Buffer, line_start, skip_blank, skip_blank_lines

_CONTAINER_HEAD = (
    rb"(?:array|object\([^)\r\n]{0,400}\)#\d{1,18} |class [^\s#]{1,400}#\d{1,18} )\((\d{1,18})\) \{"
)
_SCALAR_HEAD = (
    rb"(?:NULL|bool\((?:true|false)\)|int\(-?\d{1,19}\)|(?:float|double)\([-+.\w]{1,40}\))"
)
# Xdebug's location before a value: a file (any name), its line, and for eval()'d code both.
XDEBUG_PREFIX = rb"[^\r\n]{0,4096}?:\d{1,9}:[ \t]*(?:\r?\n)?"

# A value's first line, as the payload search (`payload_search`) looks for it.
VALUE_HEAD = (
    rb"(?:string\(\d{1,18}\) \"|" + _SCALAR_HEAD + rb"|" + _CONTAINER_HEAD + rb"[ \t]*\r?$)"
)
VALUE_WORDS = rb"string\(|NULL|bool\(|int\(|float\(|double\(|array\(|object\(|class "
VALUE_START = re.compile(VALUE_WORDS)
# The prefix up to its value: two prefixes on one line (a.php:1:b.php:2:) are one, read whole.
_XDEBUG = re.compile(XDEBUG_PREFIX + rb"(?=" + VALUE_HEAD + rb")", re.MULTILINE)
_STRING = re.compile(rb"string\((\d{1,18})\) \"")
_SCALAR = re.compile(_SCALAR_HEAD)
_CONTAINER = re.compile(_CONTAINER_HEAD)
# Names are bounded: an unbounded lazy name backtracks quadratically over a long line.
_KEY = re.compile(
    rb"\[\"(?P<name>[^\r\n]{0,1024}?)\"(?::[^\]\r\n]{0,1024})?\]\s*=>"
    rb"|\[(?P<index>-?\d{1,19})\]\s*=>"
    rb"|'(?P<quoted>[^\r\n]{0,1024}?)'\s*=>"
    rb"|(?:public|protected|private)(?:\s+readonly)?(?:\s+[?\w\\|&()]{1,400})?\s+"
    rb"\$(?P<prop>[^\r\n]{0,1024}?)\s*=>"
)
# Values that cannot be items, read and left out.
_ODD_VALUE = re.compile(
    rb"\*RECURSION\*|\*uninitialized\*|&(?:array|object)\b|enum\([^)\r\n]{0,400}\)"
    rb"|enum [^\r\n]{0,800}|resource\(\d{1,19}\) of type \([^)\r\n]{0,100}\)"
)
_UNCOUNTED = re.compile(rb"uninitialized\([^)\r\n]{0,400}\)")  # PHP leaves it out of N
_DISPLAY_CUT = re.compile(rb"\(more elements\)\.\.\.|\.\.\.(?=\s)")  # Xdebug's limits
_XDEBUG_NUL = b"\\000"
# Inside a top-level array every line is indented; its end is a `}` line, or any unindented line.
_END_OF_TOP_ARRAY = re.compile(rb"^\S", re.MULTILINE)
_SPACE = b" \t\r\n"
_GLUED_LOOKAHEAD = 4096  # bytes after a cut line that show a dump glued on (its header lines)
_BRACE_LINE = re.compile(rb"^[ \t]*\}[ \t]*$", re.MULTILINE)
_MAX_DEPTH = 32


class DumpEnds(Protocol):
    """Where dumps begin: all the value grammar needs to know of the dumps around a payload (the
    splitter gives it `boundaries`). A top-level string or array whose length is wrong ends where
    the next dump begins."""

    def starts_at(self, buf: Buffer, pos: int, final: bool) -> bool | None:
        """Whether a dump's header starts right at `pos` (None: more input needed)."""

    def glued_at(self, buf: Buffer, line_start: int, newline: int) -> int | None:
        """Where a dump glued onto the end of this line begins, if one is."""

    def holds_a_dateline(self, buf: Buffer, start: int, end: int) -> bool:
        """Whether a line in (start, end] is a dump's dateline."""


MISSING = object()  # a value that is unknown (cut off) or cannot be an item (an enum, ...)
UNCOUNTED = object()  # `uninitialized(int)`: printed, but not in PHP's count


@dataclass(slots=True)
class PhpArray:
    """An array or object: its entries in order, keys as text."""

    entries: list[tuple[str, object]]
    complete: int = 0  # entries read to their end (not cut off by the end of the input)
    counted: int = 0  # entries printed that PHP counts in N (all but `uninitialized(type)`)


@dataclass(slots=True)
class DumpedValue:
    kind: str  # string, null, bool, int, float, array
    declared: int | None  # N of string(N) or array(N)
    actual: int  # bytes found (string), elements found (array), 0 otherwise
    ok: bool  # every declared length and count matches what is there
    truncated: bool  # cut: the input ended inside it, or Xdebug's display limits cut it
    end: int  # offset just after the value
    content: bytes | None = None  # the string's bytes
    array: PhpArray | None = None
    odd: bool = False  # it holds values that cannot be items (enums, resources, ...)
    printer: str = "var_dump"  # or serialize, var_export, echo (`printers`)


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
_KINDS = {b"N": "null", b"b": "bool", b"i": "int", b"f": "float", b"d": "float"}


class _NeedMore(Exception):
    """The buffer ends before the value does, and more input may come."""


def _bracketed(buf: Buffer, start: int, close: int) -> bool:
    """Whether a string's declared bytes hold one JSON list or object, whole: then its length
    lands on a consistent end, which wins over any header, dateline or blank line inside it (a
    title may hold a whole dump). A cut string whose length reaches into the next dump meets a
    quote there by chance, seldom right after a closing bracket of what it began with."""
    first = _FIRST_NON_BLANK.search(buf, start, close)
    if first is None or buf[first.start()] not in b"[{":
        return False
    last = close - 1
    while last > start and buf[last] in b" \t\r\n":
        last -= 1
    return buf[last] == (0x5D if buf[first.start()] == 0x5B else 0x7D)


_FIRST_NON_BLANK = re.compile(rb"[^ \t\r\n]")


class _Reader:
    def __init__(self, buf: Buffer, ends: DumpEnds, final: bool, paused: bool = False) -> None:
        self.buf = buf
        self.ends = ends
        self.final = final
        # A live stream paused: a value complete up to the last byte that has arrived ends
        # there (most dumps have no final newline); a value still incomplete waits as before.
        self.paused = paused
        self.mismatch = False
        self.truncated = False
        self.display_cuts = 0  # values inside the payload that Xdebug's display limits cut
        self.header_keys = False  # a key may hold a dateline line (a second reading)
        self.refused_header_key = False  # this reading refused one
        self.malformed = False
        self.odd = False
        self.glued_at: int | None = None  # where a dump glued onto a cut line begins

    def at_line_end(self, pos: int) -> bool:
        if pos >= len(self.buf):
            if not (self.final or self.paused):
                raise _NeedMore
            return True
        return self.buf[pos] in b"\r\n"

    def decided(self, answer: bool | None) -> bool:
        if answer is None:
            raise _NeedMore
        return answer

    def dump_starts_at(self, pos: int) -> bool:
        return self.decided(self.ends.starts_at(self.buf, pos, self.final))

    def end_of_input(self) -> None:
        if not self.final:
            raise _NeedMore
        self.truncated = True

    def closes_at(self, close: int, nested: bool) -> bool:
        """Whether a string's closing quote stands at `close`: a quote at a line end, or (at the
        top) glued to the next dump, as `cat` leaves files without a final newline."""
        buf = self.buf
        if close >= len(buf):
            if not self.final:
                raise _NeedMore
            return False
        if buf[close] != 0x22:
            return False
        if self.at_line_end(close + 1):
            return True
        return not nested and self.dump_starts_at(close + 1)

    def string(self, match: re.Match[bytes], nested: bool) -> tuple[bytes | None, int]:
        """A string's bytes and the offset after its closing quote; None for bytes cut off."""
        buf, start = self.buf, match.end()
        close = start + int(match[1])
        one_line = buf.find(b"\n", start, close) < 0  # most strings: nothing more to check
        if not one_line and (cut := _xdebug_cut(buf, start, close)) is not None:
            # Xdebug's var_display_max_data: inside an array the rest is printed whole
            if nested:
                self.display_cuts += 1
            else:
                self.truncated = True
            return None, cut
        if self.closes_at(close, nested) and (
            one_line
            or nested
            or _bracketed(buf, start, close)
            or not self.crosses_a_dump(start, close)
        ):
            return bytes(buf[start:close]), close + 1
        if (escaped := self.xdebug_escaped(start, int(match[1]), nested)) is not None:
            return escaped
        if not nested:
            return self.top_string_end(start)
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

    def crosses_a_dump(self, start: int, close: int) -> bool:
        """Whether a new dump begins inside a top-level string's declared bytes: a cut string's N
        may reach into the dump after it, and meet a quote at a line end there by chance."""
        buf, pos = self.buf, start
        while (newline := buf.find(b"\n", pos, close)) >= 0:  # most payloads are one line
            begins = max(line_start(buf, newline), start)
            following = skip_blank_lines(buf, newline + 1)
            if self.ends.glued_at(buf, begins, newline) is not None or (
                following < close and self.dump_starts_at(following)
            ):
                return True
            pos = newline + 1
        return False

    def xdebug_escaped(self, start: int, length: int, nested: bool) -> tuple[bytes, int] | None:
        """Xdebug writes each NUL byte of a string as `\\000`: N counts it as one byte."""
        buf, escapes, close = self.buf, 0, start + length
        while (escaped := buf.count(_XDEBUG_NUL, start, close)) > escapes:
            escapes, close = escaped, start + length + 3 * escaped
        if not escapes or not self.closes_at(close, nested):
            return None
        return bytes(buf[start:close]).replace(_XDEBUG_NUL, b"\0"), close + 1

    def top_string_end(self, start: int) -> tuple[bytes | None, int]:
        """The end of a top-level string whose length is wrong: the first line end that the
        input's end or a new dump follows (a title may hold line breaks, a dump never), or where
        a dump glued on begins (`cat` of a file without its final newline). With a closing
        quote there, the length was wrong; without one, the string was cut there."""
        buf, pos = self.buf, start
        while True:
            newline = buf.find(b"\n", pos)
            if newline < 0 and not self.final:
                raise _NeedMore
            stop = len(buf) if newline < 0 else newline
            if newline >= 0 and (glued := self.ends.glued_at(buf, pos, newline)) is not None:
                stop = glued
                break
            following = len(buf) if newline < 0 else skip_blank_lines(buf, newline + 1)
            if following >= len(buf) and not self.final:
                raise _NeedMore
            if following >= len(buf) or self.dump_starts_at(following):
                stop -= stop > start and buf[stop - 1] == 0x0D
                break
            pos = newline + 1
        if stop > start and buf[stop - 1] == 0x22:
            self.mismatch = True
            return bytes(buf[start : stop - 1]), stop
        self.truncated = True
        return None, stop

    def value(self, pos: int, depth: int) -> tuple[object, int]:
        buf = self.buf
        while pos < len(buf) and buf[pos] in _SPACE:
            pos += 1
        if pos < len(buf) and buf[pos] == 0x26:  # &: PHP marks a reference so
            pos += 1
        if pos >= len(buf):
            self.end_of_input()
            return MISSING, pos
        if match := _STRING.match(buf, pos):
            content, end = self.string(match, nested=True)
            return (MISSING if content is None else content), end
        if match := _SCALAR.match(buf, pos):
            return _scalar(match[0]), match.end()
        if match := _CONTAINER.match(buf, pos):
            return self.container(match, depth)
        # An odd value as an element of the payload is no item; as an item's field it only
        # matters when the field is one of the five (then the item is none: `related`).
        if match := _ODD_VALUE.match(buf, pos):
            self.odd = self.odd or depth == 1
            return MISSING, match.end()
        if match := _UNCOUNTED.match(buf, pos):
            self.odd = self.odd or depth == 1
            return UNCOUNTED, match.end()
        if match := _DISPLAY_CUT.match(buf, pos):  # Xdebug's var_display_max_depth
            self.display_cuts += 1
            return MISSING, match.end()
        self.unreadable(pos)
        return MISSING, pos

    def unreadable(self, pos: int) -> None:
        """Nothing known starts at pos: the input ends in this line, the dump does (an unindented
        line follows that does not close the array: a dump cut in this line, then another), or
        the value is damaged."""
        buf = self.buf
        newline = buf.find(b"\n", pos)
        if newline < 0 or (self.final and skip_blank(buf, newline) >= len(buf)):
            self.end_of_input()
            return
        if len(buf) - newline < _GLUED_LOOKAHEAD and not self.final:
            raise _NeedMore  # the lines after this one decide
        if (glued := self.ends.glued_at(buf, line_start(buf, pos), newline)) is not None:
            self.truncated, self.glued_at = True, glued
        elif buf[newline + 1 : newline + 2] not in b" \t\r\n}":
            self.truncated = True
        else:
            self.malformed = True

    def container(self, head: re.Match[bytes], depth: int) -> tuple[PhpArray, int]:
        buf, pos = self.buf, head.end()
        array = PhpArray([])
        if depth >= _MAX_DEPTH:
            self.malformed = True
            return array, pos
        cut_before, children_cut = self.truncated, False
        while not (self.malformed or self.truncated):
            while pos < len(buf) and buf[pos] in _SPACE:
                pos += 1
            if pos >= len(buf):
                self.end_of_input()
                break
            if buf[pos] == 0x7D:  # }
                pos += 1
                break
            if cut := _DISPLAY_CUT.match(buf, pos):  # Xdebug left the rest of the entries out
                self.display_cuts += 1
                children_cut, pos = True, _closing_brace(buf, cut.end())
                break
            key = _read_key(buf, pos, self)
            if key is None:
                self.unreadable(pos)
                break
            name, pos = key
            cuts = self.display_cuts
            value, pos = self.value(pos, depth + 1)
            array.complete += not self.truncated and self.display_cuts == cuts
            array.counted += value is not UNCOUNTED
            if value is not MISSING and value is not UNCOUNTED:
                array.entries.append((name.decode("utf-8", "replace"), value))
        if (
            array.counted != int(head[1])
            and not children_cut
            and not (self.truncated and not cut_before)
        ):
            self.mismatch = True
        return array, pos


def _read_key(buf: Buffer, pos: int, reader: _Reader) -> tuple[bytes, int] | None:
    """An entry's key at `pos` and where its value begins; None when there is none.

    PHP prints a key's bytes as they are (`["any"]=>`: line breaks, quotes and `"]=>` too);
    Xdebug escapes `'` and `\\` in its `'key' =>`. Most keys hold none of that, and one
    pattern reads them. When what it read is not followed by a value, the key is sought
    further: up to a `]=>` followed by a value on the next line, holding no dateline line (a key
    cut off never reaches into the next dump; a key that holds a whole dump header is allowed
    by a second reading, kept only when the counts then land consistently: `read_payload`).
    Found nowhere, the pattern's key stands, and its value is read as damaged or cut."""
    if buf[pos : pos + 1] == b"'":
        return _xdebug_key(buf, pos)
    key = _KEY.match(buf, pos)
    if key is not None and (key["name"] is None or _value_follows(buf, key.end())):
        return next(group for group in key.groups() if group is not None), key.end()
    if buf[pos : pos + 2] == b'["' and (sought := _sought_key(buf, pos, reader)) is not None:
        return sought
    if key is not None:
        return next(group for group in key.groups() if group is not None), key.end()
    return None


def _sought_key(buf: Buffer, pos: int, reader: _Reader) -> tuple[bytes, int] | None:
    search, limit = pos + 2, min(len(buf), pos + _LONGEST_KEY)
    while (end := buf.find(b"]=>", search, limit)) >= 0:
        if _value_follows(buf, end + 3) and (name := _QUALIFIED.fullmatch(buf, pos + 2, end)):
            if reader.header_keys or not reader.ends.holds_a_dateline(buf, pos, end):
                return name["name"], end + 3
            reader.refused_header_key = True  # `read_payload` may read again, allowing it
            return None
        search = end + 1
    return None


def _xdebug_key(buf: Buffer, pos: int) -> tuple[bytes, int] | None:
    """Xdebug's `'key' =>`, with `\\'` and `\\\\` for a quote and a backslash."""
    at, limit = pos + 1, min(len(buf), pos + _LONGEST_KEY)
    while at < limit and buf[at] != 0x27:
        at += 2 if buf[at] == 0x5C else 1
    arrow = _ARROW.match(buf, at)
    if arrow is None or not _value_follows(buf, arrow.end()):
        return None
    name = _XDEBUG_ESCAPE.sub(rb"\1", bytes(buf[pos + 1 : at]))
    return name, arrow.end()


def _value_follows(buf: Buffer, pos: int) -> bool:
    """Whether the line after `pos` begins with a value (or has not fully arrived yet)."""
    if _VALUE_AFTER_KEY.match(buf, pos):
        return True
    rest = buf.find(b"\n", pos)
    return rest < 0 or (buf.find(b"\n", rest + 1) < 0 and len(buf) - rest < 128)


_LONGEST_KEY = 1 << 16  # a key with line breaks is sought this far
_QUALIFIED = re.compile(rb'(?P<name>.*)"(?::protected|:"[^"\r\n]{0,400}":private)?', re.DOTALL)
_ARROW = re.compile(rb"'[ \t]*=>")
_XDEBUG_ESCAPE = re.compile(rb"\\([\\'])")
_VALUE_AFTER_KEY = re.compile(
    rb"[ \t]*\r?\n[ \t]*&?(?:string\(\d{1,18}\) \"|(?:" + _SCALAR_HEAD + rb"|" + _CONTAINER_HEAD
    + rb")[ \t]*(?:\r?\n|\Z)|\*RECURSION\*|\*uninitialized\*|enum[ (]|resource\(|uninitialized\("
    + rb"|\.\.\.|\(more elements\))"
)  # fmt: skip


def _closing_brace(buf: Buffer, pos: int) -> int:
    """After Xdebug's `(more elements)...` or `...`: the offset after the container's `}`."""
    brace = _BRACE_LINE.search(buf, pos)
    return len(buf) if brace is None else brace.end()


def _xdebug_cut(buf: Buffer, start: int, close: int) -> int | None:
    """Where a string that Xdebug cut at its display limit ends (after its `"...`), when its
    first line ends so before the declared length is reached; None for any other string."""
    newline = buf.find(b"\n", start, close)
    if newline < 0:
        return None
    stop = newline - (buf[newline - 1 : newline] == b"\r")
    return stop if buf[max(stop - 4, start) : stop] == b'"...' else None


def read_payload(
    buf: Buffer, pos: int, ends: DumpEnds, final: bool = True, paused: bool = False
) -> DumpedValue | None:
    """Read the payload starting at `pos` (where `payload_search` found one); None: more input
    needed. `ends` tells where a new dump begins: a string's closing quote may be followed
    directly by the next dump's headline. `paused`: a live stream paused, and a value complete
    at the buffer's end ends there."""
    reader = _Reader(buf, ends, final, paused)
    if not VALUE_START.match(buf, pos) and (prefix := _XDEBUG.match(buf, pos)):
        pos = prefix.end()
    try:
        if match := _STRING.match(buf, pos):
            content, end = reader.string(match, nested=False)
            # Cut: the bytes there are, without the `"...` of Xdebug's display limit.
            content_read = content if content is not None else bytes(buf[match.end() : end])
            content_read = (
                content_read if content is not None else content_read.removesuffix(b'"...')
            )
            return _finish(
                reader, "string", int(match[1]), len(content_read), end, content=content_read
            )
        if match := _CONTAINER.match(buf, pos):
            array, end = reader.container(match, 0)
            if reader.refused_header_key and _damaged(reader):
                # A key holding a dump header was refused, and the reading went wrong: read
                # again allowing such keys, and keep that reading where its counts land.
                again = _Reader(buf, ends, final, paused)
                again.header_keys = True
                second = again.container(match, 0)
                if not _damaged(again):
                    reader, (array, end) = again, second
            if reader.glued_at is not None:
                end = reader.glued_at
            elif reader.truncated or reader.malformed:  # never past the array: a dump may follow
                end = _skip_to_array_end(buf, end, final)
            return _finish(reader, "array", int(match[1]), array.complete, end, array=array)
        if match := _SCALAR.match(buf, pos):
            ends_line = reader.at_line_end(match.end())
            if not (ends_line or reader.dump_starts_at(match.end())):
                return NOT_A_PAYLOAD  # a line that merely begins like one: `NULL pointers ...`
            return _finish(reader, _KINDS[match[0][:1]], None, 0, match.end())
        reader.unreadable(pos)
        return _finish(reader, "null", None, 0, pos)
    except _NeedMore:
        return None


def _skip_to_array_end(buf: Buffer, pos: int, final: bool) -> int:
    """After a top-level array cut or damaged: where it ends, at the next unindented line (never
    past it: a dump may follow). Raises _NeedMore when that line has not arrived."""
    next_line = buf.find(b"\n", pos) + 1
    closing = _END_OF_TOP_ARRAY.search(buf, next_line) if next_line else None
    if closing is None:
        if not final:
            raise _NeedMore
        return len(buf)
    return closing.start() + 1 if closing[0] == b"}" else closing.start()


def _damaged(reader: _Reader) -> bool:
    return reader.mismatch or reader.malformed or reader.truncated or reader.glued_at is not None


def _finish(
    reader: _Reader,
    kind: str,
    declared: int | None,
    actual: int,
    end: int,
    content: bytes | None = None,
    array: PhpArray | None = None,
) -> DumpedValue:
    damaged = reader.mismatch or reader.malformed or reader.truncated or reader.display_cuts > 0
    ok = not damaged and (declared is None or declared == actual)
    return DumpedValue(
        kind,
        declared,
        actual,
        ok,
        reader.truncated or bool(reader.display_cuts),
        end,
        content,
        array,
        reader.odd,
    )
