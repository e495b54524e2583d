"""Golden pairs: every `tests/golden/CASE.txt` gives exactly `CASE.jsonl`.

Each pair is its own test. To rewrite the expected files after a deliberate change, run
`NEWSCLEAN_REGEN_GOLDEN=1 pytest tests/test_golden.py` and review the diff before committing.
"""

from __future__ import annotations

import os

import orjson
import pytest

from helpers import TESTS, assert_valid, jsonl
from newsclean import parse_input

GOLDEN = TESTS / "golden"
CASES = sorted(GOLDEN.glob("*.txt"))


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_golden_pair(case):
    parsed = parse_input(case.read_bytes(), case.name)
    got = jsonl(parsed)
    expected_path = case.with_suffix(".jsonl")
    if os.environ.get("NEWSCLEAN_REGEN_GOLDEN"):
        expected_path.write_bytes(got)
    expected = expected_path.read_bytes()
    assert [orjson.loads(line) for line in got.splitlines()] == [
        orjson.loads(line) for line in expected.splitlines()
    ]
    assert got == expected  # byte for byte, keys in contract order
    for record in parsed.records:
        assert_valid(record)


def test_every_kind_of_damage_has_a_pair():
    names = {case.stem for case in CASES}
    kinds = {
        "array_payload", "array_truncated", "bom", "concat", "cr_only", "crlf", "dateline_day_month",
        "dateline_full_weekday", "dateline_iso", "dateline_missing", "dateline_unparsed", "empty",
        "entities", "headline_once", "huge_declared", "latin1", "mojibake", "mojibake_double",
        "nbsp_tabs", "no_payload", "payload_null", "payload_false", "payload_empty_string",
        "titles_tricky", "truncated", "unescaped_quotes", "weekday_mismatch", "xdebug", "binary",
        "not_a_dump", "utf16", "utf16le_no_bom", "tar_archive", "zip_archive", "zstd",
        "dateline_12h", "dateline_month_first", "concat_12h_no_payload", "zero_filled_tail",
        "concat_zero_gap",
    }  # fmt: skip
    assert kinds <= names
