"""Text repair: bytes to clean text, and the clean form of one headline, paragraph or title.

The cheap checks come first so that clean UTF-8 never pays for the costly repairs: ftfy is
imported and called only when a character pair typical of mojibake is present.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

BOM = b"\xef\xbb\xbf"

# A byte of a UTF-8 lead (Â..ô) read as cp1252, followed by what a continuation byte becomes.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


@cache
def _cp1252_for_c1() -> dict[int, str]:
    """Map U+0080..U+009F (bytes read as Latin-1) to cp1252; undefined bytes stay as they are."""
    table = {}
    for byte in range(0x80, 0xA0):
        try:
            table[byte] = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            table[byte] = chr(byte)
    return table


def decode(raw: bytes) -> tuple[str, bool]:
    """Text of `raw` and whether it was not UTF-8, never failing. UTF-8 with a few broken bytes
    (a title cut by `substr()` inside a character) keeps every whole character and shows each
    broken one as U+FFFD; only bytes that read as cp1252 text throughout (more invalid bytes
    than whole UTF-8 characters) are read as cp1252."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    whole = len(_UTF8_CHARACTER.findall(raw))
    if whole and whole >= len(_HIGH_BYTE.findall(raw)) - 2 * whole:
        return raw.decode("utf-8", "replace"), True
    return raw.decode("latin-1").translate(_cp1252_for_c1()), True


# A whole UTF-8 character beyond ASCII, and any byte beyond ASCII.
_UTF8_CHARACTER = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def unify_newlines(text: str) -> str:
    """CRLF and bare CR line ends become LF."""
    if "\r" in text:
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def repair_mojibake(text: str) -> tuple[str, bool]:
    """Undo UTF-8 read as cp1252 (once or twice); correct curly quotes and dashes stay."""
    if text.isascii() or not _MOJIBAKE_HINT.search(text):
        return text, False
    import ftfy  # costly to import, and needed only here

    fixed = ftfy.fix_encoding(text)
    return fixed, fixed != text


def repair(text: str) -> tuple[str, bool]:
    """`to_text`'s repairs for text already decoded (a JSON string): (NFC text, mojibake
    repaired)."""
    if text.isascii():
        return text, False
    text, repaired = repair_mojibake(text)
    return _nfc(text), repaired


def _nfc(text: str) -> str:
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def to_text(raw: bytes) -> tuple[str, bool, bool]:
    """Bytes to NFC text, NUL bytes dropped: (text, not UTF-8, mojibake repaired).

    Mojibake's lead characters (Â..ô) are `\\xc3..` in UTF-8, so UTF-8 without that byte is
    never searched for it.
    """
    if b"\0" in raw:  # a PHP string may hold NUL bytes: they are no text
        raw = raw.replace(b"\0", b"")
    if raw.isascii():  # most dumps: nothing to repair or normalise
        return raw.decode("ascii"), False, False
    text, not_utf8 = decode(raw)
    repaired = False
    if not_utf8 or b"\xc3" in raw:
        text, repaired = repair_mojibake(text)
    return _nfc(text), not_utf8, repaired


def _unescape_entity(match: re.Match[str]) -> str:
    import html  # only for text that holds an entity

    return html.unescape(match[0])


def clean(text: str) -> str:
    """A piece of `to_text`'s text cleaned: HTML entities decoded, every run of white space
    (NBSP, tabs) one space, ends stripped."""
    if "&" in text:
        unescaped = _ENTITY.sub(_unescape_entity, text)
        if unescaped != text:
            text = _nfc(unescaped)  # `e&#769;` is e and a combining accent: é in NFC
    if "  " in text or text[:1] == " " or text[-1:] == " " or _other_space(text):
        return " ".join(text.split())
    return text


def _other_space(text: str) -> bool:
    """Whether `text` may hold white space other than single spaces: isprintable is False for
    it; for ASCII (most text) a byte-level check that says the same is twice as fast."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _PRINTABLE_ASCII))
    return not text.isprintable()
