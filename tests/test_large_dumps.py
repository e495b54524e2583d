"""Long lists held as JSON (`record.JsonList`): the records a worker writes are byte for byte
those of the plain library records, at every chunk boundary and on every reading path."""

from __future__ import annotations

import orjson
import pytest

from newsclean import parse_bytes
from newsclean.core.parse import dump_record, records_of
from newsclean.core.record import JsonList, json_line

HEADER = b"Headline\n\nHeadline\nTue Oct 25, 2016 21:36:02\n\n"
ITEM = '{"id":"%d","sort":"%d","contenttypeid":"21","pic":"/p/%d.jpg","title":"%s"}'


def dump(body: bytes, payload: bytes) -> bytes:
    return HEADER + body + b'\n\nstring(%d) "%s"\n' % (len(payload), payload)


def items(count: int, title: str = "Title {n}") -> bytes:
    listed = ",".join(ITEM % (n, n, n, title.replace("{n}", str(n))) for n in range(count))
    return ("[" + listed + "]").encode()


def assert_written_as_library_records(data: bytes) -> list[dict]:
    """The worker's lines (`records_of`, `json_line`) are the library's records as JSON."""
    library = parse_bytes(data, "x")
    found = records_of(data, "x")
    assert not isinstance(found, Exception)
    lines = [json_line(record) for record in found]
    assert lines == [orjson.dumps(record) + b"\n" for record in library]
    [streamed] = [dump_record(data, "x")]
    assert json_line(streamed) == lines[0]
    return library


@pytest.mark.parametrize("count", [4095, 4096, 4097, 20_000])  # 20,000: past a megabyte
def test_long_lists_of_items_at_every_chunk_boundary(count):
    [record] = assert_written_as_library_records(dump(b"Body.", items(count)))
    assert [item["id"] for item in record["related"]] == list(range(count))
    assert record["warnings"] == []
    [held] = records_of(dump(b"Body.", items(count)), "x")
    assert isinstance(held["related"], JsonList) == (count >= 4096)  # past a chunk: JSON
    assert len(held["related"]) == count


@pytest.mark.parametrize("count", [4096, 9000])
def test_long_bodies_at_a_chunk_boundary_and_past_a_megabyte(count):
    filler = "words " * (0 if count < 5000 else 30)
    body = "\n\n".join(f"Paragraph {n} {filler}end." for n in range(count)).encode()
    [record] = assert_written_as_library_records(dump(body, items(2)))
    assert record["body"][-1] == f"Paragraph {count - 1} {filler}end."
    assert len(record["body"]) == count


def test_a_long_payload_read_in_pieces_keeps_titles_holding_item_separators():
    """Strict JSON past a megabyte is read a piece at a time, cut between items: a title holding
    `},{` may be cut, and then the whole is read as before."""
    payload = items(20_000, title="a},{b} , {c {n}")
    assert len(payload) > 2**20
    [record] = assert_written_as_library_records(dump(b"Body.", payload))
    expected = [entry["title"] for entry in orjson.loads(payload)]
    assert [item["title"] for item in record["related"]] == expected
    assert record["warnings"] == []


def test_a_long_payload_not_ascii_is_read_in_pieces_too():
    payload = items(20_000, title="Un titre évoqué },{ {n}")
    assert len(payload) > 2**20 and not payload.isascii()
    [record] = assert_written_as_library_records(dump(b"Body.", payload))
    expected = [entry["title"] for entry in orjson.loads(payload)]
    assert [item["title"] for item in record["related"]] == expected


def test_a_long_payload_for_the_layout_parser_and_the_php_array():
    quoted = items(5000, title='a "quoted" title {n}')
    [record] = assert_written_as_library_records(dump(b"Body.", quoted))
    assert len(record["related"]) == 5000 and record["warnings"] == ["related_recovered"]
    array = (
        b"array(5000) {\n"
        + b"".join(
            b'  [%d]=>\n  array(5) {\n    ["id"]=>\n    string(1) "1"\n    ["sort"]=>\n    int(2)\n'
            b'    ["contenttypeid"]=>\n    int(21)\n    ["pic"]=>\n    string(0) ""\n'
            b'    ["title"]=>\n    string(1) "t"\n  }\n' % n
            for n in range(5000)
        )
        + b"}\n"
    )
    [record] = assert_written_as_library_records(HEADER + b"Body.\n\n" + array)
    assert len(record["related"]) == 5000 and record["payload"]["kind"] == "array"
