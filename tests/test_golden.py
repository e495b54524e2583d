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


# Each kind of damage, and the code its pair must show ("clean": a record with no warning).
KINDS = {
    "array_payload": "clean", "array_truncated": "payload_truncated", "bom": "clean",
    "concat": "payload_missing", "cr_only": "clean", "crlf": "clean",
    "dateline_day_month": "clean", "dateline_full_weekday": "clean", "dateline_iso": "clean",
    "dateline_missing": "dateline_missing", "dateline_unparsed": "dateline_unparsed",
    "empty": "empty", "entities": "clean", "headline_once": "headline_not_repeated",
    "huge_declared": "payload_length_mismatch", "latin1": "not_utf8",
    "mojibake": "mojibake_repaired", "mojibake_double": "mojibake_repaired",
    "nbsp_tabs": "related_recovered", "no_payload": "payload_missing", "payload_null": "clean",
    "payload_false": "clean", "payload_empty_string": "clean",
    "titles_tricky": "related_recovered", "truncated": "payload_truncated",
    "unescaped_quotes": "related_recovered", "weekday_mismatch": "weekday_mismatch",
    "xdebug": "clean", "binary": "not_text", "not_a_dump": "not_a_dump", "utf16": "not_text",
    "utf16le_no_bom": "not_text", "tar_archive": "not_text", "zip_archive": "not_text",
    "word_document": "not_text", "opendocument_text": "not_text", "epub_book": "not_text",
    "pdf_document": "not_text",
    "zstd": "not_text", "dateline_12h": "clean", "dateline_month_first": "clean",
    "concat_12h_no_payload": "payload_missing", "zero_filled_tail": "payload_truncated",
    "concat_zero_gap": "payload_truncated", "length_mismatch": "payload_length_mismatch",
    "second_line_on_line_13": "not_a_dump", "headline_again_on_line_13": "dateline_missing",
    # What real PHP 8 and Xdebug 3 print (tests/php/make.sh), and where a dump ends.
    "php_title_holds_title_key": "related_recovered", "php_title_holds_id_key": "related_recovered",
    "php_json_encode": "mojibake_repaired", "php_float": "clean", "php_xdebug_float": "clean",
    "php_objects_typed": "clean", "php_xdebug_objects_typed": "clean",
    "php_odd_values": "related_partial", "php_xdebug_odd_values": "related_partial",
    "php_array_mixed_values": "related_partial", "php_xdebug_array_mixed_values": "related_partial",
    "php_array_title_line_break": "clean", "php_xdebug_array_title_line_break": "clean",
    "php_xdebug_no_php_extension": "clean", "php_xdebug_eval": "clean",
    "php_xdebug_long_string": "payload_truncated", "php_xdebug_deep_array": "payload_truncated",
    "php_string_with_nul": "clean", "php_xdebug_string_with_nul": "clean",
    "payload_line_in_body": "clean", "length_mismatch_line_break": "payload_length_mismatch",
    "concat_glued_truncated": "payload_truncated", "xdebug_two_prefixes": "related_recovered",
    "array_string_unclosed_then_dump": "payload_truncated",
    # A title holding a whole dump, keys with line breaks and quotes: one record, every item.
    "php_title_holds_a_dump": "related_recovered", "php_xdebug_title_holds_a_dump": "related_recovered",
    "php_array_title_holds_a_dump": "clean", "php_xdebug_array_title_holds_a_dump": "clean",
    "php_array_keys_with_line_breaks": "clean", "php_xdebug_array_keys_with_line_breaks": "clean",
    # PHP's own messages before a headline, in a body, after a payload, and an uncaught exception.
    "php_diagnostics": "php_diagnostic", "php_xdebug_diagnostics": "php_diagnostic",
    "php_logged_diagnostics": "php_diagnostic",
    # Ids in other scripts' digits, and json_encode's object keyed by ids: every item.
    "php_unicode_digits": "clean", "php_array_unicode_digits": "clean",
    "php_xdebug_array_unicode_digits": "clean", "php_json_encode_keyed_by_id": "clean",
    # Xdebug's colours, read as if absent.
    "php_xdebug_colours_plain_string": "clean", "php_xdebug_colours_array": "clean",
    "php_xdebug_colours_objects_typed": "clean",
    # PHP's DateTimeInterface formats as datelines: twelve dumps, each dated.
    "php_datelines": "clean",
    # Xdebug's display limits: every item printed whole, in order.
    "php_xdebug_max_data": "payload_truncated", "php_xdebug_max_children": "payload_truncated",
    "php_xdebug_max_depth": "payload_truncated",
    # PHP's other printers: the same items, `payload.printer` says which.
    "php_printer_serialize": "clean", "php_printer_serialize_json": "clean",
    "php_printer_serialize_mixed": "related_partial", "php_printer_var_export": "clean",
    "php_printer_var_export_json": "clean", "php_printer_var_export_mixed": "related_partial",
    "php_printer_print_r": "clean", "php_printer_print_r_mixed": "related_partial",
    "php_printer_echo": "clean", "php_printer_print_r_json": "clean",
    # One character cut in one title: only it is lost (U+FFFD), not the text around it.
    "php_cut_inside_a_character": "not_utf8",
}  # fmt: skip


def _codes(expected: bytes) -> set[str]:
    codes = set()
    for entry in map(orjson.loads, expected.splitlines()):
        codes |= {entry["code"]} if "code" in entry else set(entry["warnings"]) or {"clean"}
    return codes


@pytest.mark.parametrize(("kind", "code"), KINDS.items(), ids=list(KINDS))
def test_every_kind_of_damage_has_a_pair_that_shows_it(kind, code):
    assert code in _codes((GOLDEN / f"{kind}.jsonl").read_bytes())
