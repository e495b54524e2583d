"""PHP's other printers of a payload, beside var_dump (`vardump`): serialize(), var_export() and
an echo (or print_r) of the JSON string. Each gives the same value `vardump` gives (a string's
bytes, or an array's entries), so the related items come out the same whoever printed them; the
record says which printer (`payload.printer`).

    a:2:{i:0;a:5:{s:2:"id";s:7:"1877301";...}...}       serialize(): every string's length in
                                                        bytes, so the reading is exact
    s:206:"[{"id":"1877301",...} ]";                    serialize() of the JSON string
    array (                                             var_export(): quoted strings, `\\'` and
      0 =>                                              `\\\\` escaped; objects as
      array (                                           `\\Class::__set_state(array(...))` or
        'id' => '1877301', ...                          `(object) array(...)`
    '[{"id":"1877301",...} ]'                           var_export() of the JSON string
    [{"id":"1877301",...} ]                             echo or print_r of the JSON string: no
                                                        length; it ends at the last `]` (or `}`)
                                                        before the next dump or the end
    Array                                               print_r(): no quotes, no lengths; an
    (                                                   entry's text ends where the next entry
        [0] => Array                                    or the closing `)` of its array begins,
            (                                           at their indentation (a title holding
                [id] => 1877301 ...                     such a line cannot be told apart)

A reading that fails partway keeps what was read whole, and says the payload is not `ok`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .lines import Buffer, skip_blank
from .vardump import MISSING, DumpedValue, DumpEnds, PhpArray, read_payload

# The first line of another printer's payload, as the payload search (`payload_search`) looks
# for it: serialize(), var_export(), an echo of the JSON string, print_r().
OTHER_HEAD = (
    rb"[as]:\d{1,18}:[{\"]|array \(\r?$|'[\[{]\{?\"|\[\{\"|\{\"\d"
    rb"|(?:Array|[\w\\]{1,400} Object)\r?\n *\(\r?$"
)
OTHER_WORDS = rb"a:\d|s:\d|array \(|'\[|'\{|\[\{|\{\"\d|Array\r?\n"

_SERIALIZED = re.compile(rb"[as]:\d{1,18}:[{\"]")
_PRINTED = re.compile(rb"(?:Array|[\w\\]{1,400} Object)\r?\n( *)\(\r?\n")
_EXPORTED = re.compile(rb"array \(\r?\n|'[\[{]")
_ECHOED = re.compile(rb"\[\{\"|\{\"\d")


# The first byte of another printer's payload, beside serialize's `a:`/`s:` and var_export's
# `array (`: var_export's `'`, an echoed `[{`/`{"`, print_r's `Array` or `Class Object`.
_OTHER_FIRST_BYTES = frozenset(
    [b"'", b"[", b"{", *(bytes([c]) for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ_\\")]
)


class _Stop(Exception):
    """The bytes are not what the grammar wants here: stop, keep what was read."""


def read_any(
    buf: Buffer, pos: int, ends: DumpEnds, final: bool = True, paused: bool = False
) -> DumpedValue | None:
    """The payload at `pos`, whoever printed it (see `vardump.read_payload` for the arguments)."""
    first = bytes(buf[pos : pos + 2])
    if first not in (b"a:", b"s:", b"ar") and first[:1] not in _OTHER_FIRST_BYTES:
        return read_payload(buf, pos, ends, final, paused)  # var_dump's, nearly always
    complete = final or paused  # a paused live stream: what has arrived is all there is
    if head := _SERIALIZED.match(buf, pos):
        reader = _Unserializer(buf)
        declared = int(head[0][2:-2])
        return _ended(_read(reader, lambda: reader.value(pos, 0), "serialize", declared), complete)
    if _EXPORTED.match(buf, pos):
        exported = _Exported(buf)
        return _ended(_read(exported, lambda: exported.value(pos, 0), "var_export"), complete)
    if _ECHOED.match(buf, pos):
        return _read_echoed(buf, pos, complete, ends)
    if head := _PRINTED.match(buf, pos):
        printed = _Printed(buf)
        return _ended(_read(printed, lambda: printed.array(head, 0), "print_r"), complete)
    return read_payload(buf, pos, ends, final, paused)


def _read(
    reader: _Unserializer, read_top: Callable[[], tuple[object, int]], printer: str,
    declared: int | None = None,
) -> DumpedValue:  # fmt: skip
    """The payload `read_top` reads with `reader`: a string or an array, as far as it got."""
    try:
        value, end = read_top()
    except _Stop:
        value, end = reader.partial, reader.stopped_at
    ok, truncated = not reader.failed, reader.failed and reader.stopped_at >= len(reader.buf)
    if isinstance(value, PhpArray):
        return DumpedValue(
            "array", declared, value.complete, ok, truncated, end, array=value, odd=reader.odd,
            printer=printer,
        )  # fmt: skip
    content = value if isinstance(value, bytes) else None
    return DumpedValue(
        "string", declared, len(content or b""), ok, truncated, end, content=content,
        printer=printer,
    )  # fmt: skip


def _ended(value: DumpedValue, final: bool) -> DumpedValue | None:
    """A value read to the buffer's end may go on in bytes still to come."""
    return None if value.truncated and not final else value


# -- serialize() ---------------------------------------------------------------------------------


_SCALAR = re.compile(rb"N;|b:[01];|i:-?\d{1,19};|d:[^;\r\n]{1,40};")
_LENGTH = re.compile(rb"[sE]:(\d{1,18}):\"")
_CONTAINER = re.compile(rb"(?:a|O:\d{1,9}:\"[^\"]{1,400}\"):(\d{1,18}):\{")
_REFERENCE = re.compile(rb"[rR]:\d{1,18};")


class _Unserializer:
    def __init__(self, buf: Buffer) -> None:
        self.buf = buf
        self.failed = self.odd = False
        self.partial: object = MISSING  # the top value as far as it was read
        self.stopped_at = 0

    def stop(self, pos: int) -> _Stop:
        self.failed, self.stopped_at = True, pos
        return _Stop()

    def value(self, pos: int, depth: int) -> tuple[object, int]:
        buf = self.buf
        if scalar := _SCALAR.match(buf, pos):
            return _serialized_scalar(scalar[0]), scalar.end()
        if text := _LENGTH.match(buf, pos):
            end = text.end() + int(text[1])
            if buf[end : end + 2] != b'";':
                raise self.stop(min(end, len(buf)))
            if buf[pos : pos + 1] == b"E":  # an enum case: no item
                self.odd = self.odd or depth == 1
                return MISSING, end + 2
            return bytes(buf[text.end() : end]), end + 2
        if container := _CONTAINER.match(buf, pos):
            return self.container(container, depth)
        if reference := _REFERENCE.match(buf, pos):
            return MISSING, reference.end()
        raise self.stop(pos)

    def container(self, head: re.Match[bytes], depth: int) -> tuple[PhpArray, int]:
        array, pos = PhpArray([]), head.end()
        if depth == 0:
            self.partial = array
        for _ in range(int(head[1])):
            key, pos = self.value(pos, depth + 1)
            value, pos = self.value(pos, depth + 1)
            if not isinstance(key, bytes | int):
                raise self.stop(pos)
            array.complete += 1
            array.counted += 1
            if value is not MISSING:
                array.entries.append((_member_name(key), value))
        if self.buf[pos : pos + 1] != b"}":
            raise self.stop(pos)
        self.stopped_at = pos + 1
        return array, pos + 1


def _serialized_scalar(text: bytes) -> object:
    if text == b"N;":
        return None
    inner = text[2:-1]
    if text[:1] == b"b":
        return inner == b"1"
    if text[:1] == b"i":
        return int(inner)
    try:
        return float(inner)
    except ValueError:
        return MISSING


def _member_name(key: bytes | int) -> str:
    """A key as text; an object's protected or private member loses its `\\0*\\0` or
    `\\0Class\\0` prefix."""
    if isinstance(key, int):
        return str(key)
    if key.startswith(b"\0"):
        key = key[key.find(b"\0", 1) + 1 :]
    return key.decode("utf-8", "replace")


# -- var_export() --------------------------------------------------------------------------------


_EXPORTED_SCALAR = re.compile(rb"NULL|true|false|-?\d{1,19}(?:\.\d+)?(?:E[-+]?\d{1,4})?|-?INF|NAN")
_EXPORTED_ARRAY = re.compile(
    rb"(?:\\[\w\\]{1,400}::__set_state\(|\(object\) )?array ?\("
)  # an array, an object restored by __set_state, or a stdClass
_ENUM_CASE = re.compile(rb"\\[\w\\]{1,400}::\w{1,400}")
_ARROW = re.compile(rb"\s*=>\s*")


class _Exported(_Unserializer):
    def value(self, pos: int, depth: int) -> tuple[object, int]:
        buf = self.buf
        pos = skip_blank(buf, pos)
        if buf[pos : pos + 1] == b"'":
            return self.quoted(pos)
        if head := _EXPORTED_ARRAY.match(buf, pos):
            return self.array(head, depth)
        if scalar := _EXPORTED_SCALAR.match(buf, pos):
            return _exported_scalar(scalar[0]), scalar.end()
        if case := _ENUM_CASE.match(buf, pos):
            self.odd = self.odd or depth == 1
            return MISSING, case.end()
        raise self.stop(pos)

    def quoted(self, pos: int) -> tuple[bytes, int]:
        """A quoted string: `\\'` and `\\\\` are a quote and a backslash, any other byte is itself."""
        buf, at, out = self.buf, pos + 1, bytearray()
        while at < len(buf):
            byte = buf[at]
            if byte == 0x5C and buf[at + 1 : at + 2] in (b"'", b"\\"):
                out.append(buf[at + 1])
                at += 2
            elif byte == 0x27:
                return bytes(out), at + 1
            else:
                out.append(byte)
                at += 1
        raise self.stop(len(buf))

    def array(self, head: re.Match[bytes], depth: int) -> tuple[PhpArray, int]:
        buf, array, pos = self.buf, PhpArray([]), head.end()
        if depth == 0:
            self.partial = array
        closing = b"))" if b"__set_state" in head[0] else b")"
        while True:
            pos = skip_blank(buf, pos)
            if buf.startswith(closing, pos):
                self.stopped_at = pos + len(closing)
                return array, pos + len(closing)
            key, pos = self.value(pos, depth + 1)
            arrow = _ARROW.match(buf, pos)
            if arrow is None or not isinstance(key, bytes | int | float):
                raise self.stop(pos)
            value, pos = self.value(arrow.end(), depth + 1)
            pos = skip_blank(buf, pos)
            if buf[pos : pos + 1] == b",":
                pos += 1
            array.complete += 1
            array.counted += 1
            if value is not MISSING:
                name = (
                    str(int(key))
                    if isinstance(key, int | float)
                    else key.decode("utf-8", "replace")
                )
                array.entries.append((name, value))


def _exported_scalar(text: bytes) -> object:
    if text == b"NULL":
        return None
    if text in (b"true", b"false"):
        return text == b"true"
    try:
        return int(text)
    except ValueError:
        return float(text)


# -- print_r() ------------------------------------------------------------------------------------


_BLANK_LINES = re.compile(rb"(?:[ \t]*\r?\n)+")
_ENTRY = re.compile(rb"( *)\[([^\r\n]{0,4096}?)\] => ?")
_MEMBER_SUFFIX = re.compile(rb":(?:protected|[^:\r\n]{1,400}:private)$")


class _Printed(_Unserializer):
    def array(self, head: re.Match[bytes], depth: int) -> tuple[PhpArray, int]:
        """The entries after `(` (indented by `head[1]`), up to its `)` at that indentation."""
        buf, array, pos = self.buf, PhpArray([]), head.end()
        indent = head[1]
        closing = re.compile(re.escape(indent) + rb"\)[ \t]*(?:\r?\n|\Z)")
        while pos < len(buf):
            if close := closing.match(buf, pos):
                self.stopped_at = close.end()
                return array, close.end()
            entry = _ENTRY.match(buf, pos)
            if entry is None or len(entry[1]) != len(indent) + 4:
                break
            value, pos = self.value(entry.end(), entry[1], closing, depth + 1)
            array.complete += 1
            array.counted += 1
            if value is not MISSING:
                name = _MEMBER_SUFFIX.sub(b"", entry[2]).decode("utf-8", "replace")
                array.entries.append((name, value))
        self.failed, self.stopped_at = True, pos
        return array, pos

    def value(  # type: ignore[override]
        self, pos: int, indent: bytes, closing: re.Pattern[bytes], depth: int
    ) -> tuple[object, int]:
        """An entry's value: an array (`Array` then `(` on the next line, indented 4 more), or
        text up to the next entry at `indent` or the array's `closing`, line breaks included."""
        if (nested := _PRINTED.match(self.buf, pos)) is not None and len(nested[1]) == len(
            indent
        ) + 4:
            array, end = self.array(nested, depth)
            blank = _BLANK_LINES.match(self.buf, end)  # print_r leaves one after an array
            return array, end if blank is None else blank.end()
        buf, line_end = self.buf, pos
        next_entry = re.compile(re.escape(indent) + rb"\[[^\r\n]{0,4096}?\] => ?")
        while (newline := buf.find(b"\n", line_end)) >= 0:
            following = newline + 1
            if next_entry.match(buf, following) or closing.match(buf, following):
                return bytes(buf[pos:newline]).removesuffix(b"\r"), following
            line_end = following
        self.failed, self.stopped_at = True, len(buf)
        return MISSING, len(buf)


# -- echo (or print_r) of the JSON string ---------------------------------------------------------


_JSON_CLOSE = re.compile(rb"[\]}][ \t]*")
_INSIDE_JSON = b',]}" \t:'  # what may follow a closing bracket inside the JSON text


def _read_echoed(buf: Buffer, pos: int, final: bool, ends: DumpEnds) -> DumpedValue | None:
    """The JSON text from `pos` to the first `]` (or `}`) followed by the input's end or the next
    dump: on the next line, or glued on (`cat` of files without a final newline). Not `final`,
    one that may still be followed by more waits."""
    for close in _JSON_CLOSE.finditer(buf, pos):
        after = close.end()
        at_line_end = after >= len(buf) or buf[after] in b"\r\n"
        if not at_line_end and buf[after] in _INSIDE_JSON:
            continue
        following = skip_blank(buf, after) if at_line_end else after
        if following >= len(buf):
            if not final:
                return None
            return _echoed(buf, pos, after)
        starts = ends.starts_at(buf, following, final)
        if starts is None:
            return None
        if starts:
            return _echoed(buf, pos, after)
    if not final:
        return None
    return _echoed(buf, pos, len(buf), truncated=True)


def _echoed(buf: Buffer, pos: int, end: int, truncated: bool = False) -> DumpedValue:
    content = bytes(buf[pos:end]).rstrip()
    return DumpedValue(
        "string", None, len(content), not truncated, truncated, end, content=content,
        printer="echo",
    )  # fmt: skip
