"""The corpus: every dump gives what `truth.jsonl` says a perfect parser recovers.

The sample in tests/corpus_sample always runs; the full shared corpus runs when `../shared`
is there and is skipped otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import SHARED, TESTS, assert_valid
from newsclean import parse_input

FIELDS = ("headline", "dateline", "published", "body")
ITEM_FIELDS = ("id", "sort", "contenttypeid", "pic", "title")


def related_as_truth(record):
    if record["related"] is None:
        return None
    return [{name: item[name] for name in ITEM_FIELDS} for item in record["related"]]


def differences(record, truth: dict) -> list[str]:
    """What in `record` is not what the truth says (empty when exact)."""
    found = [name for name in FIELDS if record[name] != truth[name]]
    if truth.get("variant") == "truncated":
        if record["payload"]["ok"] or not {"payload_truncated", "payload_length_mismatch"} & set(
            record["warnings"]
        ):
            found.append("payload not flagged")
        return [name for name in found if name != "published" or truth["published"]]
    expected_related = truth["related"]
    got = related_as_truth(record)
    if got != expected_related and not (expected_related is None and got == []):
        found.append("related")
    length_checked = truth.get("declared") is not None and truth.get("variant") not in (
        "mojibake",
        "latin1",
    )
    if length_checked and (
        record["payload"]["declared"] != truth["declared"] or not record["payload"]["ok"]
    ):
        found.append("payload")
    return found


def check_corpus(folder: Path) -> dict[str, list[str]]:
    problems = {}
    for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        truth = json.loads(line)
        parsed = parse_input((folder / "dump" / truth["file"]).read_bytes(), truth["file"])
        if parsed.rejection is not None:
            problems[truth["file"]] = [f"rejected: {parsed.rejection.code}"]
            continue
        found = differences(parsed.records[0], truth)
        if truth["variant"] == "concat":
            if len(parsed.records) != 2:
                found.append(f"{len(parsed.records)} records")
            else:
                found += [f"next {name}" for name in differences(parsed.records[1], truth["next"])]
        for record in parsed.records:
            assert_valid(record)
        if found:
            problems[truth["file"]] = found
    return problems


def test_corpus_sample_is_exact():
    assert check_corpus(TESTS / "corpus_sample") == {}


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="../shared/corpus is not here")
def test_shared_corpus_is_exact():
    assert check_corpus(SHARED / "corpus") == {}
