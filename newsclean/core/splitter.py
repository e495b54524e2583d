"""The dump splitter: where each dump in a buffer begins and ends.

A file may hold several dumps back to back, as `cat` leaves them. A dump ends after its
payload (whose end `vardump` finds by counting bytes) and its line end. A dump without a payload
ends where the next one begins: a headline line followed by a dateline line (or headline, blank
line, headline, dateline), after the dump's own dateline.

Works on bytes whose line ends are LF or CRLF (bare CRs, and NUL bytes, are made LF first, which
keeps every offset). With `final=False` (a stream still arriving) a dump whose end is not yet
certain gives None: call again when more bytes are in the buffer.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .colours import Decolourer
from .dateline import DATELINE_LINE
from .diagnostics import skip_gap
from .printers import read_any
from .record import NOT_TEXT
from .sniff import SNIFF_BYTES, sniff
from .textrepair import BOM
from .vardump import (
    NOT_A_PAYLOAD,
    Buffer,
    DumpedValue,
    SearchHint,
    find_payload,
    glued_dump_at,
    line_end,
    skip_blank,
)

_LONGEST_DATELINE = 80
_BARE_CR = re.compile(rb"\r(?!\n)")
_OWN_HEADER_LINES = 3  # headline, headline again, dateline


@dataclass(slots=True)
class DumpSpan:
    start: int
    end: int
    payload_start: int | None = None
    payload: DumpedValue | None = None

    @property
    def text_end(self) -> int:
        """Where the headline, dateline and body end."""
        return self.end if self.payload_start is None else self.payload_start


def lf_lines(data: bytes) -> bytes:
    """`data` with bare CR line ends made LF, and NUL bytes too (the zero-filled tail a crash
    leaves becomes blank lines, and a string cut by it ends there): same length, same offsets.
    A NUL inside a PHP string counts as its byte all the same (`parse` reads it from the data)."""
    if b"\0" in data:
        data = data.replace(b"\0", b"\n")
    return _BARE_CR.sub(b"\n", data) if b"\r" in data else data


def _line_start(buf: Buffer, pos: int) -> int:
    return buf.rfind(b"\n", 0, pos) + 1


def _is_blank(line: Buffer) -> bool:
    return not line.strip()


def _header_start(buf: Buffer, start: int, dateline_at: int) -> int | None:
    """Where the dump whose dateline line starts at `dateline_at` begins, if it is a new one.
    `dateline_at` lies after the own header of the dump at `start` (`_after_own_header`), so the
    line before it is never that dump's headline or its repetition."""
    headline_at = _line_start(buf, dateline_at - 1)
    headline = buf[headline_at : dateline_at - 1].strip()
    if not headline:
        return None
    if headline_at >= 2:
        blank_at = _line_start(buf, headline_at - 1)
        first_at = _line_start(buf, blank_at - 1) if blank_at >= 1 else blank_at
        blank_ok = _is_blank(buf[blank_at : headline_at - 1])
        first = buf[first_at : blank_at - 1].removeprefix(BOM).strip()
        if blank_ok and first_at > start and first == headline:
            return first_at
        if blank_ok and (glued := glued_dump_at(buf, max(first_at, start), blank_at - 1)):
            return glued  # glued onto the last line of the dump before (no final newline)
    return headline_at


def _after_own_header(buf: Buffer, start: int, stop: int) -> int:
    """Where the line after the dump's third filled line begins (its dateline's, most often).
    A dateline up to there cannot begin a new dump: the line before it would be the dump's own
    first or second line, or blank."""
    pos, filled = start, 0
    while filled < _OWN_HEADER_LINES:
        end = buf.find(b"\n", pos, stop)
        if end < 0:
            return stop
        filled += not _is_blank(buf[pos:end])
        pos = end + 1
    return pos


def _next_header(
    buf: Buffer, start: int, stop: int, final: bool = True, hint: SearchHint | None = None
) -> int | None:
    """Where the next dump begins before `stop`, found by its dateline line. Every dateline has a
    time, so only short lines holding a colon are tried: a quick search, not a scan by regex.
    Not `final`, a stream's last line may not have ended (`09:00` before ` police said` comes):
    it decides nothing. `hint` (for a search to the buffer's end) skips what was searched."""
    search_from = _after_own_header(buf, start, stop)
    if hint is not None and hint.headerless_dump == start:
        search_from = max(search_from, hint.headerless_to)
    colon = buf.find(b":", search_from, stop)
    while colon >= 0:
        line_start = buf.rfind(b"\n", start, colon) + 1 or start
        line_end = buf.find(b"\n", colon, stop)
        if line_end < 0 and not final and stop >= len(buf):
            search_from = line_start
            break
        line_end = stop if line_end < 0 else line_end
        if line_end - line_start <= _LONGEST_DATELINE and DATELINE_LINE.fullmatch(
            buf, line_start, line_end
        ):
            begin = _header_start(buf, start, line_start)
            if begin is not None:
                return begin
        colon = buf.find(b":", line_end, stop)
    else:
        search_from = buf.rfind(b"\n", 0, stop) + 1  # the last line may still grow
    if hint is not None:
        hint.headerless_dump, hint.headerless_to = start, max(search_from, start)
    return None


def dump_starts_at(buf: Buffer, pos: int, final: bool) -> bool | None:
    """Whether a dump's header starts right at `pos`: a line, then (after at most one blank line)
    a dateline line or the same line again. None: those lines are not all there yet."""
    ends = [pos - 1]
    for _ in range(3):
        end = buf.find(b"\n", ends[-1] + 1)
        if end < 0:
            if not final:
                return None
            ends.append(len(buf))
            break
        ends.append(end)
    lines = [buf[a + 1 : b] for a, b in itertools.pairwise(ends)]
    headline = lines[0].removeprefix(BOM).strip()  # a file glued on may begin with its BOM
    if not headline:
        return False
    following = lines[1:] if lines[1:2] and lines[1].strip() else lines[2:]
    if not following:
        return False
    return following[0].strip() == headline or DATELINE_LINE.fullmatch(following[0]) is not None


def _first_payload(
    buf: Buffer, start: int, final: bool, settled: bool, hint: SearchHint | None
) -> tuple[int, DumpedValue | None] | None:
    """Where the first payload of the dump at `start` begins and its value (len(buf) and None
    when there is none); None when more input is needed to tell. The dump's first line is its
    headline, whatever it looks like: the search begins on the next line."""
    headline_end = buf.find(b"\n", start)
    if headline_end < 0:
        return (len(buf), None) if final else None
    pos, first = headline_end + 1, None
    headers = SearchHint()  # this dump's search for a next header, carried from value to value
    known_endless = final and hint is not None and hint.endless_from >= 0
    while match := find_payload(buf, pos, hint):
        if first is not None:
            if known_endless and match.start() >= hint.endless_from:  # type: ignore[union-attr]
                return first  # an earlier dump's search learnt the rest: no value ends a dump
            if _next_header(buf, start, match.start(), hint=headers) is not None:
                return first  # a new dump begins before this value: it is not this dump's
        value = read_any(buf, match.start(), final, dump_starts_at, settled)
        if value is None:
            return None
        if value is not NOT_A_PAYLOAD:
            ends = _ends_dump(buf, value, final or settled)
            if ends is None:
                return None
            if ends:
                return match.start(), value
            first = first or (match.start(), value)
        pos = match.end()
    if first is None:
        return len(buf), None
    if final and hint is not None:  # from `first` on, no value ended a dump, no header began
        hint.endless_from = first[0]
    # A value followed by text that begins no dump is body text (an article about PHP), unless
    # no other comes before the next dump: then it is the payload, followed by junk.
    if not (final or settled) and _next_header(buf, start, len(buf), False, hint) is None:
        return None  # another value may still come
    return first


def _ends_dump(buf: Buffer, value: DumpedValue, final: bool) -> bool | None:
    """Whether the input's end or a new dump follows `value` (None: more input needed)."""
    following, _ = skip_gap(buf, line_end(buf, value.end), final)
    if following >= len(buf):
        return True if final else None
    return dump_starts_at(buf, following, final)


def next_dump(
    buf: Buffer,
    pos: int,
    final: bool = True,
    settled: bool = False,
    hint: SearchHint | None = None,
) -> DumpSpan | None:
    """The dump at or after `pos`; None when none is left or (not final) more input is needed.

    `settled`: a live stream paused, and what has arrived counts as all there is when it comes
    to telling whether a complete value ends its dump (else a dump would wait for the next).
    `hint`: the same for every call on one buffer, so that its bytes are searched once."""
    start = skip_blank(buf, pos)
    if start >= len(buf):
        return None
    # PHP's messages before the headline are the dump's (its record names them), but its own
    # text, where the header and payload are sought, begins after them.
    own, _ = skip_gap(buf, start, final or settled)
    if own >= len(buf):
        return None  # nothing but PHP's messages (or more input is needed)
    found = _first_payload(buf, own, final, settled, hint)
    if found is None:
        return None
    payload_start, value = found
    whole_rest = hint if payload_start >= len(buf) else None  # the hint is for searches to the end
    if (following := _next_header(buf, own, payload_start, final, whole_rest)) is not None:
        return DumpSpan(start, following)
    if value is None:
        return DumpSpan(start, len(buf)) if final else None
    end = max(line_end(buf, value.end), payload_start + 1)
    # PHP's messages after the payload are its dump's too, not the start of another.
    end = max(end, skip_gap(buf, end, final or settled)[1])
    if not (final or settled) and end == len(buf) and buf[end - 1 : end] != b"\n":
        return None  # its line end (or a CRLF's LF) may still be on its way; at a live
        # stream's pause, a dump complete up to its last byte ends there
    return DumpSpan(start, end, payload_start, value)


class StreamSplitter:
    """Dumps cut from a stream that arrives in pieces: `feed` each piece, get the dumps it
    completed as (offset, bytes). The stream's first bytes decide whether it is text at all, as
    a file's do (`rejected`). A dump still open after `max_bytes` is cut there, so memory stays
    bounded; blank lines between dumps are dropped, so they cannot pile up."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.rejected: tuple[str, str] | None = None  # (code, message) when it is not text
        self._raw = bytearray()  # what arrived and is not yet cut into dumps
        self._scan: bytearray | None = None  # `lf_lines` of _raw, once a CR or NUL is seen
        self._held_cr = b""
        self._colours = Decolourer()
        self._base = 0  # the stream offset of _raw's first byte
        self._head = bytearray()  # the stream's first SNIFF_BYTES
        self._sniffed = False
        self._hint = SearchHint()

    def feed(self, chunk: bytes, at_end: bool, paused: bool = False) -> list[tuple[int, bytes]]:
        """The dumps completed by `chunk` (`at_end`: the stream ended after it; `paused`: a live
        stream has nothing more for now, see `next_dump`'s `settled`)."""
        chunk = self._colours.feed(chunk, at_end)
        chunk, self._held_cr = self._held_cr + chunk, b""
        if chunk.endswith(b"\r") and not at_end:
            chunk, self._held_cr = chunk[:-1], b"\r"  # a CRLF may be split across reads
        raw = self._raw
        if self._scan is None and (b"\r" in chunk or b"\0" in chunk):
            self._scan = bytearray(raw)
        raw += chunk
        if self._scan is not None:
            self._scan += lf_lines(chunk)
        # Nothing comes out before the stream's head says it is text, as a file's would (a live
        # stream that pauses is judged on the head it has).
        if not self._sniffed and (self._sniff(chunk, at_end or paused) or not self._sniffed):
            return []
        lines = raw if self._scan is None else self._scan
        dumps, pos = [], 0
        while (
            span := next_dump(
                lines, pos, at_end or len(lines) - pos > self.max_bytes, paused, self._hint
            )
        ) is not None:
            dumps.append((self._base + span.start, bytes(raw[span.start : span.end])))
            pos = span.end
        pos = skip_blank(lines, pos)
        del raw[:pos]
        if self._scan is not None:
            del self._scan[:pos]
        self._base += pos
        self._hint.shift(pos)
        return dumps

    def _sniff(self, chunk: bytes, at_end: bool) -> bool:
        """Whether the stream's head, once whole, says it is no text (then `rejected` says why).
        Only whole: in a part of it, a NUL may begin a zero-filled gap or UTF-16 text alike."""
        self._head += chunk[: SNIFF_BYTES - len(self._head)]
        complete = len(self._head) == SNIFF_BYTES or at_end
        reason = sniff(bytes(self._head)) if complete else None
        self._sniffed = complete
        if reason is not None and reason[0] == NOT_TEXT:
            self.rejected = reason
            return True
        return False
