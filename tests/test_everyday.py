"""The options of everyday use, each through the real command: compressed outputs by name,
--glob/--exclude, --dry-run, --summary-json, -qq; and the reading aids of show and check."""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import lzma
import os
import shutil
import sqlite3

import orjson
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fuzz import reference_glob
from helpers import TESTS, newsclean
from newsclean.io.patterns import FileFilter

GOLDEN = TESTS / "golden"
EXAMPLES = TESTS.parent / "examples" / "dumps"


@pytest.fixture(scope="module")
def plain():
    return newsclean("parse", "-q", str(EXAMPLES)).stdout


@pytest.mark.parametrize(
    ("ending", "decompress"),
    [(".gz", gzip.decompress), (".bz2", bz2.decompress), (".xz", lzma.decompress),
     (".GZ", gzip.decompress), (".jsonl.unknown", bytes)],
)  # fmt: skip
def test_outputs_are_compressed_by_their_name(tmp_path, plain, ending, decompress):
    out, errors = tmp_path / f"out.jsonl{ending}", tmp_path / f"errors.jsonl{ending}"
    sources = [str(EXAMPLES), str(GOLDEN / "empty.txt")]
    result = newsclean("parse", "-q", *sources, "-o", str(out), "--errors", str(errors))
    assert result.returncode == 1  # empty.txt is rejected
    assert decompress(out.read_bytes()) == plain
    assert orjson.loads(decompress(errors.read_bytes()))["code"] == "empty"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, errors.name])


def test_zstd_output_needs_its_package(tmp_path, plain):
    out = tmp_path / "out.jsonl.zst"
    result = newsclean("parse", "-q", str(EXAMPLES), "-o", str(out))
    if importlib.util.find_spec("zstandard") is None:
        assert result.returncode == 2
        assert b"pip install 'newsclean[zstd]'" in result.stderr
        assert list(tmp_path.iterdir()) == []  # no temporary file left behind
    else:
        import zstandard

        assert result.returncode == 0
        assert zstandard.ZstdDecompressor().decompressobj().decompress(out.read_bytes()) == plain


@pytest.fixture
def mixed(tmp_path):
    """A scraper's folder: dumps, logs and temporary files, in sub-folders."""
    folder = tmp_path / "dumps"
    clean = (GOLDEN / "clean.txt").read_bytes()
    for name in ("a.txt", "b.txt", "2016/c.txt", "2016/10/d.txt", "tmp/e.txt", "f.txt.tmp",
                 "scraper.log", "2016/g.log"):  # fmt: skip
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(clean if ".txt" in name else b"log line\n")
    return folder


def taken(folder, *options) -> list[str]:
    result = newsclean("parse", str(folder), "--dry-run", *options)
    assert result.returncode == 0, result.stderr
    return [line.removeprefix(f"{folder}/") for line in result.stdout.decode().splitlines()]


def test_glob_and_exclude_choose_a_folders_files(mixed):
    assert taken(mixed, "--glob", "*.txt") == [
        "2016/10/d.txt",
        "2016/c.txt",
        "a.txt",
        "b.txt",
        "tmp/e.txt",
    ]
    assert taken(mixed, "--glob", "*.txt", "--exclude", "tmp/**") == [
        "2016/10/d.txt", "2016/c.txt", "a.txt", "b.txt",
    ]  # fmt: skip
    assert taken(mixed, "--glob", "2016/**/*.txt") == ["2016/10/d.txt", "2016/c.txt"]
    assert taken(mixed, "--glob", "/*.txt") == ["a.txt", "b.txt"]
    assert taken(mixed, "--exclude", "*.log", "--exclude", "*.tmp", "--exclude", "[ab].txt") == [
        "2016/10/d.txt", "2016/c.txt", "tmp/e.txt",
    ]  # fmt: skip
    records = newsclean("parse", "-q", str(mixed), "--glob", "*.txt", "--exclude", "tmp/**")
    assert records.returncode == 0 and len(records.stdout.splitlines()) == 4


def test_files_named_one_by_one_are_always_taken(mixed, tmp_path):
    listing = tmp_path / "list"
    listing.write_text(f"{mixed}/scraper.log\n")
    result = newsclean("parse", str(mixed / "f.txt.tmp"), "--files-from", str(listing),
                       "--glob", "*.txt", "--dry-run")  # fmt: skip
    assert result.stdout.decode().splitlines() == [f"{mixed}/f.txt.tmp", f"{mixed}/scraper.log"]


@pytest.mark.parametrize("pattern", ["[abc", "", "[[:alpha:]]*"])
def test_a_bad_pattern_is_a_usage_error(mixed, pattern):
    result = newsclean("parse", str(mixed), "--glob", pattern)
    assert result.returncode == 2 and result.stdout == b""
    assert len(result.stderr.decode().splitlines()) == 1
    assert b"Warning" not in result.stderr  # no FutureWarning from the regex engine


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "*", "?", "/", "**", "**/"]), min_size=1, max_size=7),
    st.lists(st.sampled_from(["a", "b", "/"]), min_size=1, max_size=8),
)
def test_glob_matching_is_what_backtracking_gives(pattern_parts, path_parts):
    pattern, path = "".join(pattern_parts), "".join(path_parts)
    assume(not path.startswith("/") and not path.endswith("/") and "//" not in path)
    assume("//" not in pattern and not pattern.endswith("/") and pattern != "/")
    assume(all(part == "**" or "**" not in part for part in pattern.split("/")))
    assert FileFilter.of([pattern]).takes(path) == reference_glob(pattern, path)


def test_patterns_that_backtracked_exponentially_are_answered(tmp_path):
    """`*a*a*...*b` on a name of forty `a`s took 40 s, `**/**/...` likewise: now linear."""
    assert not FileFilter.of(["*a*a*a*a*a*a*a*a*a*a*b"]).takes("a" * 40)
    assert not FileFilter.of(["/".join(["**"] * 12) + "/b"]).takes("/".join(["a"] * 40))
    assert FileFilter.of(["**/*a*a*a*a*b/**"]).takes("/".join(["a" * 30] * 20) + "/aaaab/x")


def test_nothing_matched_is_one_line_and_exit_0(mixed, tmp_path):
    result = newsclean("parse", str(mixed), "--glob", "*.json")
    assert result.returncode == 0 and result.stdout == b""
    assert result.stderr.decode() == (
        f"newsclean: no input files matching --glob/--exclude in {mixed}: nothing to parse\n"
    )
    (tmp_path / "empty").mkdir()
    assert newsclean("parse", str(tmp_path / "empty"), "-q").stderr == b""


def test_dry_run_with_a_state_lists_the_new_and_changed_and_writes_nothing(mixed, tmp_path):
    state, out = tmp_path / "state.db", tmp_path / "out.jsonl"
    first = newsclean("parse", str(mixed), "--glob", "*.txt", "--state", str(state), "-o", str(out))
    assert first.returncode == 0
    (mixed / "new.txt").write_bytes((GOLDEN / "clean.txt").read_bytes())
    (mixed / "b.txt").write_bytes((GOLDEN / "crlf.txt").read_bytes())
    before = {
        p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir() if p.is_file()
    }
    dry = newsclean("parse", str(mixed), "--glob", "*.txt", "--state", str(state), "-o",
                    str(tmp_path / "next.jsonl"), "--dry-run", "-0")  # fmt: skip
    assert dry.returncode == 0
    assert dry.stdout == f"{mixed}/b.txt\0{mixed}/new.txt\0".encode()
    after = {
        p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.iterdir() if p.is_file()
    }
    assert after == before  # no output, the state and its lock untouched
    with sqlite3.connect(state) as db:  # still what the first run recorded
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_dry_run_without_a_state_file_yet_lists_everything(mixed, tmp_path):
    assert len(taken(mixed, "--state", str(tmp_path / "none.db"))) == 8
    assert not (tmp_path / "none.db").exists()


def test_summary_json_of_a_run(tmp_path):
    summary = tmp_path / "run.json"
    result = newsclean("parse", "-q", str(EXAMPLES), str(GOLDEN / "empty.txt"),
                       "--summary-json", str(summary), "-o", str(tmp_path / "o.jsonl"))  # fmt: skip
    assert result.returncode == 1
    found = orjson.loads(summary.read_bytes())
    assert set(found) == {
        "version", "status", "error", "committed", "inputs", "records", "records_parsed",
        "duplicates_skipped", "records_with_warnings", "rejected", "warnings",
        "unchanged_skipped", "settling", "bytes", "seconds", "jobs", "output", "errors_output",
    }  # fmt: skip
    assert (found["status"], found["error"], found["inputs"], found["records"]) == (1, None, 15, 16)
    assert found["committed"] is True and found["records_parsed"] == 16
    assert found["rejected"] == {"empty": 1} and found["records_with_warnings"] == 7
    assert found["output"] == str(tmp_path / "o.jsonl") and found["errors_output"] is None


def test_summary_json_is_written_when_the_run_fails(tmp_path):
    summary = tmp_path / "run.json"
    result = newsclean("parse", str(EXAMPLES), "--summary-json", str(summary),
                       "-o", str(tmp_path / "missing" / "o.jsonl"))  # fmt: skip
    assert result.returncode == 2
    found = orjson.loads(summary.read_bytes())
    assert found["status"] == 2 and "does not exist" in found["error"]
    assert newsclean("parse", str(EXAMPLES), "--summary-json", "-").returncode == 2
    nowhere = newsclean("parse", str(EXAMPLES), "--summary-json", str(tmp_path / "no" / "s.json"))
    assert nowhere.returncode == 2 and nowhere.stdout == b""  # said before any record is written


def test_qq_says_nothing_but_keeps_rejections_in_errors_and_status(tmp_path):
    errors = tmp_path / "errors.jsonl"
    result = newsclean("parse", "-qq", str(GOLDEN / "empty.txt"), str(GOLDEN / "binary.txt"),
                       "--errors", str(errors))  # fmt: skip
    assert (result.returncode, result.stderr) == (1, b"")
    assert [orjson.loads(line)["code"] for line in errors.read_bytes().splitlines()] == [
        "empty",
        "not_text",
    ]
    one_q = newsclean("parse", "-q", str(GOLDEN / "empty.txt"))
    assert one_q.stderr.decode().splitlines() == [
        f"newsclean: {GOLDEN}/empty.txt: empty: the input is empty"
    ]
    failed = newsclean("parse", "-qq", str(GOLDEN / "clean.txt"), "-o", str(tmp_path / "no" / "o"))
    assert failed.returncode == 2 and len(failed.stderr.splitlines()) == 1  # a fatal error says why


@pytest.mark.parametrize("value", ["5x", "-1", "soon"])
def test_a_bad_duration_is_a_usage_error(value):
    assert newsclean("parse", str(EXAMPLES), "--min-age", value).returncode == 2


def test_show_says_which_article_of_how_many():
    result = newsclean("show", str(EXAMPLES / "concat.txt"), "--index", "-1")
    lines = result.stdout.decode().splitlines()
    assert lines[-2] == f"{EXAMPLES}/concat.txt: article #2 of 3, at byte 806"
    assert lines[-1] == f"the others: newsclean show {EXAMPLES}/concat.txt --index 0 (0 to 2)"
    alone = newsclean("show", str(EXAMPLES / "clean.txt")).stdout.decode().splitlines()
    assert alone[-1].endswith("article #0 of 1, at byte 0")
    wrong = newsclean("show", str(EXAMPLES / "concat.txt"), "--index", "3")
    assert wrong.returncode == 2 and b"--index 0 to 2" in wrong.stderr


def test_show_json_escapes_a_name_that_is_not_utf8(tmp_path):
    name = os.fsdecode(b"caf\xe9.txt")
    shutil.copyfile(GOLDEN / "clean.txt", tmp_path / name)
    result = newsclean("show", "--json", str(tmp_path / name))
    assert result.returncode == 0, result.stderr
    assert orjson.loads(result.stdout)["source"]["path"] == f"{tmp_path}/caf\\xe9.txt"
    parsed = newsclean("parse", str(tmp_path / name)).stdout
    assert orjson.loads(parsed)["source"]["path"] == f"{tmp_path}/caf\\xe9.txt"  # as parse


def test_check_names_articles_file_hash_index():
    report = orjson.loads(newsclean("check", "--json", str(EXAMPLES)).stdout)
    assert report["warnings"]["payload_missing"]["examples"] == [
        f"{EXAMPLES}/concat.txt#1", f"{EXAMPLES}/no_payload.txt#0",
    ]  # fmt: skip
    table = newsclean("check", str(EXAMPLES)).stdout.decode()
    assert "concat.txt#1" in table and "FILE#K: the K-th article of FILE" in table


def test_options_come_from_the_environment_and_flags_win(tmp_path):
    """NEWSCLEAN_<OPTION> sets an option of parse (and check); a flag given wins."""
    fresh = tmp_path / "fresh.txt"
    fresh.write_bytes((GOLDEN / "clean.txt").read_bytes())  # modified just now
    settling = newsclean("parse", str(fresh), env={"NEWSCLEAN_MIN_AGE": "1h"})
    assert settling.stdout == b"" and b"settling" in settling.stderr
    flag_wins = newsclean("parse", "-q", str(fresh), "--min-age", "0",
                          env={"NEWSCLEAN_MIN_AGE": "1h"})  # fmt: skip
    assert len(flag_wins.stdout.splitlines()) == 1
    strict = newsclean("parse", "-q", str(GOLDEN / "latin1.txt"), env={"NEWSCLEAN_STRICT": "1"})
    assert strict.returncode == 1  # its record has a warning
    bad = newsclean("parse", str(fresh), env={"NEWSCLEAN_JOBS": "0"})
    assert bad.returncode == 2 and b"--jobs" in bad.stderr
    checked = newsclean("check", str(GOLDEN / "latin1.txt"), env={"NEWSCLEAN_STRICT": "1"})
    assert checked.returncode == 1
