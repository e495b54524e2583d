r"""The pure core: bytes in, records out. No file system, no printing, no global state.

    >>> from newsclean import parse_bytes
    >>> dump = (b"Rain floods the valley\n\nRain floods the valley\n"
    ...         b"Tue Oct 25, 2016 21:36:02\n\nThe river rose overnight.\n"
    ...         b'string(2) "[]"\n')
    >>> [record] = parse_bytes(dump, "rain.txt")
    >>> record["headline"], record["published"], record["body"], record["payload"]["ok"]
    ('Rain floods the valley', '2016-10-25T21:36:02', ['The river rose overnight.'], True)

`parse_input` also says why an input gives no record at all (a `Rejection`); `parse_bytes`
returns only the records. Neither raises, whatever the bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import tzinfo

from . import record, related
from .article import Article, read_article
from .colours import without_colours
from .diagnostics import holds_a_block, may_hold_a_block, without_blocks
from .lines import lf_lines
from .record import JsonList, Payload, Record, Rejection, RelatedItem, listed
from .sniff import sniff
from .splitter import DumpSpan, Searches, next_dump
from .textrepair import BOM, clean, repair, to_text, unify_newlines
from .vardump import DumpedValue


@dataclass(slots=True)
class Parsed:
    """What one input gave: its records, or why it gave none."""

    records: list[Record] = field(default_factory=list)
    rejection: Rejection | None = None


def _decoder(warnings: set[str]) -> Callable[[bytes], str]:
    """bytes to text (see `textrepair.to_text`), noting in `warnings` what it had to do."""

    def to_text_noting(raw: bytes) -> str:
        text, not_utf8, repaired = to_text(raw)
        if not_utf8:
            warnings.add(record.NOT_UTF8)
        if repaired:
            warnings.add(record.MOJIBAKE_REPAIRED)
        return text

    return to_text_noting


def _related(
    value: DumpedValue, to_text: Callable[[bytes], str], warnings: set[str]
) -> list[RelatedItem] | JsonList[RelatedItem] | None:
    if value.kind == "array" and value.array is not None:
        items, all_items = related.from_php_array(value.array, to_text, clean)
        if value.odd or not (all_items or value.truncated):  # a cut one: payload_truncated
            warnings.add(record.RELATED_PARTIAL)
        return items
    if value.kind != "string" or value.content is None:
        return None

    def repair_noting(text: str) -> str:
        repaired, changed = repair(text)
        if changed:
            warnings.add(record.MOJIBAKE_REPAIRED)
        return repaired

    items, recovered = related.from_json_payload(value, to_text, clean, repair_noting)
    if recovered:
        warnings.add(record.RELATED_RECOVERED)
    return items


def _payload_fields(
    value: DumpedValue | None, to_text: Callable[[bytes], str], warnings: set[str]
) -> tuple[Payload | None, list[RelatedItem] | JsonList[RelatedItem] | None]:
    if value is None:
        warnings.add(record.PAYLOAD_MISSING)
        return None, None
    if value.truncated:
        warnings.add(record.PAYLOAD_TRUNCATED)
    elif not value.ok:
        warnings.add(record.PAYLOAD_LENGTH_MISMATCH)
    payload: Payload = {
        "kind": value.kind,
        "declared": value.declared,
        "actual": value.actual,
        "ok": value.ok,
        "printer": value.printer,
    }
    return payload, _related(value, to_text, warnings)


def _article(
    scan: bytes, span: DumpSpan, to_text: Callable[[bytes], str], tz: tzinfo | None
) -> tuple[Article, bool]:
    """The article of a dump's text part, and whether PHP's messages were cut out of it. Its
    bytes and its text are temporaries, let go once the text is split: a large dump's body may
    be most of it."""
    if not may_hold_a_block(scan, span.start, span.text_end):  # nearly every dump
        return read_article(_text(scan[span.start : span.text_end], to_text), tz), False
    text, diagnostics = without_blocks(scan[span.start : span.text_end])
    return read_article(_text(text, to_text), tz), diagnostics


def _text(text_bytes: bytes, to_text: Callable[[bytes], str]) -> str:
    return unify_newlines(to_text(text_bytes.removeprefix(BOM)))


def _with_nul_bytes(value: DumpedValue, data: bytes) -> DumpedValue:
    """A string read where NUL bytes were made line ends (`lf_lines`), with its bytes as they are
    in `data`: a NUL counted in its length is its byte (`to_text` drops it), not a line end."""
    if value.kind != "string" or not value.ok or value.content is None:
        return value
    content = data[value.end - 1 - len(value.content) : value.end - 1]
    return value if b"\0" not in content else replace(value, content=content)


def _record(
    data: bytes, scan: bytes, span: DumpSpan, source: tuple[str, int, int], tz: tzinfo | None
) -> Record:
    """The record of one dump.

    `source` is the path, the dump's index and the offset of `data` in its input.
    """
    warnings: set[str] = set()
    to_text = _decoder(warnings)
    article, diagnostics = _article(scan, span, to_text, tz)
    if diagnostics or (
        span.payload is not None and holds_a_block(scan, span.payload.end, span.end)
    ):
        warnings.add(record.PHP_DIAGNOSTIC)
    value = span.payload
    if value is not None and scan is not data:
        value = _with_nul_bytes(value, data)
    payload, items = _payload_fields(value, to_text, warnings)
    warnings |= article.warnings
    whole = span.start == 0 and span.end == len(data)  # one dump a file: hash it without a copy
    digest = hashlib.sha256(data if whole else data[span.start : span.end]).hexdigest()
    path, index, base = source
    when = article.when
    result: Record = {
        "source": {"path": path, "index": index, "offset": base + span.start, "sha256": digest},
        "headline": article.headline,
        "dateline": article.dateline,
        "published": None if when is None else when.published,
        "published_utc": None if when is None else when.published_utc,
        "published_precision": None if when is None else when.precision,
        "body": article.body,
        "related": items,
        "payload": payload,
        "warnings": record.ordered_warnings(warnings),
    }
    return result


NOT_A_DUMP_MESSAGE = "no headline with a dateline, a repeated headline or a payload"


def looks_like_a_dump(result: Record) -> bool:
    """Whether a record is a dump's at all: a headline, with a dateline, its repetition or a
    payload. An input none of whose records is one is `not_a_dump`."""
    return bool(result["headline"]) and (
        result["payload"] is not None
        or result["dateline"] is not None
        or record.HEADLINE_NOT_REPEATED not in result["warnings"]
    )


def records_of(
    data: bytes, path: str = "-", tz: tzinfo | None = None
) -> Rejection | Iterator[Record]:
    """The records of every dump in `data`, one by one (so that a file of 200,000 dumps is never
    held whole as records), or why `data` is plainly no dump. Whether any record looks like a
    dump's (else the input is `not_a_dump`: `looks_like_a_dump`) is the caller's to tell. A long
    list (of paragraphs or related items) is a `record.JsonList` here: `record.json_line` writes
    the records."""
    data = without_colours(data)
    if reason := sniff(data):
        return Rejection(path, *reason)
    return _records(data, path, tz)


def _records(data: bytes, path: str, tz: tzinfo | None) -> Iterator[Record]:
    scan = lf_lines(data)
    pos, index, searches = 0, 0, Searches()
    while (span := next_dump(scan, pos, searches=searches)) is not None:
        source = (path, index, span.start)
        if span.start == 0 and span.end == len(data):  # one dump: the input is its bytes
            one = _record(data, scan, span, source, tz)
        else:  # a dump's record depends on its own bytes only, as when a stream cuts it
            one = _dump_record(data[span.start : span.end], source, tz)
        pos, index = span.end, index + 1
        del span  # it holds the payload's bytes: not kept while the caller writes the record
        yield one
        del one  # nor the record while the next one is read


def parse_input(data: bytes, path: str = "-", tz: tzinfo | None = None) -> Parsed:
    """Every dump in `data` as a record, or the reason `data` holds none. Never raises."""
    records_or_reason = records_of(data, path, tz)
    if isinstance(records_or_reason, Rejection):
        return Parsed(rejection=records_or_reason)
    records = [listed(one) for one in records_or_reason]
    if not any(map(looks_like_a_dump, records)):
        return Parsed(rejection=not_a_dump(path))
    return Parsed(records)


def not_a_dump(path: str) -> Rejection:
    return Rejection(path, record.NOT_A_DUMP, NOT_A_DUMP_MESSAGE)


def parse_bytes(data: bytes, path: str = "-", tz: tzinfo | None = None) -> list[Record]:
    """The records of every dump in `data` (none when it holds no dump). Never raises."""
    return parse_input(data, path, tz).records


def parse_dump(
    data: bytes, path: str = "-", index: int = 0, offset: int = 0, tz: tzinfo | None = None
) -> Record:
    """The record of one dump already cut from a stream by `splitter.next_dump`."""
    return listed(dump_record(data, path, index, offset, tz))


def dump_record(
    data: bytes, path: str = "-", index: int = 0, offset: int = 0, tz: tzinfo | None = None
) -> Record:
    """`parse_dump`'s record, its long lists `JsonList`s (as `records_of`)."""
    return _dump_record(data, (path, index, offset), tz)


def _dump_record(dump: bytes, source: tuple[str, int, int], tz: tzinfo | None) -> Record:
    """The record of one dump's bytes, cut from their input (`source`: path, index, offset)."""
    scan = lf_lines(dump)
    span = next_dump(scan, 0) or DumpSpan(0, len(dump))
    span.end = len(dump)
    return _record(dump, scan, span, source, tz)
