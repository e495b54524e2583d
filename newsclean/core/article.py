"""The article's text: headline, dateline and body paragraphs, read from a dump's text part.

    Headline
    <blank>
    Headline                      (repeated; given once: headline_not_repeated)
    Tue Oct 25, 2016 21:36:02     (missing: dateline_missing; not understood: dateline_unparsed)
    <blank>
    paragraph, one or more lines
    <blank>
    paragraph ...

A line holding only white space (NBSP included) is blank.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo

from . import record
from .dateline import Dateline, looks_like_dateline, parse_dateline
from .record import JsonList, json_list
from .textrepair import clean

_HEADER_LINES = 12
_SPLIT_AT_ONCE = 1 << 20  # characters: a longer body is split a block at a time


@dataclass(slots=True)
class Article:
    headline: str = ""
    dateline: str | None = None
    when: Dateline | None = None  # what the dateline says of the time
    body: list[str] | JsonList[str] = field(default_factory=list)
    warnings: set[str] = field(default_factory=set)
    headline_repeated: bool = False


def _filled(line: str) -> bool:
    return bool(line) and not line.isspace()


def _next_filled(lines: list[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if _filled(lines[index]):
            return index
    return None


def _blocks(text: str, at: int) -> Iterable[str]:
    """The blocks of the body starting at `at` (the text between two newlines in a row). A long
    body's one at a time: 500,000 short ones at once took three times their bytes."""
    if len(text) - at <= _SPLIT_AT_ONCE:
        return (text[at:] if at else text).split("\n\n")
    return _each_block(text, at)


def _each_block(text: str, at: int) -> Iterator[str]:
    while (end := text.find("\n\n", at)) >= 0:
        yield text[at:end]
        at = end + 2
    yield text[at:]


def _paragraphs(blocks: Iterable[str]) -> Iterator[str]:
    """Paragraphs of the body's blocks, each cleaned."""
    for block in blocks:
        if not block or block.isspace():  # the newlines before the payload, most often
            continue
        if "\n" not in block:
            yield clean(block)
            continue
        current: list[str] = []  # lines of a paragraph, or blank lines holding white space
        for line in block.split("\n"):
            if _filled(line):
                current.append(line)
            elif current:
                yield clean(" ".join(current))
                current = []
        if current:
            yield clean(" ".join(current))


def _read_dateline(article: Article, lines: list[str], slot: int, tz: tzinfo | None) -> int:
    """Fill in the dateline from the line after the headline(s); return where the body starts."""
    filled = _next_filled(lines, slot)
    if filled is None:
        article.warnings.add(record.DATELINE_MISSING)
        return slot
    candidate = clean(lines[filled])
    parsed = parse_dateline(candidate, tz)
    if parsed is not None:
        article.dateline, article.when = candidate, parsed
        if not parsed.weekday_ok:
            article.warnings.add(record.WEEKDAY_MISMATCH)
        return filled + 1
    if filled == slot and looks_like_dateline(candidate):
        article.dateline = candidate
        article.warnings.add(record.DATELINE_UNPARSED)
        return filled + 1
    article.warnings.add(record.DATELINE_MISSING)
    return slot


def read_article(text: str, tz: tzinfo | None = None) -> Article:
    """Headline, dateline and body of a dump's text (LF line ends, before the payload)."""
    header = _scraper_header(text, tz)
    if header is None:
        return by_lines(text, tz)
    article, body_at = header
    article.body = json_list(_paragraphs(_blocks(text, body_at)))
    return article


def by_lines(text: str, tz: tzinfo | None = None) -> Article:
    """`read_article` for any layout: line by line. The header is in the first lines; the rest
    stays whole."""
    lines = text.split("\n", _HEADER_LINES)
    header = _read_header(lines, tz, whole=len(lines) <= _HEADER_LINES)
    if header is None:  # a header spread over more lines than that
        lines = text.split("\n")
        header = _read_header(lines, tz, whole=True)
    assert header is not None  # every line is there: the header cannot reach past them
    article, body_start = header
    body_at = sum(len(line) + 1 for line in lines[:body_start])
    del lines  # the rest of the text, in one piece: not held while the body is read
    article.body = json_list(_paragraphs(_blocks(text, body_at)))
    return article


def _scraper_header(text: str, tz: tzinfo | None) -> tuple[Article, int] | None:
    """The header in the scraper's own layout (`H`, blank, `H`, a dateline we read), the most
    common by far, and where the body starts: read in place, without splitting the text. None
    for any other layout."""
    headline_end = text.find("\n\n")
    if headline_end < 0 or text.find("\n", 0, headline_end) >= 0:
        return None
    repeat_at = headline_end + 2
    block_end = text.find("\n\n", repeat_at)
    block_end = len(text) if block_end < 0 else block_end
    repeat_end = text.find("\n", repeat_at, block_end)
    if repeat_end < 0 or text.find("\n", repeat_end + 1, block_end) >= 0:
        return None  # not two lines: the repeated headline and a dateline
    given, repeat = text[:headline_end], text[repeat_at:repeat_end]
    headline = clean(given)
    if not headline or (repeat != given and clean(repeat) != headline):
        return None
    dateline = text[repeat_end + 1 : block_end]
    candidate = clean(dateline)
    parsed = parse_dateline(candidate, tz)
    if parsed is None:
        return None
    article = Article(headline, candidate, parsed, headline_repeated=True)
    if not parsed.weekday_ok:
        article.warnings.add(record.WEEKDAY_MISMATCH)
    return article, block_end + 2


def _read_header(lines: list[str], tz: tzinfo | None, whole: bool) -> tuple[Article, int] | None:
    """The header and where the body starts; None if it reaches the unsplit rest of the text
    (the last of `lines`, unless they are `whole`)."""
    article = Article()
    last = len(lines) if whole else len(lines) - 1
    first = _next_filled(lines, 0)
    if first is None:
        article.warnings.update((record.HEADLINE_NOT_REPEATED, record.DATELINE_MISSING))
        return article, len(lines)
    article.headline = clean(lines[first])
    second = _next_filled(lines, first + 1)
    if second is not None and clean(lines[second]) == article.headline:
        article.headline_repeated = True
        slot = second + 1
    else:
        article.warnings.add(record.HEADLINE_NOT_REPEATED)
        slot = first + 1
    dateline_at = _next_filled(lines, slot)
    if max(first, second or 0, dateline_at or 0) >= last:
        return None
    return article, _read_dateline(article, lines, slot, tz)
