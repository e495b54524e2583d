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

from dataclasses import dataclass, field
from datetime import tzinfo

from . import record
from .dateline import looks_like_dateline, parse_dateline
from .textrepair import clean


@dataclass(slots=True)
class Article:
    headline: str = ""
    dateline: str | None = None
    published: str | None = None
    body: list[str] = field(default_factory=list)
    warnings: set[str] = field(default_factory=set)
    headline_repeated: bool = False


def _filled(line: str) -> bool:
    return bool(line) and not line.isspace()


def _next_filled(lines: list[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if _filled(lines[index]):
            return index
    return None


def _paragraphs(lines: list[str], start: int) -> list[str]:
    paragraphs, current = [], []
    for line in lines[start:]:
        if _filled(line):
            current.append(line)
        elif current:
            paragraphs.append(clean(" ".join(current)))
            current = []
    if current:
        paragraphs.append(clean(" ".join(current)))
    return paragraphs


def _read_dateline(article: Article, lines: list[str], slot: int, tz: tzinfo | None) -> int:
    """Fill in the dateline from the line after the headline(s); return where the body starts."""
    found = _next_filled(lines, slot)
    if found is None:
        article.warnings.add(record.DATELINE_MISSING)
        return slot
    candidate = clean(lines[found])
    parsed = parse_dateline(candidate, tz)
    if parsed is not None:
        article.dateline, article.published = candidate, parsed.published
        if not parsed.weekday_ok:
            article.warnings.add(record.WEEKDAY_MISMATCH)
        return found + 1
    if found == slot and looks_like_dateline(candidate):
        article.dateline = candidate
        article.warnings.add(record.DATELINE_UNPARSED)
        return found + 1
    article.warnings.add(record.DATELINE_MISSING)
    return slot


def read_article(text: str, tz: tzinfo | None = None) -> Article:
    """Headline, dateline and body of a dump's text (LF line ends, before the payload)."""
    article = Article()
    lines = text.split("\n")
    first = _next_filled(lines, 0)
    if first is None:
        article.warnings.update((record.HEADLINE_NOT_REPEATED, record.DATELINE_MISSING))
        return article
    article.headline = clean(lines[first])
    second = _next_filled(lines, first + 1)
    if second is not None and clean(lines[second]) == article.headline:
        article.headline_repeated = True
        slot = second + 1
    else:
        article.warnings.add(record.HEADLINE_NOT_REPEATED)
        slot = first + 1
    body_start = _read_dateline(article, lines, slot, tz)
    article.body = _paragraphs(lines, body_start)
    return article
