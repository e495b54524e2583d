"""Typed output: every loader types the time fields without a hint (contract v2), and Parquet
holds the same records as JSON Lines, with the documented types, written atomically."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC

import pytest

from helpers import ROOT, TESTS, newsclean

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")

GOLDEN = TESTS / "golden"
SAMPLE = TESTS / "corpus_sample" / "dump"
SHARED = ROOT.parent / "shared" / "corpus" / "dump"
DAY_ONLY = b'H\n\nH\n2016-10-25\n\nBody.\n\nstring(2) "[]"\n'
MINUTES = b'H\n\nH\nTue, 25 Oct 2016 21:36 +0200\n\nBody.\n\nstring(2) "[]"\n'
PARQUET_TYPES = {
    "source": 'STRUCT(path VARCHAR, "index" BIGINT, "offset" BIGINT, sha256 VARCHAR)',
    "headline": "VARCHAR",
    "dateline": "VARCHAR",
    "published": "TIMESTAMP",
    "published_utc": "TIMESTAMP WITH TIME ZONE",
    "published_precision": "VARCHAR",
    "body": "VARCHAR[]",
    "related": "STRUCT(id BIGINT, sort BIGINT, contenttypeid BIGINT, pic VARCHAR, "
    "media VARCHAR, title VARCHAR)[]",
    "payload": "STRUCT(kind VARCHAR, declared BIGINT, actual BIGINT, ok BOOLEAN, printer VARCHAR)",
    "warnings": "VARCHAR[]",
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Every dateline shape the goldens hold, the corpus sample, a day alone and minutes."""
    folder = tmp_path_factory.mktemp("inputs")
    for case in [*GOLDEN.glob("*.txt"), *SAMPLE.iterdir()]:
        shutil.copy(case, folder / f"{case.parent.name}-{case.name}")
    (folder / "day.txt").write_bytes(DAY_ONLY)
    (folder / "minutes.txt").write_bytes(MINUTES)
    return folder


@pytest.fixture(scope="module")
def made(inputs, tmp_path_factory):
    """`made(where, tz, ending)`: the output of `parse` of the test inputs or the shared corpus,
    with `--tz Europe/London` or not, as JSONL or Parquet; each made once (each is a second)."""
    folder, found = tmp_path_factory.mktemp("outputs"), {}

    def output(where: str, tz: bool, ending: str = "jsonl"):
        key = (where, tz, ending)
        if key not in found:
            source = inputs if where == "tests" else SHARED
            path = folder / f"{where}-{tz}.{ending}"
            zone = ["--tz", "Europe/London"] if tz else []
            result = newsclean("parse", "-q", str(source), "-o", str(path), *zone)
            assert result.returncode in (0, 1), result.stderr
            found[key] = path
        return found[key]

    return output


def _described(sql: str) -> dict[str, str]:
    return {name: kind for name, kind, *_ in duckdb.sql(f"DESCRIBE {sql}").fetchall()}


@pytest.mark.parametrize("where", ["tests", "shared"])
@pytest.mark.parametrize("tz", [False, True], ids=["no-tz", "tz"])
def test_duckdb_and_pandas_type_the_time_fields_of_json_lines_unhinted(made, tz, where):
    if where == "shared" and not SHARED.is_dir():
        pytest.skip("needs ../shared/corpus")
    records = made(where, tz)
    types = _described(f"SELECT * FROM read_json_auto('{records}')")
    assert types["published"] == "TIMESTAMP"
    assert types["published_precision"] == "VARCHAR"
    pd = pytest.importorskip("pandas")
    frame = pd.read_json(records, lines=True, dtype=False)
    published = pd.to_datetime(frame["published"])
    assert str(published.dtype).startswith("datetime64") and published.notna().any()
    if where == "shared" and not tz:  # no dateline of the corpus names a zone: no instant known
        assert types["published_utc"] == '"NULL"' and frame["published_utc"].isna().all()
        return
    assert types["published_utc"] == "TIMESTAMP WITH TIME ZONE"
    utc = pd.to_datetime(frame["published_utc"])
    assert str(utc.dtype).startswith("datetime64") and "UTC" in str(utc.dtype)
    if where == "tests":
        assert set(frame["published_precision"].dropna()) == {"day", "minute", "second"}


def test_polars_types_the_time_fields_unhinted(made):
    pl = pytest.importorskip("polars")
    frame = pl.read_ndjson(made("tests", False))
    published = frame["published"].str.to_datetime()
    utc = frame["published_utc"].str.to_datetime(time_zone="UTC")
    assert published.dtype == pl.Datetime and utc.dtype.time_zone == "UTC"


def _from_parquet(path) -> list[dict]:
    """Records read back from Parquet, their timestamps written as the JSON writes them."""
    rows = pq.read_table(path).to_pylist()
    for row in rows:
        if row["published"] is not None:
            row["published"] = row["published"].isoformat()
        if row["published_utc"] is not None:
            moment = row["published_utc"].astimezone(UTC).replace(tzinfo=None)
            row["published_utc"] = moment.isoformat() + "Z"
    return rows


@pytest.mark.parametrize("where", ["tests", "shared"])
def test_parquet_holds_the_records_of_json_lines_field_by_field(made, where):
    if where == "shared" and not SHARED.is_dir():
        pytest.skip("needs ../shared/corpus")
    jsonl, parquet = made(where, True), made(where, True, "parquet")
    expected = [json.loads(line) for line in jsonl.read_text().splitlines()]
    found = _from_parquet(parquet)
    assert len(found) == len(expected) > 50
    for got, want in zip(found, expected, strict=True):
        assert got == want
    types = _described(f"SELECT * FROM '{parquet}'")
    assert types == PARQUET_TYPES
    assert pq.read_schema(parquet).metadata[b"newsclean.contract"] == b"2.0"


def test_parquet_row_groups_follow_the_bytes_written(tmp_path, monkeypatch):
    """A row group each ROW_GROUP_BYTES of lines: what is held stays bounded."""
    from newsclean.io import parquet

    monkeypatch.setattr(parquet, "ROW_GROUP_BYTES", 4096)
    line = newsclean("parse", "-q", str(GOLDEN / "clean.txt")).stdout
    path = tmp_path / "x.parquet"
    with open(path, "wb") as raw:
        stream = parquet.ParquetStream(raw)
        for _ in range(40):
            stream.write(line)
        stream.close()
    metadata = pq.read_metadata(path)
    assert metadata.num_rows == 40
    assert metadata.num_row_groups >= 40 * len(line) // 4096


@pytest.mark.parametrize("step", ["written:1", "outputs-durable"])
def test_a_killed_parquet_run_leaves_nothing_under_the_final_name(inputs, tmp_path, step):
    output = tmp_path / "out.parquet"
    killed = newsclean(
        "parse", "-q", str(inputs), "-o", str(output), env={"NEWSCLEAN_CRASH_AT": step}
    )
    assert killed.returncode == -9
    assert not output.exists()
    again = newsclean("parse", "-q", str(inputs), "-o", str(output))
    assert again.returncode in (0, 1) and pq.read_metadata(output).num_rows > 50
    assert [path.name for path in tmp_path.iterdir()] == ["out.parquet"]  # no temporary left


def test_without_pyarrow_parquet_is_one_line_and_exit_2(tmp_path):
    blocked = (
        "import sys; sys.modules['pyarrow'] = None; from newsclean.__main__ import main; main()"
    )
    output = tmp_path / "out.parquet"
    result = subprocess.run(
        [sys.executable, "-c", blocked, "parse", str(GOLDEN / "clean.txt"), "-o", str(output)],
        capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 2
    assert (
        result.stderr
        == b"newsclean: writing Parquet needs pyarrow: pip install 'newsclean[parquet]'\n"
    )
    assert not output.exists() and not list(tmp_path.iterdir())


def test_schema_arrow_prints_the_parquet_schema():
    from newsclean.io.parquet import arrow_schema

    result = newsclean("schema", "--arrow")
    assert result.returncode == 0
    assert result.stdout.decode() == arrow_schema().to_string(show_schema_metadata=False) + "\n"
    assert "published_utc: timestamp[s, tz=UTC]" in result.stdout.decode()


def test_the_arrow_schema_follows_the_json_schema():
    """Field for field, in order, nullable where the JSON Schema allows null."""
    from newsclean import json_schema
    from newsclean.io.parquet import arrow_schema

    def check(properties: dict, fields) -> None:
        assert [field.name for field in fields] == list(properties)
        for field in fields:
            node = properties[field.name]
            allowed = node.get("type", [])
            nullable = (
                "null" in allowed
                or None in node.get("enum", [])
                or {"type": "null"} in node.get("oneOf", [])
            )
            assert field.nullable or not nullable, field
            nested = next(
                (option for option in node.get("oneOf", []) if option != {"type": "null"}), node
            )
            if nested.get("type") == "object":
                check(nested["properties"], list(field.type))
            if nested.get("type") == "array" and nested["items"].get("type") == "object":
                check(nested["items"]["properties"], list(field.type.value_type))

    check(json_schema()["properties"], list(arrow_schema()))


def test_batch_writes_parquet_parts_committed_like_jsonl(inputs, tmp_path):
    from newsclean import batch

    out = tmp_path / "out"
    result = newsclean(
        "batch", str(inputs), "-o", str(out), "--shards", "3", "--format", "parquet", "-j", "2"
    )
    assert result.returncode in (0, 1), result.stderr
    parts = batch.committed_parts(str(out))
    assert len(parts) == 3 and all(part.endswith(".parquet") for part in parts)
    found = [row for part in parts for row in _from_parquet(part)]
    expected = newsclean("parse", "-q", str(inputs)).stdout.splitlines()
    assert found == [json.loads(line) for line in expected]
    verified = newsclean("batch", "status", str(out), "--verify")
    assert verified.returncode == 0, verified.stderr  # each part's sha256 is the marker's
    again = newsclean("batch", str(inputs), "-o", str(out), "--shards", "3", "--resume")
    assert b"other arguments" in again.stderr and again.returncode == 2  # jsonl is another run
