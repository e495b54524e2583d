"""Property tests: any bytes in, no exception out; payloads and datelines round trip."""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from fuzz import php_json_encode, php_var_dump, scraper_payload
from helpers import TESTS, assert_valid
from newsclean import parse_bytes, parse_input
from newsclean.core import colours
from newsclean.core.article import by_lines, read_article
from newsclean.core.dateline import DATELINE_LINE, parse_any_layout, parse_dateline
from newsclean.core.lines import lf_lines
from newsclean.core.parse import parse_dump
from newsclean.core.splitter import StreamSplitter, next_dump
from newsclean.core.textrepair import BOM, repair_mojibake
from newsclean.io.read import DECOMPRESS_ERRORS, StreamRejected, stream_dumps
from newsclean.io.slices import slice_lines

GOLDEN = TESTS / "golden"
SEEDS = [GOLDEN / name for name in ("clean.txt", "array_payload.txt", "concat.txt", "crlf.txt")]
SEED_BYTES = [path.read_bytes() for path in SEEDS]

DUMP_FILES = [path for path in sorted(GOLDEN.glob("*.txt")) if parse_bytes(path.read_bytes())]
HEADER = "Headline here\n\nHeadline here\nTue Oct 25, 2016 21:36:02\n\nA body paragraph.\n\n\n"


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2000))
@example(b'string(99999999999999) "[')
@example(b"H\n\nH\nTue Oct 25, 2016 21:36:02\n\narray(1) {\n" + b"  [0]=>\n  array(1) {\n" * 50)
def test_any_bytes_give_valid_records_or_a_rejection(data):
    parsed = parse_input(data, "fuzz")
    assert (parsed.rejection is None) == bool(parsed.records)
    for record in parsed.records:
        assert_valid(record)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEED_BYTES),
    st.lists(st.tuples(st.integers(0, 4000), st.binary(max_size=8)), max_size=6),
    st.integers(0, 4000),
)
def test_damaged_dumps_give_valid_records(seed, edits, cut):
    """Real dumps with bytes inserted, overwritten and cut off still parse without an error."""
    data = bytearray(seed)
    for at, junk in edits:
        data[at % (len(data) + 1) : at % (len(data) + 1) + len(junk) // 2] = junk
    data = bytes(data[: max(1, cut % (len(data) + 1))])
    for record in parse_bytes(data, "damaged"):
        assert_valid(record)


# Titles as scrapers meet them, with the pieces that break naive parsers, already in clean form
# (single spaces, no entities, NFC), so they must come back exactly.
_TRICKY = st.sampled_from(
    ['"', '","', "} ,{", "{", "}", "\\", '"}', '"} ,{', '"} ]', '\\"', "\\n", "\\/", "[", "]"]
)
_WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Z"))
    | st.sampled_from("éü“”—€中"),
    min_size=1,
    max_size=12,
).filter(lambda word: "&" not in word)


def _title(parts: list[str]) -> str:
    return " ".join(parts)


def _left_alone_by_repair(title: str) -> bool:
    """Text that repair changes by design (mojibake like `Â¡`, runs of space) cannot round trip."""
    return unicodedata.is_normalized("NFC", title) and title == " ".join(title.split())


_TITLES = (
    st.lists(_WORDS | _TRICKY, min_size=1, max_size=8).map(_title).filter(_left_alone_by_repair)
)
_ITEMS = st.lists(
    st.tuples(
        st.integers(0, 10**12),
        st.integers(0, 10**9),
        st.integers(0, 999),
        st.from_regex(r"/[a-z0-9_/]{1,20}(\.jpg|\.mp4|\.png|)", fullmatch=True),
        _TITLES,
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(_ITEMS)
def test_related_items_come_back_exactly(items):
    payload = scraper_payload(items)
    assume(not repair_mojibake(payload.decode())[1])  # mojibake is repaired by design
    [record] = parse_bytes(HEADER.encode() + payload, "roundtrip")
    got = [
        (r["id"], r["sort"], r["contenttypeid"], r["pic"], r["title"]) for r in record["related"]
    ]
    assert got == items
    assert record["payload"]["ok"]
    assert "payload_length_mismatch" not in record["warnings"]


# What a title may hold that looks like the structure around it: line breaks, a whole dump
# header, value heads. The declared length says where the payload ends: none of it may split it.
_STRUCTURE = st.sampled_from([
    "\n", "\n\n", "\r\n", "\n\n\n", "Headline\n\nHeadline\nTue Oct 25, 2016 21:36:02\n\nbody",
    "\nTue Oct 25, 2016 21:36:02\n", '\nstring(5) "', "\nNULL\n", "\narray(2) {\n", '"]"\n\n',
])  # fmt: skip
_TITLES_WITH_STRUCTURE = st.lists(_WORDS | _TRICKY | _STRUCTURE, min_size=1, max_size=8).map(
    "".join
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.just(1), st.just(2), st.just(21), st.just("/p.jpg"),
                           _TITLES_WITH_STRUCTURE), min_size=1, max_size=4),
        min_size=1, max_size=3,
    )
)  # fmt: skip
def test_a_title_never_splits_its_dump_whatever_it_holds(dumps):
    """Dumps glued as `cat` leaves them, each with items whose titles hold line breaks, headers
    and value heads: one record a dump, every item, titles with their white space folded."""
    data = b"".join(HEADER.encode() + scraper_payload(items) for items in dumps)
    assume(not repair_mojibake(data.decode())[1])
    records = parse_bytes(data, "titles")
    assert len(records) == len(dumps)
    for record, items in zip(records, dumps, strict=True):
        titles = [" ".join(title.split()) for *_, title in items]
        assume(all(map(_left_alone_by_repair, titles)))  # NFC: repaired by design
        assert [item["title"] for item in record["related"]] == titles
        assert record["payload"]["ok"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.lists(st.tuples(st.integers(0, 10**12), st.integers(0, 10**9), st.integers(0, 999),
                               st.just("/p.jpg"), _TITLES_WITH_STRUCTURE), min_size=1, max_size=4),
            st.sampled_from(["var_dump", "xdebug", "json_encode", "scraper"]),
        ),
        min_size=1, max_size=3,
    )
)  # fmt: skip
def test_any_titles_printed_by_php_give_their_items_and_one_record_a_dump(dumps):
    """var_dump's, Xdebug's and json_encode's output of items with any titles (line breaks,
    quotes, headers, braces, any Unicode), glued as `cat` leaves dumps: every item, exactly."""
    printed = {
        "var_dump": php_var_dump, "xdebug": lambda items: php_var_dump(items, True),
        "json_encode": php_json_encode, "scraper": scraper_payload,
    }  # fmt: skip
    data = b"".join(HEADER.encode() + printed[how](items) for items, how in dumps)
    assume(not repair_mojibake(data.decode())[1])
    records = parse_bytes(data, "printed")
    assert len(records) == len(dumps)
    for record, (items, _) in zip(records, dumps, strict=True):
        expected = [(i, s, c, pic, " ".join(title.split())) for i, s, c, pic, title in items]
        assume(all(_left_alone_by_repair(title) for *_, title in expected))
        assume(not any(repair_mojibake(title)[1] for *_, title in expected))  # by design
        got = [
            (r["id"], r["sort"], r["contenttypeid"], r["pic"], r["title"])
            for r in record["related"]
        ]
        assert got == expected
        assert record["payload"]["ok"]


_LAYOUTS = (
    "{:%a %b %d, %Y %H:%M:%S}",
    "{:%Y-%m-%d %H:%M:%S}",
    "{:%d %B %Y %H:%M:%S}",
    "{:%A, %B %d, %Y %H:%M:%S}",
    "{:%B %d, %Y %H:%M:%S}",
    "{:%a %b %d, %Y %I:%M:%S %p}",
)


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)),
    st.sampled_from(_LAYOUTS),
)
def test_datelines_round_trip(moment, layout):
    moment = moment.replace(microsecond=0)
    parsed = parse_dateline(layout.format(moment))
    assert parsed is not None
    assert parsed.published == moment.isoformat()
    assert parsed.weekday_ok


_ZONES = st.sampled_from(["", " UTC", " utc", "Z", " GMT", " +01:00", " -0530", " EST"])


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)),
    st.sampled_from([*_LAYOUTS, "{:%Y-%m-%dT%H:%M}", "{:%d %b %Y}", "{:%B %d, %Y %I:%M %p}"]),
    _ZONES,
    st.sampled_from(["", " ", "\t", "\xa0"]),
)
def test_the_splitter_finds_exactly_the_datelines_the_reader_reads(moment, layout, zone, blank):
    """One grammar: a line is a dump's dateline for the splitter when the reader reads it as a
    dateline with a time (`21:36:02 utc` and `EST` included). Values are not its business: an
    impossible one (Feb 30, +24:00) has a dateline's shape, and the reader calls it unparsed."""
    text = layout.format(moment) + zone
    read = parse_dateline(text)
    has_time = read is not None and read.precision != "day"
    line = (blank + text + blank).encode()
    assert (DATELINE_LINE.fullmatch(line) is not None) == has_time, (text, read)


def _two_digits(top: int) -> st.SearchStrategy[str]:
    return st.integers(0, top).map("{:02d}".format)


@given(
    st.sampled_from(["Tue", "Sun", "Thu", "Tuesday", "Xyz", "tue"]),
    st.sampled_from(["Oct", "Feb", "May", "Sep", "Sept", "oct", "Abc"]),
    _two_digits(32),
    st.sampled_from(["2016", "2000", "0000", "9999"]),
    st.tuples(_two_digits(25), _two_digits(61), _two_digits(61)).map(":".join),
    st.sampled_from([None, "UTC", "Europe/Paris", "America/New_York"]),
)
def test_the_scraper_dateline_fast_path_reads_as_every_layout_does(
    weekday, month, day, year, time, zone
):
    text = f"{weekday} {month} {day}, {year} {time}"
    tz = None if zone is None else ZoneInfo(zone)
    assert parse_dateline(text, tz) == parse_any_layout(text, tz)


class _Trickle(io.RawIOBase):
    """A stream that gives its bytes in the sizes it is told, as a slow pipe does."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes = data, sizes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self.sizes.pop(0) if self.sizes else len(buffer), len(self.data))
        buffer[:size], self.data = self.data[:size], self.data[size:]
        return size


_STREAM_PIECES = st.one_of(
    st.sampled_from([path.read_bytes() for path in DUMP_FILES]),
    st.binary(max_size=30),
    st.sampled_from(
        [
            *(b"\n", b"\r\n", b"\r", b'"', b"NULL", b'string(5) "', b"Tue Oct 25, 2016 21:36:02\n"),
            b"\0" * 600,  # a zero-filled tail, as a crash leaves it
        ]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_STREAM_PIECES, min_size=1, max_size=8), st.lists(st.integers(1, 700), max_size=40))
def test_a_stream_read_in_any_pieces_splits_as_a_whole_file(pieces, sizes):
    """Dumps back to back (glued or not, with junk between) split the same however they arrive."""
    data = b"".join(pieces)
    stream = io.BufferedReader(_Trickle(data, sizes), buffer_size=64)
    try:
        streamed = [dump for dumps, _ in stream_dumps(stream, live=False) for dump in dumps]
    except StreamRejected:
        assert parse_input(data).rejection is not None  # a file of the same bytes is rejected too
        return
    except DECOMPRESS_ERRORS:
        return  # compressed bytes that do not decompress: `decompress_error` (test_cli covers it)
    data = colours.without_colours(data)  # as a file is read (`core.colours`)
    scan, whole, pos = lf_lines(data), [], 0
    while (span := next_dump(scan, pos)) is not None:
        whole.append((span.start, data[span.start : span.end]))
        pos = span.end
    assert streamed == whole
    records = [
        parse_dump(dump, "-", index, offset) for index, (offset, dump) in enumerate(streamed)
    ]
    if (parsed := parse_input(data, "-")).rejection is None:
        assert records == parsed.records


_LINE = st.text(alphabet=st.sampled_from("Ab1 ,:'\"\u00a0\t&;é"), max_size=12)
_DATELINES = st.sampled_from(
    [
        "Tue Oct 25, 2016 21:36:02",
        "Mon Oct 25, 2016 21:36:02",
        "2016-10-25 21:36:02",
        "Tue Oct 32, 2016 21:36:02",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    _LINE,
    st.none() | _LINE,
    _DATELINES,
    st.lists(_LINE, max_size=4),
    st.sampled_from(["\n", "\n\n", "\n \n"]),
)
def test_the_scraper_header_fast_path_reads_as_the_line_by_line_path(
    headline, repeat, dateline, body, gap
):
    repeat = headline if repeat is None else repeat  # mostly the scraper's own layout
    text = f"{headline}\n\n{repeat}\n{dateline}{gap}" + "\n\n".join(body) + "\n\n\n"
    assert read_article(text) == by_lines(text)


def _single_dumps() -> list[bytes]:
    """Files holding one dump each, with the scraper's header (headline, blank, headline,
    dateline): a dump glued onto another is found by its header, so one without its repeated
    headline or its dateline, after a dump cut inside its payload or without one, cannot be told
    from that dump's rest (README, "Limits")."""
    files = [*DUMP_FILES, *sorted((TESTS / "corpus_sample" / "dump").iterdir())]
    dumps = []
    for path in files:
        records = parse_bytes(path.read_bytes())
        header_damaged = {"headline_not_repeated", "dateline_missing"} & set(records[0]["warnings"])
        if len(records) == 1 and not header_damaged:
            dumps.append(path.read_bytes())
    return dumps


SINGLE_DUMPS = _single_dumps()


def _without_source(records: list) -> list:
    return [{key: value for key, value in record.items() if key != "source"} for record in records]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(SINGLE_DUMPS), st.booleans(), st.sampled_from([b"", b"\n"])),
        min_size=1,
        max_size=5,
    ),
    st.lists(st.integers(1, 700), max_size=40),
)
def test_dumps_cat_together_give_the_records_they_give_alone(dumps, sizes):
    """`cat` of dump files, with or without a newline between them and byte order marks, gives
    the records each gives alone (but for `source`), read whole or as a stream in any pieces."""
    alone, joined = [], b""
    for dump, bom, separator in dumps:
        text = (BOM if bom and not dump.startswith(BOM) else b"") + dump
        alone += parse_bytes(text)
        joined += text + separator
    assert _without_source(parse_bytes(joined)) == _without_source(alone)
    stream = io.BufferedReader(_Trickle(joined, sizes), buffer_size=64)
    streamed = [dump for dumps, _ in stream_dumps(stream, live=False) for dump in dumps]
    records = [parse_dump(dump, "-", i, offset) for i, (offset, dump) in enumerate(streamed)]
    assert _without_source(records) == _without_source(alone)


def test_a_stream_decides_on_complete_lines_only():
    """A line that has not ended (`09:00` before ` police said more` arrives) is no dateline yet:
    no phantom article, however the stream is cut."""
    dump = (
        b"Head\n\nHead\nTue Oct 25, 2016 21:36:02\n\nBody one.\n\n"
        b"Wed Oct 26, 2016 09:00 police said more.\n\nAnd more.\n"
    )
    cut = dump.index(b" police")
    splitter = StreamSplitter(1 << 20)
    dumps = splitter.feed(dump[:cut], False) + splitter.feed(dump[cut:], False)
    dumps += splitter.feed(b"", True)
    assert [offset for offset, _ in dumps] == [0]


@pytest.mark.slow
def test_the_fuzz_harness_finds_nothing():
    import fuzz

    failures = fuzz.run(seed=1, cases=400, seconds=None)
    assert not failures, failures[0][1]


@given(
    st.lists(st.binary(max_size=12).map(lambda line: line.replace(b"\n", b"")), max_size=40),
    st.integers(1, 50),
)
def test_slices_of_a_list_hold_every_line_once_and_read_little(lines, count):
    """Slices by byte position (`--shard K/N --files-from`, a batch's manifest): together the
    lines in order, each once; each slice reads its own bytes and little past them."""
    listing = b"".join(line + b"\n" for line in lines)
    read = []

    def read_range(start, end):
        read.append(end - start)
        return listing[start:end]

    slices = []
    for index in range(count):
        read.clear()
        slices.append(slice_lines(read_range, len(listing), index, count))
        own = len(listing) * (index + 1) // count - len(listing) * index // count
        assert sum(read) <= own + 1 + max(map(len, lines), default=0) + 1 + (1 << 16)
    assert [line for part in slices for line in part] == lines


@given(st.text(min_size=1), st.integers(-1, 1 << 40), st.text(alphabet='0123456789.abcdef"'))
def test_any_path_fits_on_one_manifest_line(path, size, version):
    from newsclean.io.discover import Listed
    from newsclean.run.batch.manifest import line_of, path_of

    line = line_of(Listed(path, size, version))
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    assert path_of(line) == path
