"""The record contract: what one article becomes, the error entry, and their JSON Schema.

Contract v2.0 (changing it is a deliberate, versioned act: bump CONTRACT_VERSION)::

    {"source": {"path": str, "index": int, "offset": int, "sha256": str},
     "headline": str, "dateline": str|null,
     "published": "YYYY-MM-DDTHH:MM:SS"|null, "published_utc": "YYYY-MM-DDTHH:MM:SSZ"|null,
     "published_precision": "day"|"minute"|"second"|null, "body": [str, ...],
     "related": [{"id": int, "sort": int, "contenttypeid": int, "pic": str,
                  "media": "image"|"video"|null, "title": str}, ...] | null,
     "payload": {"kind": "string"|"null"|"bool"|"int"|"float"|"array",
                 "declared": int|null, "actual": int, "ok": bool,
                 "printer": "var_dump"|"serialize"|"var_export"|"print_r"|"echo"} | null,
     "warnings": [str, ...]}

Records are plain dicts (typed as TypedDicts) built with their keys in this order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypedDict, TypeVar

import orjson

T = TypeVar("T")

# 1.1: warning related_partial; 1.2: php_diagnostic, payload.printer; 2.0: the time published
# in fields of one format each (published always with a time, published_utc, its precision)
CONTRACT_VERSION = "2.0"

# Warning codes, in the order they are listed in a record.
PAYLOAD_LENGTH_MISMATCH = "payload_length_mismatch"
PAYLOAD_TRUNCATED = "payload_truncated"
PAYLOAD_MISSING = "payload_missing"
RELATED_RECOVERED = "related_recovered"
RELATED_PARTIAL = "related_partial"
MOJIBAKE_REPAIRED = "mojibake_repaired"
NOT_UTF8 = "not_utf8"
HEADLINE_NOT_REPEATED = "headline_not_repeated"
DATELINE_MISSING = "dateline_missing"
DATELINE_UNPARSED = "dateline_unparsed"
WEEKDAY_MISMATCH = "weekday_mismatch"
PHP_DIAGNOSTIC = "php_diagnostic"

WARNING_CODES = (
    PAYLOAD_LENGTH_MISMATCH,
    PAYLOAD_TRUNCATED,
    PAYLOAD_MISSING,
    RELATED_RECOVERED,
    RELATED_PARTIAL,
    MOJIBAKE_REPAIRED,
    NOT_UTF8,
    HEADLINE_NOT_REPEATED,
    DATELINE_MISSING,
    DATELINE_UNPARSED,
    WEEKDAY_MISMATCH,
    PHP_DIAGNOSTIC,
)

# Rejection codes: an input that gives no record at all.
NOT_FOUND = "not_found"
NOT_A_FILE = "not_a_file"
PERMISSION_DENIED = "permission_denied"
READ_ERROR = "read_error"
EMPTY = "empty"
NOT_TEXT = "not_text"
NOT_A_DUMP = "not_a_dump"
TOO_LARGE = "too_large"
DECOMPRESS_ERROR = "decompress_error"
INTERNAL_ERROR = "internal_error"  # newsclean failed on this input (a bug: please report it)

REJECTION_CODES = (
    NOT_FOUND,
    NOT_A_FILE,
    PERMISSION_DENIED,
    READ_ERROR,
    EMPTY,
    NOT_TEXT,
    NOT_A_DUMP,
    TOO_LARGE,
    DECOMPRESS_ERROR,
    INTERNAL_ERROR,
)
# Rejections that say something about the content: the same bytes would be rejected again.
CONTENT_REJECTIONS = frozenset({EMPTY, NOT_TEXT, NOT_A_DUMP, TOO_LARGE, DECOMPRESS_ERROR})

PAYLOAD_KINDS = ("string", "null", "bool", "int", "float", "array")
PRINTERS = ("var_dump", "serialize", "var_export", "print_r", "echo")  # what printed the payload
MEDIA_KINDS = ("image", "video")
PRECISIONS = ("day", "minute", "second")  # of a dateline's time


class Source(TypedDict):
    path: str
    index: int
    offset: int
    sha256: str


class RelatedItem(TypedDict):
    id: int
    sort: int
    contenttypeid: int
    pic: str
    media: str | None
    title: str


class Payload(TypedDict):
    kind: str
    declared: int | None
    actual: int
    ok: bool
    printer: str


class JsonList(Generic[T]):
    """A long list held as JSON, a chunk of values at a time: 400,000 related items held as
    dicts took four times the bytes of their payload, and 500,000 short paragraphs as strings
    three times theirs. Iterating decodes them; `json_line` copies them once, into the record's
    line. Only `records_of` gives them (`parse_bytes` gives lists)."""

    __slots__ = ("chunks", "count")

    def __init__(self, chunks: list[bytes], count: int) -> None:
        self.chunks = chunks  # each the JSON array of a run of values
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[T]:
        for chunk in self.chunks:
            yield from orjson.loads(chunk)


_CHUNK = 4096  # values: a list longer than this is held as JSON


def json_list(values: Iterable[T]) -> list[T] | JsonList[T]:
    """`values` as a list, or past _CHUNK of them, as a `JsonList`."""
    if type(values) is list and len(values) < _CHUNK:  # most lists: as they are
        return values
    chunks: list[bytes] = []
    current: list[T] = []
    count = 0
    for value in values:
        current.append(value)
        if len(current) == _CHUNK:
            chunks.append(_exact(orjson.dumps(current)))
            count, current = count + _CHUNK, []
    if not chunks:
        return current
    if current:
        chunks.append(_exact(orjson.dumps(current)))
    return JsonList(chunks, count + len(current))


def _exact(dumped: bytes) -> bytes:
    # a copy: orjson's bytes keep the room they grew into, up to twice their length
    return memoryview(dumped).tobytes()


class Record(TypedDict):
    """One article. Plain dicts, built with their keys in contract order, serialise fast and in
    that order (orjson keeps insertion order)."""

    source: Source
    headline: str
    dateline: str | None
    published: str | None
    published_utc: str | None
    published_precision: str | None
    body: list[str] | JsonList[str]
    related: list[RelatedItem] | JsonList[RelatedItem] | None
    payload: Payload | None
    warnings: list[str]


def listed(record: Record) -> Record:
    """`record` with its lists as plain lists: the library's records are plain data."""
    if isinstance(record["body"], JsonList):
        record["body"] = list(record["body"])
    if isinstance(record["related"], JsonList):
        record["related"] = list(record["related"])
    return record


def json_line(record: Record) -> bytes:
    """`record` as a line of JSON Lines. A `JsonList` is copied once, straight into the line."""
    # the fields that may be one, in the record's order
    long = {"body": record["body"], "related": record["related"]}
    held = {key: value for key, value in long.items() if isinstance(value, JsonList)}
    if not held:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    empty: dict[str, list[object]] = {key: [] for key in held}
    without = orjson.dumps({**record, **empty}, option=orjson.OPT_APPEND_NEWLINE)
    line, at = memoryview(without), 0
    pieces: list[memoryview] = []
    for key, values in held.items():  # in the line's order: a record's keys are in one order
        # unique in a line: a key's quotes are bare, a string's are escaped
        inside = without.index(b'"%s":[' % key.encode(), at) + len(key) + 4
        pieces.append(line[at:inside])
        for index, chunk in enumerate(values.chunks):
            if index:
                pieces.append(memoryview(b","))
            pieces.append(memoryview(chunk)[1:-1])
        at = inside
    pieces.append(line[at:])
    return b"".join(pieces)


@dataclass(slots=True)
class Rejection:
    """An input that gave no record: one line of `--errors`."""

    path: str
    code: str
    message: str


def ordered_warnings(codes: set[str]) -> list[str]:
    """The warnings of a record, in the contract's order, each once."""
    return [code for code in WARNING_CODES if code in codes] if codes else []


def _closed(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a record, contract v2."""
    integer = {"type": "integer"}
    item = _closed(
        {
            "id": integer,
            "sort": integer,
            "contenttypeid": integer,
            "pic": {"type": "string"},
            "media": {"enum": [*MEDIA_KINDS, None]},
            "title": {"type": "string"},
        }
    )
    payload = _closed(
        {
            "kind": {"enum": list(PAYLOAD_KINDS)},
            "declared": {"type": ["integer", "null"], "minimum": 0},
            "actual": {"type": "integer", "minimum": 0},
            "ok": {"type": "boolean"},
            "printer": {"enum": list(PRINTERS)},
        }
    )
    source = _closed(
        {
            "path": {"type": "string"},
            "index": {"type": "integer", "minimum": 0},
            "offset": {"type": "integer", "minimum": 0},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        }
    )
    schema = _closed(
        {
            "source": source,
            "headline": {"type": "string"},
            "dateline": {"type": ["string", "null"]},
            "published": {
                "type": ["string", "null"],
                "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
                "description": "the local time the dateline printed; 00:00:00 for a day",
            },
            "published_utc": {
                "type": ["string", "null"],
                "format": "date-time",
                "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
                "description": "the same instant in UTC, where the zone is known (or --tz)",
            },
            "published_precision": {"enum": [*PRECISIONS, None]},
            "body": {"type": "array", "items": {"type": "string"}},
            "related": {"oneOf": [{"type": "null"}, {"type": "array", "items": item}]},
            "payload": {"oneOf": [{"type": "null"}, payload]},
            "warnings": {
                "type": "array",
                "items": {"enum": list(WARNING_CODES)},
                "uniqueItems": True,
            },
        }
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://newsclean.dev/schema/record/v{CONTRACT_VERSION}.json",
        "title": f"newsclean record, contract v{CONTRACT_VERSION}",
        **schema,
    }
