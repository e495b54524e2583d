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

from dataclasses import dataclass, field

from . import boundaries
from .boundaries import HeaderSearch
from .colours import Decolourer
from .diagnostics import skip_gap
from .lines import Buffer, lf_lines, line_end, skip_blank
from .payload_search import PayloadSearch
from .printers import read_any
from .record import NOT_TEXT
from .sniff import SNIFF_BYTES, sniff
from .vardump import NOT_A_PAYLOAD, DumpedValue


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


@dataclass(slots=True)
class Searches:
    """What the searches of one buffer learnt, kept from dump to dump so that each byte is
    searched about once: where no payload begins, where the last dump's next header is not,
    and (of a whole input) from `endless_from` to the end no value ends a dump and no dump's
    header begins. Dumps without a payload back to back, one long one arriving on a stream, or
    many value-like lines in a body would each search the rest of the input again."""

    payloads: PayloadSearch = field(default_factory=PayloadSearch)
    headers: HeaderSearch = field(default_factory=HeaderSearch)
    endless_from: int = -1  # -1: not known

    def shift(self, removed: int) -> None:
        """The buffer lost its first `removed` bytes (a stream's consumed dumps)."""
        self.payloads.shift(removed)
        self.headers.shift(removed)
        self.endless_from = -1  # learnt of a whole input only


def next_dump(
    buf: Buffer,
    pos: int,
    final: bool = True,
    paused: bool = False,
    searches: Searches | None = None,
) -> DumpSpan | None:
    """The dump at or after `pos`; None when none is left or (not final) more input is needed.

    `paused`: a live stream paused, and what has arrived counts as all there is when it comes
    to telling whether a complete value ends its dump (else a dump would wait for the next).
    `searches`: the same for every call on one buffer, so that its bytes are searched once."""
    return _Cutter(buf, final, paused, searches or Searches()).next_dump(pos)


class _Cutter:
    """One call's reading of a buffer: where the dump at a position ends."""

    def __init__(self, buf: Buffer, final: bool, paused: bool, searches: Searches) -> None:
        self.buf = buf
        self.final = final
        self.paused = paused
        self.searches = searches

    def next_dump(self, pos: int) -> DumpSpan | None:
        buf, final, paused = self.buf, self.final, self.paused
        start = skip_blank(buf, pos)
        if start >= len(buf):
            return None
        # PHP's messages before the headline are the dump's (its record names them), but its
        # own text, where the header and payload are sought, begins after them.
        own, _ = skip_gap(buf, start, final or paused)
        if own >= len(buf):
            return None  # nothing but PHP's messages (or more input is needed)
        found = self.first_payload(own)
        if found is None:
            return None
        payload_start, value = found
        following = self.searches.headers.next_header(
            buf, own, payload_start, final, remember=payload_start >= len(buf)
        )  # what is learnt holds for searches to the buffer's end
        if following is not None:
            return DumpSpan(start, following)
        if value is None:
            return DumpSpan(start, len(buf)) if final else None
        end = max(line_end(buf, value.end), payload_start + 1)
        # PHP's messages after the payload are its dump's too, not the start of another.
        end = max(end, skip_gap(buf, end, final or paused)[1])
        if not (final or paused) and end == len(buf) and buf[end - 1 : end] != b"\n":
            return None  # its line end (or a CRLF's LF) may still be on its way; at a live
            # stream's pause, a dump complete up to its last byte ends there
        return DumpSpan(start, end, payload_start, value)

    def first_payload(self, start: int) -> tuple[int, DumpedValue | None] | None:
        """Where the first payload of the dump at `start` begins and its value (len(buf) and
        None when there is none); None when more input is needed to tell. The dump's first line
        is its headline, whatever it looks like: the search begins on the next line."""
        buf, final, searches = self.buf, self.final, self.searches
        headline_end = buf.find(b"\n", start)
        if headline_end < 0:
            return (len(buf), None) if final else None
        pos, first = headline_end + 1, None
        headers = HeaderSearch()  # this dump's search for a next header, from value to value
        endless_from = searches.endless_from if final else -1
        while match := searches.payloads.find(buf, pos):
            if first is not None:
                if 0 <= endless_from <= match.start():
                    return first  # an earlier dump's search learnt the rest: no value ends a dump
                if headers.next_header(buf, start, match.start()) is not None:
                    return first  # a new dump begins before this value: it is not this dump's
            value = read_any(buf, match.start(), boundaries, final, self.paused)
            if value is None:
                return None
            if value is not NOT_A_PAYLOAD:
                ends = self.ends_dump(value)
                if ends is None:
                    return None
                if ends:
                    return match.start(), value
                first = first or (match.start(), value)
            pos = match.end()
        if first is None:
            return len(buf), None
        if final:  # from `first` on, no value ended a dump, no header began
            searches.endless_from = first[0]
        # A value followed by text that begins no dump is body text (an article about PHP),
        # unless no other comes before the next dump: then it is the payload, followed by junk.
        if (
            not (final or self.paused)
            and searches.headers.next_header(buf, start, len(buf), False) is None
        ):
            return None  # another value may still come
        return first

    def ends_dump(self, value: DumpedValue) -> bool | None:
        """Whether the input's end or a new dump follows `value` (None: more input needed)."""
        buf, final = self.buf, self.final or self.paused
        following, _ = skip_gap(buf, line_end(buf, value.end), final)
        if following >= len(buf):
            return True if final else None
        return boundaries.starts_at(buf, following, final)


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
        self._searches = Searches()

    def feed(self, chunk: bytes, final: bool, paused: bool = False) -> list[tuple[int, bytes]]:
        """The dumps completed by `chunk` (`final`: the stream ended after it; `paused`: a live
        stream has nothing more for now: see `next_dump`)."""
        chunk = self._colours.feed(chunk, final)
        chunk, self._held_cr = self._held_cr + chunk, b""
        if chunk.endswith(b"\r") and not final:
            chunk, self._held_cr = chunk[:-1], b"\r"  # a CRLF may be split across reads
        raw = self._raw
        if self._scan is None and (b"\r" in chunk or b"\0" in chunk):
            self._scan = bytearray(raw)
        raw += chunk
        if self._scan is not None:
            self._scan += lf_lines(chunk)
        # Nothing comes out before the stream's head says it is text, as a file's would (a live
        # stream that pauses is judged on the head it has).
        if not self._sniffed and (self._sniff(chunk, final or paused) or not self._sniffed):
            return []
        lines = raw if self._scan is None else self._scan
        dumps, pos = [], 0
        while (
            span := next_dump(
                lines, pos, final or len(lines) - pos > self.max_bytes, paused, self._searches
            )
        ) is not None:
            dumps.append((self._base + span.start, bytes(raw[span.start : span.end])))
            pos = span.end
        pos = skip_blank(lines, pos)
        del raw[:pos]
        if self._scan is not None:
            del self._scan[:pos]
        self._base += pos
        self._searches.shift(pos)
        return dumps

    def _sniff(self, chunk: bytes, final: bool) -> bool:
        """Whether the stream's head, once whole, says it is no text (then `rejected` says why).
        Only whole: in a part of it, a NUL may begin a zero-filled gap or UTF-16 text alike."""
        self._head += chunk[: SNIFF_BYTES - len(self._head)]
        complete = len(self._head) == SNIFF_BYTES or final
        reason = sniff(bytes(self._head)) if complete else None
        self._sniffed = complete
        if reason is not None and reason[0] == NOT_TEXT:
            self.rejected = reason
            return True
        return False
