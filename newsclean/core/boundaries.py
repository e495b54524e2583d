"""The dump's header, and so where a dump begins: what the splitter and the value grammar
(`vardump`, which is given this module as its `DumpEnds`) know of the edges between dumps.

    Heavy rain floods the valley                  the headline
    (blank line, in some scrapers' dumps)
    Heavy rain floods the valley                  the headline again
    Tue Oct 25, 2016 21:36:02                     the dateline (`dateline.DATELINE_LINE`)

A new dump begins at a headline line followed by a dateline line, or by the headline again
(after at most one blank line). `cat` of a file without a final newline glues the next dump's
headline onto the last line of the one before: `glued_at` finds it there.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from .dateline import DATELINE_LINE
from .lines import Buffer, is_blank, line_start
from .textrepair import BOM

_LONGEST_DATELINE = 80
_OWN_HEADER_LINES = 3  # headline, headline again, dateline


def starts_at(buf: Buffer, pos: int, final: bool) -> bool | None:
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


def glued_at(buf: Buffer, line_start: int, newline: int) -> int | None:
    """Where a dump glued onto the end of this line begins: the scraper's header `H`, blank,
    `H`, dateline, whose first `H` ends the line (the file before it had no final newline)."""
    blank = buf.find(b"\n", newline + 1)
    repeat_end = buf.find(b"\n", blank + 1) if blank >= 0 else -1
    if repeat_end < 0 or buf[newline + 1 : blank].strip():
        return None
    repeated = bytes(buf[blank + 1 : repeat_end]).strip()
    line = bytes(buf[line_start:newline]).rstrip()
    if not repeated or len(line) <= len(repeated) or not line.endswith(repeated):
        return None
    at = line_start + len(line) - len(repeated)
    at -= 3 * (buf[at - 3 : at] == BOM and at - 3 > line_start)  # the glued file's BOM
    dateline_end = buf.find(b"\n", repeat_end + 1)
    dateline_end = len(buf) if dateline_end < 0 else dateline_end
    return at if DATELINE_LINE.fullmatch(buf, repeat_end + 1, dateline_end) else None


def holds_a_dateline(buf: Buffer, start: int, end: int) -> bool:
    """Whether a line that begins after `start` and ends by `end` is a dateline: text that
    reaches into the next dump's header."""
    begins = buf.find(b"\n", start, end) + 1
    while 0 < begins < end:
        ends = buf.find(b"\n", begins, end)
        ends = end if ends < 0 else ends
        if DATELINE_LINE.fullmatch(buf, begins, ends):
            return True
        begins = ends + 1
    return False


@dataclass(slots=True)
class HeaderSearch:
    """The search for the next dump's header after a dump's own, remembering how far it found
    none (for the dump at `dump`, none begins before `clear_to`): a dump arriving on a stream,
    or one searched again to each value-like line in its body, is searched about once."""

    dump: int = -1
    clear_to: int = 0

    def next_header(
        self, buf: Buffer, start: int, stop: int, final: bool = True, remember: bool = True
    ) -> int | None:
        """Where the dump after the one at `start` begins before `stop`, found by its dateline
        line. Every dateline has a time, so only short lines holding a colon are tried: a quick
        search, not a scan by regex. Not `final`, a stream's last line may not have ended
        (`09:00` before ` police said` comes): it decides nothing. `remember`: what is learnt
        holds for later searches (a search to the buffer's end)."""
        search_from = _after_own_header(buf, start, stop)
        if remember and self.dump == start:
            search_from = max(search_from, self.clear_to)
        colon = buf.find(b":", search_from, stop)
        while colon >= 0:
            begins = buf.rfind(b"\n", start, colon) + 1 or start
            ends = buf.find(b"\n", colon, stop)
            if ends < 0 and not final and stop >= len(buf):
                search_from = begins
                break
            ends = stop if ends < 0 else ends
            if ends - begins <= _LONGEST_DATELINE and DATELINE_LINE.fullmatch(buf, begins, ends):
                header = _header_start(buf, start, begins)
                if header is not None:
                    return header
            colon = buf.find(b":", ends, stop)
        else:
            search_from = buf.rfind(b"\n", 0, stop) + 1  # the last line may still grow
        if remember:
            self.dump, self.clear_to = start, max(search_from, start)
        return None

    def shift(self, removed: int) -> None:
        """The buffer lost its first `removed` bytes (a stream's consumed dumps)."""
        self.dump -= removed
        self.clear_to = max(self.clear_to - removed, 0)


def _header_start(buf: Buffer, start: int, dateline_at: int) -> int | None:
    """Where the dump whose dateline line starts at `dateline_at` begins, if it is a new one.
    `dateline_at` lies after the own header of the dump at `start` (`_after_own_header`), so the
    line before it is never that dump's headline or its repetition."""
    headline_at = line_start(buf, dateline_at - 1)
    headline = buf[headline_at : dateline_at - 1].strip()
    if not headline:
        return None
    if headline_at >= 2:
        blank_at = line_start(buf, headline_at - 1)
        first_at = line_start(buf, blank_at - 1) if blank_at >= 1 else blank_at
        blank_ok = is_blank(buf[blank_at : headline_at - 1])
        first = buf[first_at : blank_at - 1].removeprefix(BOM).strip()
        if blank_ok and first_at > start and first == headline:
            return first_at
        if blank_ok and (glued := glued_at(buf, max(first_at, start), blank_at - 1)):
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
        filled += not is_blank(buf[pos:end])
        pos = end + 1
    return pos
