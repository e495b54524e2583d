"""Where a dump's payload may begin: a line that begins like a value of var_dump (`vardump`),
perhaps after Xdebug's `file:LINE:` prefix (on the value's line or its own), or like one of
PHP's other printers (`printers`). Whether it is the payload, the splitter decides by reading it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lines import Buffer, line_start
from .printers import OTHER_HEAD, OTHER_WORDS
from .vardump import VALUE_HEAD, VALUE_START, VALUE_WORDS, XDEBUG_PREFIX

# The value without a prefix is tried first: Xdebug's prefix costs a scan of the line, paid only
# when the line is no plain value.
PAYLOAD_START = re.compile(
    rb"^(?:" + VALUE_HEAD + rb"|" + XDEBUG_PREFIX + VALUE_HEAD + rb"|" + OTHER_HEAD + rb")",
    re.MULTILINE,
)
# Quick to search for (each begins with a literal): where a payload may begin, at a line's start
# or after Xdebug's `:LINE:`.
_LINE_WORD = re.compile(rb"\n(?:" + VALUE_WORDS + rb"|" + OTHER_WORDS + rb")")
_PREFIXED_WORD = re.compile(rb":(?:" + VALUE_WORDS + rb")")
_XDEBUG_OWN_LINE = re.compile(rb"[^\r\n]{0,4096}?:\d{1,9}:[ \t]*\r?\n")
_LONGEST_WORD = 16  # a candidate's `\n` or `:` and value word, which may straddle `clear_to`


@dataclass(slots=True)
class PayloadSearch:
    """The search for payloads in one buffer, remembering that no payload line begins in
    [clear_from, clear_to): many dumps without a payload before one that has it, or one long
    dump arriving on a stream, would each search to it again (quadratic time); so each byte is
    searched about once."""

    clear_from: int = 0
    clear_to: int = 0

    def find(self, buf: Buffer, pos: int) -> re.Match[bytes] | None:
        """The first payload starting at or after `pos` (at a line's start), found without a
        slow line-by-line regex scan: candidates are the lines where a value's first word begins
        the line or follows Xdebug's `:LINE:`. A payload whose value has Xdebug's prefix on the
        line before begins with that line."""
        start, search = pos, pos
        if self.clear_from <= pos < self.clear_to:
            search = max(pos, self.clear_to - _LONGEST_WORD)
        while (word := _candidate(buf, search)) is not None:
            begins = line_start(buf, word.start() + 1)
            if begins >= pos and (match := PAYLOAD_START.match(buf, begins)):
                found = _with_own_line_prefix(buf, match, pos)
                self.clear_from, self.clear_to = start, found.start()
                return found
            ends = buf.find(b"\n", max(begins, word.start() + 1))  # this line is no payload
            if ends < 0:
                break
            pos = search = ends + 1
        # clear up to the last line, which a stream may still be sending
        self.clear_from, self.clear_to = start, max(buf.rfind(b"\n") + 1, start)
        return None

    def shift(self, removed: int) -> None:
        """The buffer lost its first `removed` bytes (a stream's consumed dumps)."""
        self.clear_from = max(self.clear_from - removed, 0)
        self.clear_to = max(self.clear_to - removed, 0)


def _candidate(buf: Buffer, pos: int) -> re.Match[bytes] | None:
    """The first value word at or after `pos` that begins a line or follows a colon."""
    line_word = _LINE_WORD.search(buf, max(pos - 1, 0))
    limit = len(buf) if line_word is None else line_word.start()
    return _PREFIXED_WORD.search(buf, pos, limit) or line_word


def _with_own_line_prefix(buf: Buffer, match: re.Match[bytes], pos: int) -> re.Match[bytes]:
    if match.start() < 2 or not VALUE_START.match(buf, match.start()):
        return match
    previous = line_start(buf, match.start() - 1)
    if previous >= pos and _XDEBUG_OWN_LINE.fullmatch(buf, previous, match.start()):
        return PAYLOAD_START.match(buf, previous) or match
    return match
