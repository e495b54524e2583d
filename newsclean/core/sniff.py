"""Sniffing: whether an input is plainly no dump (empty, or binary data), told from its first bytes.

A format that holds dumps but is not text (UTF-16, a tar or zip archive, zstd) is named, with the
command that makes it readable; so are documents that are zip archives or binary but hold no
dump (Office and OpenDocument files, EPUB, PDF). The zero-filled tail a crash leaves in a file
is no binary data.
"""

from __future__ import annotations

import re

from .record import EMPTY, NOT_TEXT

SNIFF_BYTES = 8192  # what `sniff` looks at: where a NUL byte marks binary data
_CONTROL_SNIFF_BYTES = 1024  # where too many control bytes do
_MAX_CONTROL_SHARE = 0.05
# NUL runs that are no binary data: zero-filled blocks (a file cut by a crash), or the input's end.
_ZERO_GAPS = re.compile(rb"\0{8,}|\0+\Z")
_MAX_NUL_SHARE = 0.01  # a few NULs in text are PHP strings holding them, printed by var_dump
_CONTROL_BYTES = bytes(set(range(32)) - set(b"\t\n\r\f\v") | {127})


def _recode(encoding: str) -> str:
    return (
        f"{encoding} text: convert it first: iconv -f {encoding} -t UTF-8 FILE | newsclean parse -"
    )


# Binary formats that hold dumps, told by their magic bytes (offset, bytes): what to do instead.
_FOREIGN_FORMATS = (
    (0, b"\xff\xfe\x00\x00", _recode("UTF-32")),
    (0, b"\x00\x00\xfe\xff", _recode("UTF-32")),
    (0, b"\xff\xfe", _recode("UTF-16")),
    (0, b"\xfe\xff", _recode("UTF-16")),
    (257, b"ustar", "a tar archive: give its name (newsclean parse FILE.tar), not standard input"),
    (0, b"PK\x03\x04", "a zip archive: unpack it, or stream it: unzip -p FILE | newsclean parse -"),
    (
        0,
        b"\x28\xb5\x2f\xfd",
        "zstd-compressed: pip install 'newsclean[zstd]' (or zstd -dc FILE | newsclean parse -)",
    ),
)


def sniff(data: bytes) -> tuple[str, str] | None:
    """(code, message) when `data` is plainly no dump: empty, or binary (a format we know by its
    magic bytes is named, with what to do instead)."""
    if not data or data.isspace():
        return (EMPTY, "no text at all") if data else (EMPTY, "the input is empty")
    if data.startswith(b"%PDF-"):  # often no NUL and few control bytes early on: told first
        return NOT_TEXT, _foreign_format(data) or "a PDF document"
    sample = data[:_CONTROL_SNIFF_BYTES]
    if data.find(b"\0", 0, SNIFF_BYTES) >= 0:
        if (foreign := _foreign_format(data)) is not None:  # an archive, UTF-16, ...
            return NOT_TEXT, foreign
        # The zero-filled tail a crash leaves is no binary data, nor a NUL in a PHP string.
        head = _ZERO_GAPS.sub(b"", data[:SNIFF_BYTES])
        if head.count(b"\0") > _MAX_NUL_SHARE * len(head):
            return NOT_TEXT, "binary data (NUL bytes)"
        if not head or data.translate(None, b"\0").isspace():
            return EMPTY, "only NUL bytes (and white space)"
        sample = head[:_CONTROL_SNIFF_BYTES]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > _MAX_CONTROL_SHARE * len(sample):
        binary = f"binary data ({controls} control bytes in the first {len(sample)})"
        return NOT_TEXT, _foreign_format(data) or binary
    return None


# Documents, told apart from other zip archives by what their first entries are called (OOXML)
# or hold (OpenDocument and EPUB begin with a `mimetype` entry): no dump is in them.
_DOCUMENTS = (
    (b"mimetypeapplication/epub+zip", "an EPUB book"),
    (b"mimetypeapplication/vnd.oasis.opendocument.text", "an OpenDocument text (.odt)"),
    (
        b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
        "an OpenDocument spreadsheet (.ods)",
    ),
    (
        b"mimetypeapplication/vnd.oasis.opendocument.presentation",
        "an OpenDocument presentation (.odp)",
    ),
    (b"word/", "a Word document (.docx)"),
    (b"xl/", "an Excel workbook (.xlsx)"),
    (b"ppt/", "a PowerPoint presentation (.pptx)"),
)
_DOCUMENT_SNIFF_BYTES = 4096
_NO_DUMP = ", not a dump: save or export it as text first"


def _document(data: bytes) -> str | None:
    """What kind of document `data` is, when it is one (a PDF, or a zip archive as above)."""
    if data.startswith(b"%PDF-"):
        return "a PDF document, not a dump: extract its text first (pdftotext FILE -)"
    if not data.startswith(b"PK\x03\x04"):
        return None
    head = data[:_DOCUMENT_SNIFF_BYTES]
    return next((kind + _NO_DUMP for marker, kind in _DOCUMENTS if marker in head), None)


def _foreign_format(data: bytes) -> str | None:
    if (document := _document(data)) is not None:
        return document
    messages = (message for at, magic, message in _FOREIGN_FORMATS if data.startswith(magic, at))
    if (message := next(messages, None)) is not None:
        return message
    encoding = _utf16_without_bom(data[:_CONTROL_SNIFF_BYTES])
    return None if encoding is None else _recode(encoding)


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16LE or UTF-16BE for mostly Latin text in UTF-16 without a byte order mark: a NUL in
    every other byte, and none in the bytes between."""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if min(even, odd) > 0 or max(even, odd) <= len(sample) // 4:
        return None
    return "UTF-16LE" if odd else "UTF-16BE"
