"""PHP's own messages in a dump: what PHP prints for an error, a warning, a notice or a
deprecation while the scraper runs with display_errors on, logged or not, and what Xdebug and
uncaught exceptions add after them. They are no article text, and no article.

    Warning: Undefined variable $x in /var/www/scrape.php on line 12
    PHP Warning:  Undefined variable $x in /var/www/scrape.php on line 12     (logged)
    PHP Stack trace:
    PHP   1. {main}() /var/www/scrape.php:0
    Fatal error: Uncaught RuntimeException: boom in /var/www/scrape.php:2
    Stack trace:
    #0 {main}
      thrown in /var/www/scrape.php on line 2

    Call Stack:                                                                (Xdebug)
        0.0001     392160   1. {main}() /var/www/scrape.php:0

A block is the message line and the lines that belong to it (stack traces, Xdebug's echo of
an uncaught exception), blank lines between them included.
"""

from __future__ import annotations

import re

from .lines import Buffer, skip_blank

_KIND = (
    rb"(?:Fatal error|Recoverable fatal error|Catchable fatal error|Parse error|Warning|Notice"
    rb"|Deprecated|Strict Standards|(?:Core|Compile|User) (?:Warning|Error|Notice|Deprecated))"
)
_LINE_END = rb"[ \t]*(?:\r?\n|\Z)"
_MESSAGE = re.compile(
    rb"(?:PHP )?" + _KIND + rb":  ?[^\r\n]{0,8192}?(?: on line \d{1,9}|:\d{1,9})" + _LINE_END
)
_BELONGING = re.compile(
    rb"(?:[ \t]*\r?\n){0,3}"
    rb"(?:(?:PHP )?Stack trace:|Call Stack:|#\d{1,6} [^\r\n]{0,8192}|PHP {1,4}\d{1,6}\. [^\r\n]{0,8192}"
    rb"|[ \t]+\d{1,9}\.\d{1,9}[ \t]+\d{1,18}[ \t]+\d{1,6}\. [^\r\n]{0,8192}"
    rb"|  thrown in [^\r\n]{0,8192} on line \d{1,9}"
    rb"|[A-Za-z_\\][\w\\]{0,400}: [^\r\n]{0,8192} on line \d{1,9})" + _LINE_END
)
# Where a message may begin: quick to search for, each a literal at a line's start.
_MESSAGE_START = re.compile(
    rb"^(?:PHP )?(?:Fatal|Recoverable|Catchable|Parse|Warning|Notice|Deprecated|Strict|Core"
    rb"|Compile|User)",
    re.MULTILINE,
)


def block_end(buf: Buffer, pos: int) -> int | None:
    """Where the diagnostic block at `pos` (a line's start) ends; None when there is none."""
    message = _MESSAGE.match(buf, pos)
    if message is None:
        return None
    end = message.end()
    while (more := _BELONGING.match(buf, end)) is not None and more.end() > end:
        end = more.end()
    return end


def skip_gap(buf: Buffer, pos: int, final: bool = True) -> tuple[int, int]:
    """Past the blank lines and diagnostic blocks at `pos`: (where they end, where the last
    block ends, or `pos` when there is none). Not `final`, a block whose last line has not
    ended may go on: the gap then reaches the buffer's end (more input is needed)."""
    last, at = pos, skip_blank(buf, pos)
    while at < len(buf) and buf[at] in _FIRST_BYTES:
        line_start = buf.rfind(b"\n", 0, at) + 1
        end = block_end(buf, line_start) if line_start >= pos else None
        if end is None:
            break
        if not final and (end >= len(buf) or buf.find(b"\n", end) < 0):
            return len(buf), len(buf)
        last, at = end, skip_blank(buf, end)
    return at, last


_EVERY_BLOCK_HOLDS = b" on line "  # a message, or the `thrown in ...` after an uncaught one
_FIRST_BYTES = frozenset(b"PFRCWNDSU")  # of a message line (`PHP `, `Fatal`, ..., `User`)


def without_blocks(text: bytes) -> tuple[bytes, bool]:
    """`text` without the diagnostic blocks in it, and whether there were any."""
    if _EVERY_BLOCK_HOLDS not in text:  # nearly every dump: one quick look
        return text, False
    kept, at, any_block = [], 0, False
    for start in _MESSAGE_START.finditer(text):
        if start.start() < at:
            continue
        end = block_end(text, start.start())
        if end is not None:
            kept.append(text[at : start.start()])
            at, any_block = end, True
    kept.append(text[at:])
    return b"".join(kept), any_block


def may_hold_a_block(buf: Buffer, start: int, end: int) -> bool:
    """Whether [start, end) may hold a diagnostic block: False for nearly every dump, quickly."""
    return buf.find(_EVERY_BLOCK_HOLDS, start, end) >= 0


def holds_a_block(buf: Buffer, start: int, end: int) -> bool:
    """Whether a diagnostic block begins at a line's start in [start, end)."""
    if not may_hold_a_block(buf, start, end):
        return False
    return any(
        block_end(buf, match.start()) is not None
        for match in _MESSAGE_START.finditer(buf, start, end)
    )
