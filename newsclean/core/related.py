"""Related items: the payload's list of articles, recovered exactly.

The scraper builds the JSON by concatenation: `[{"id":"1","sort":"2","contenttypeid":"21",
"pic":"/x.jpg","title":"..."} ,{...} ]`, with slashes and quotes in titles left unescaped. Strict
JSON is tried first (it is fast and right for most payloads); when it fails, a parser that knows
the field layout takes over: a title ends at the first `"}` that is followed either by the start
of a whole next item or by the closing `]` at the end, so a title may hold `"`, `","`, `} ,{`,
braces and backslashes.

Because the scraper never escapes, a backslash in a title is literal: strict JSON would read
`\\n` or `\\"` as escapes, so payloads with backslashes go to the layout parser, except those in
real JSON encoding (PHP's json_encode writes every slash as `\\/`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

import orjson

from .record import JsonList, RelatedItem, json_list
from .vardump import DumpedValue, PhpArray

_INT = r'"?(-?\d{1,18})"?'  # \d: decimal digits of any script, as `int()` reads them
_ITEM_HEAD = re.compile(
    r'\{\s*"id"\s*:\s*' + _INT + r'\s*,\s*"sort"\s*:\s*' + _INT
    + r'\s*,\s*"contenttypeid"\s*:\s*' + _INT
    + r'\s*,\s*"pic"\s*:\s*"([^"]*)"\s*,\s*"title"\s*:\s*"'
)  # fmt: skip
_FIELDS = ("id", "sort", "contenttypeid", "pic", "title")
_TITLE_CLOSE = re.compile(r'"\s*\}')
_SEPARATOR = re.compile(r"\s*,\s*")
_LIST_END = re.compile(r"\s*\]\s*\Z")
_LIST_START = re.compile(r"\s*\[\s*")
_BLANK_TO_END = re.compile(r"\s*\Z")
_BETWEEN_ITEMS = re.compile(rb"\}\s*,\s*\{")  # where `_pieces` may cut a list
_BETWEEN_TEXT = re.compile(r"\}\s*,\s*\{")
_LIST_START_BYTES = re.compile(rb"\s*\[")
_PIECE_CHARS = 1 << 20  # strict JSON longer than this is read a piece of whole items at a time
_IMAGE = frozenset(
    ["jpg", "jpeg", "png", "gif", "webp", "bmp", "svg", "avif", "tif", "tiff", "heic"]
)
_VIDEO = frozenset(
    [
        "mp4",
        "m4v",
        "mov",
        "webm",
        "avi",
        "mkv",
        "flv",
        "wmv",
        "mpg",
        "mpeg",
        "3gp",
        "ogv",
        "m3u8",
        "ts",
    ]
)

# The endings most pictures have, looked up whole before the general rule.
_MEDIA_BY_TAIL = {
    f".{ext}": kind
    for exts, kind in ((_IMAGE, "image"), (_VIDEO, "video"))
    for ext in exts
    if len(ext) == 3
}

Clean = Callable[[str], str]


def media_of(pic: str) -> str | None:
    """ "image" or "video" from the picture's extension, else None."""
    if (common := _MEDIA_BY_TAIL.get(pic[-4:])) is not None:
        return common
    path = pic.split("?", 1)[0].split("#", 1)[0] if "?" in pic or "#" in pic else pic
    dot = path.rfind(".")
    if dot < 0 or "/" in path[dot:]:
        return None
    extension = path[dot + 1 :].lower()
    if extension in _IMAGE:
        return "image"
    if extension in _VIDEO:
        return "video"
    return None


def _as_int(value: object) -> int:
    """An integer written as a JSON number or a string of decimal digits, in any script
    (`١٢٣` and `۱۲۳` are 123); ValueError otherwise."""
    if type(value) is str:  # the scraper's: the first test, as most are
        if value.isdecimal() and len(value) <= 18:
            return int(value)
        if value[:1] == "-" and value[1:].isdecimal() and len(value) <= 19:
            return int(value)
    elif type(value) is int and abs(value) < 2**63:
        return value
    raise ValueError(value)


def _item(fields: dict[str, object], clean: Clean) -> RelatedItem:
    """The item of a parsed JSON object or PHP array; KeyError, TypeError or ValueError if it is
    not one."""
    pic, title = fields["pic"], fields["title"]
    if type(pic) is not str or type(title) is not str:
        raise TypeError(fields)
    return {
        "id": _as_int(fields["id"]),
        "sort": _as_int(fields["sort"]),
        "contenttypeid": _as_int(fields["contenttypeid"]),
        "pic": pic,
        "media": media_of(pic),
        "title": clean(title),
    }


def _strict(text: str | bytes, clean: Clean) -> list[RelatedItem] | JsonList[RelatedItem] | None:
    """The items of `text` read as strict JSON; None if it is not a list of whole items. A long
    list is read in pieces: all the items at once as objects took 18 times their bytes.
    A piece that fails may be cut inside a title holding `},{`: then it is read whole."""
    if len(text) <= _PIECE_CHARS:  # most payloads: one piece
        return _strict_pieces([_decoded(text)], clean)
    found = _strict_pieces(_pieces(text), clean)
    return found if found is not None else _strict_pieces([_decoded(text)], clean)


def _strict_pieces(
    pieces: Iterable[str], clean: Clean
) -> list[RelatedItem] | JsonList[RelatedItem] | None:
    try:
        if type(pieces) is list and len(pieces) == 1:  # most payloads: one piece
            return json_list(_items_of(pieces[0], clean))
        return json_list(_strict_items(pieces, clean))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None


def _strict_items(pieces: Iterable[str], clean: Clean) -> Iterator[RelatedItem]:
    """The items of each piece; ValueError for one that is not a list of whole items."""
    for piece in pieces:
        yield from _items_of(piece, clean)


def _items_of(piece: str, clean: Clean) -> list[RelatedItem]:
    """The items of one piece of strict JSON; ValueError when it is not a list of whole items."""
    parsed = orjson.loads(piece)
    if type(parsed) is dict:  # json_encode of an array keyed by ids: its values, in order
        parsed = list(parsed.values())
    if type(parsed) is not list or not _each_field_once(piece, parsed):
        raise ValueError(piece[:80])
    return [_item(entry, clean) for entry in parsed]


def _pieces(text: str | bytes) -> Iterator[str]:
    """A JSON list longer than _PIECE_CHARS as JSON lists of a run of its items each, about that
    long (ASCII bytes are decoded a piece at a time: each decodes as it would in the whole)."""
    starts, between_items = (
        (_LIST_START, _BETWEEN_TEXT)
        if isinstance(text, str)
        else (_LIST_START_BYTES, _BETWEEN_ITEMS)
    )
    if not starts.match(text):  # type: ignore[arg-type]
        yield _decoded(text)
        return
    start = 0
    while (between := between_items.search(text, start + _PIECE_CHARS)) is not None:  # type: ignore[arg-type]
        head = "" if start == 0 else "["
        yield head + _decoded(text[start : between.start() + 1]) + "]"
        start = between.end() - 1
    yield _decoded(text) if start == 0 else "[" + _decoded(text[start:])


def _decoded(text: str | bytes) -> str:
    return text if isinstance(text, str) else text.decode("ascii")


def _each_field_once(text: str, parsed: list[object]) -> bool:
    """Whether every item has exactly the five fields, each once. A title holding `","title":"`
    (the scraper never escapes) can make the concatenated text valid JSON with a field given
    twice, of which a JSON parser silently keeps the last: then the layout parser decides. In
    valid JSON a quote inside a string is escaped, so `"title":` is always a key."""
    if any(type(entry) is not dict or len(entry) != len(_FIELDS) for entry in parsed):
        return False
    if text.count('":') == len(_FIELDS) * len(parsed):  # five keys an item, and no more
        return True
    return all(text.count(f'"{field}":') == len(parsed) for field in _FIELDS)


def _title_end(text: str, start: int, complete: bool) -> tuple[int, re.Match[str] | None] | None:
    """Where the title starting at `start` ends, and the head of the next item (None: the list
    ends there)."""
    last_title = text.rfind('"title"')
    for close in _TITLE_CLOSE.finditer(text, start):
        after = close.end()
        if _LIST_END.match(text, after):
            return close.start(), None
        separator = _SEPARATOR.match(text, after)
        if separator is not None and (head := _ITEM_HEAD.match(text, separator.end())):
            return close.start(), head
        rest_at = after if separator is None else separator.end()
        if not complete and _cut_inside_next_item(text, rest_at, last_title):
            return close.start(), None
    return None


def _cut_inside_next_item(text: str, rest_at: int, last_title: int) -> bool:
    """Whether what follows a title's close (from `rest_at`) is only the start of an item cut by
    a truncation. Looked at in place: a copy of the rest at every close would be quadratic."""
    starts_item = _BLANK_TO_END.match(text, rest_at) or text.startswith("{", rest_at)
    return bool(starts_item) and last_title < rest_at


def _by_layout(
    text: str, clean: Clean, complete: bool
) -> list[RelatedItem] | JsonList[RelatedItem]:
    return json_list(_layout_items(text, clean, complete))


def _layout_items(text: str, clean: Clean, complete: bool) -> Iterator[RelatedItem]:
    start = _LIST_START.match(text)
    head = _ITEM_HEAD.match(text, 0 if start is None else start.end())
    while head is not None and (found := _title_end(text, head.end(), complete)) is not None:
        title_end, following = found
        identifier, sort, contenttypeid, pic = head.groups()
        yield {
            "id": int(identifier),
            "sort": int(sort),
            "contenttypeid": int(contenttypeid),
            "pic": pic,
            "media": media_of(pic),
            "title": clean(text[head.end() : title_end]),
        }
        head = following


def _json_encoded(text: str) -> bool:
    """Whether backslashes are JSON escapes: json_encode writes every slash as `\\/`, while the
    scraper's hand-built JSON leaves the slashes of its picture paths bare."""
    return text.count("/") == text.count("\\/")


def from_json_payload(
    value: DumpedValue, to_text: Callable[[bytes], str], clean: Clean, repair: Clean
) -> tuple[list[RelatedItem] | JsonList[RelatedItem], bool]:
    """`from_json_text` of a payload string, whose bytes are taken from `value` (it is left
    without them): once decoded, a long payload's bytes are not kept beside its text. ASCII
    without backslashes (most payloads) reads as strict JSON from the bytes, a piece at a time:
    its whole text is made only for the layout parser."""
    content, value.content = value.content or b"", None
    complete = not value.truncated
    if not content.isascii() or b"\\" in content or b"\0" in content:
        text = to_text(content)
        del content
        return from_json_text(text, clean, complete, repair)
    if not content or content.isspace():
        return [], False
    strict = _strict(content, clean)
    if strict is not None:
        return strict, False
    text = content.decode("ascii")
    del content
    return _by_layout(text, clean, complete), True


def from_json_text(
    text: str, clean: Clean, complete: bool, repair: Clean
) -> tuple[list[RelatedItem] | JsonList[RelatedItem], bool]:
    """Items of a JSON-ish payload string, and whether recovery was needed (strict JSON failed).

    `repair` (mojibake, NFC) is applied to titles that JSON escapes hid from it: `\\u00c3\\u00a9`
    is mojibake and `e\\u0301` decomposed only once decoded."""
    if not text or text.isspace():
        return [], False
    if "\\" not in text:
        strict = _strict(text, clean)
        if strict is not None:
            return strict, False
    else:
        strict = _strict(text, lambda title: clean(repair(title)))
        if strict is not None and _json_encoded(text):
            return strict, False
    return _by_layout(text, clean, complete), strict is None


def from_php_array(
    array: PhpArray, decode: Callable[[bytes], str], clean: Clean
) -> tuple[list[RelatedItem] | JsonList[RelatedItem], bool]:
    """Items of a var_dump of the PHP array itself (arrays or objects with the five fields), and
    whether every element was one: elements that are not such an item are left out."""
    items = json_list(_array_items(array, decode, clean))
    return items, len(items) == len(array.entries)


def _array_items(
    array: PhpArray, decode: Callable[[bytes], str], clean: Clean
) -> Iterator[RelatedItem]:
    for _, element in array.entries:
        if isinstance(element, PhpArray):
            fields = {key: _text(value, decode) for key, value in element.entries}
            try:
                yield _item(fields, clean)
            except (KeyError, TypeError, ValueError):
                continue


def _text(value: object, decode: Callable[[bytes], str]) -> object:
    return decode(value) if isinstance(value, bytes) else value
