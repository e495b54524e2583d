"""A run's outputs (io/outputs.py): where each goes, what `-` means, outputs that would collide,
every byte delivered, and counts that say what was written."""

from __future__ import annotations

import fcntl
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading

import orjson
import pytest

from helpers import ROOT, TESTS, newsclean, wait_for

GOLDEN = TESTS / "golden"
EXAMPLES = ROOT / "examples" / "dumps"
SAMPLE = TESTS / "corpus_sample" / "dump"


def _one_line(result) -> str:
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# -- what `-`, FIFOs and devices mean ------------------------------------------------------------


def test_summary_json_on_a_fifo_is_written_into_it(tmp_path):
    fifo = tmp_path / "summary"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    result = newsclean("parse", "-q", str(EXAMPLES), "-o", str(tmp_path / "o.jsonl"),
                       "--summary-json", str(fifo))  # fmt: skip
    reader.join(60)
    assert result.returncode == 0
    assert fifo.is_fifo()  # written into, never replaced by a regular file
    assert orjson.loads(got[0])["records"] == 16


def test_errors_dash_is_stdout_when_records_go_to_a_file(tmp_path):
    result = newsclean("parse", "-q", str(GOLDEN / "empty.txt"), str(GOLDEN / "clean.txt"),
                       "-o", str(tmp_path / "o.jsonl"), "--errors", "-")  # fmt: skip
    assert result.returncode == 1
    assert [orjson.loads(line)["code"] for line in result.stdout.splitlines()] == ["empty"]
    assert not (tmp_path / "-").exists() and not (ROOT / "-").exists()
    assert len((tmp_path / "o.jsonl").read_bytes().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [["--errors", "-"], ["--summary-json", "-"], ["-o", "-", "--errors", "-"]],
    ids=["errors", "summary", "both"],
)
def test_dash_twice_on_stdout_is_one_line_and_exit_2(args):
    result = newsclean("parse", str(GOLDEN / "clean.txt"), *args)
    assert result.returncode == 2 and result.stdout == b""
    assert "both name standard output" in _one_line(result)


def test_state_dash_is_refused(tmp_path):
    result = newsclean("parse", str(EXAMPLES), "--state", "-", cwd=tmp_path)
    assert result.returncode == 2 and "--state needs a FILE" in _one_line(result)
    assert not list(tmp_path.iterdir())


def test_show_dash_reads_standard_input():
    dump = (GOLDEN / "concat.txt").read_bytes()
    result = newsclean("show", "-", "--index", "-1", "--json", input=dump)
    assert result.returncode == 0, result.stderr
    record = orjson.loads(result.stdout)
    assert record["source"]["path"] == "-" and record["source"]["index"] >= 1


# -- outputs that would collide: refused before anything is read ---------------------------------


def test_two_outputs_naming_one_file_are_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "x.jsonl"
    for second in (["--summary-json", str(out)], ["--errors", str(out)]):
        result = newsclean("parse", str(EXAMPLES), "-o", str(out), *second)
        assert result.returncode == 2
        assert "both name" in _one_line(result) and not out.exists()
    state = newsclean("parse", str(EXAMPLES), "-o", str(out), "--state", str(out))
    assert state.returncode == 2 and "is the --state file" in _one_line(state)
    assert not out.exists()


def test_a_link_to_the_same_file_collides_too(tmp_path):
    out, link = tmp_path / "x.jsonl", tmp_path / "link.jsonl"
    link.symlink_to(out)
    result = newsclean("parse", str(EXAMPLES), "-o", str(link), "--errors", str(out))
    assert result.returncode == 2 and "both name" in _one_line(result)


def test_an_output_naming_an_input_is_refused_and_the_input_kept(tmp_path):
    inbox = tmp_path / "d"
    inbox.mkdir()
    dump = (GOLDEN / "clean.txt").read_bytes()
    (inbox / "clean.txt").write_bytes(dump)
    named = newsclean("parse", str(inbox / "clean.txt"), "-o", str(inbox / "clean.txt"))
    assert named.returncode == 2 and "is an input" in _one_line(named)
    walked = newsclean("parse", str(inbox), "-o", str(inbox / "clean.txt"))
    assert walked.returncode == 2 and "input folder" in _one_line(walked)
    new_in_folder = newsclean("parse", str(inbox), "-o", str(inbox / "out.jsonl"))
    assert new_in_folder.returncode == 2  # the next run would read it as an input
    assert (inbox / "clean.txt").read_bytes() == dump and not (inbox / "out.jsonl").exists()
    # Left out by the filters, or hidden, it is no input: allowed.
    excluded = newsclean("parse", "-q", str(inbox), "--exclude", "*.jsonl",
                         "-o", str(inbox / "out.jsonl"))  # fmt: skip
    assert excluded.returncode == 0, excluded.stderr
    (inbox / "out.jsonl").unlink()
    hidden = newsclean("parse", "-q", str(inbox), "-o", str(inbox / ".out.jsonl"))
    assert hidden.returncode == 0, hidden.stderr


def test_a_listed_input_that_is_an_output_stops_the_run_before_anything_is_replaced(tmp_path):
    dump = (GOLDEN / "clean.txt").read_bytes()
    (tmp_path / "clean.txt").write_bytes(dump)
    listing = tmp_path / "list"
    listing.write_text(f"{GOLDEN / 'concat.txt'}\n{tmp_path / 'clean.txt'}\n")
    result = newsclean("parse", "--files-from", str(listing), "-o", str(tmp_path / "clean.txt"))
    assert result.returncode == 2 and "is one of its outputs" in _one_line(result)
    assert (tmp_path / "clean.txt").read_bytes() == dump
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clean.txt", "list"]


# -- every byte delivered -------------------------------------------------------------------------


def test_a_non_blocking_unbuffered_stdout_gets_every_record():
    """PYTHONUNBUFFERED=1 makes stdout a raw file; with O_NONBLOCK (set by some supervisors) a
    write takes part of the bytes, or none until the reader has read."""
    expected = newsclean("parse", "-q", str(SAMPLE)).stdout
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    run = subprocess.Popen(
        [sys.executable, "-m", "newsclean", "parse", "-q", "-j", "1", str(SAMPLE)],
        stdout=write_end, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    os.close(write_end)

    def waiting_for_room() -> bool:
        """The run sleeps in select/poll: its write found the pipe full."""
        with open(f"/proc/{run.pid}/wchan") as wchan:
            return any(word in wchan.read() for word in ("poll", "select"))

    # The reader is slow: it reads nothing until a write of the run has found the pipe full
    # (or the run is over: without the loop over partial writes, it ends having lost bytes).
    wait_for(lambda: run.poll() is not None or waiting_for_room(), "a full pipe")
    got = b""
    while chunk := os.read(read_end, 65536):
        got += chunk
    os.close(read_end)
    assert run.wait(60) == 0, run.stderr.read()
    assert got == expected


def test_unbuffered_stdout_into_head_ends_141():
    command = f"{sys.executable} -m newsclean parse {SAMPLE} | head -1"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, env=env)
    assert (result.returncode, result.stderr) == (141, b"")
    assert len(result.stdout.splitlines()) == 1


# -- counts that say what was written -------------------------------------------------------------


def test_with_dedupe_every_count_is_the_lines_written(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("a.txt", "b.txt"):  # the same article twice
        (inbox / name).write_bytes((GOLDEN / "clean.txt").read_bytes())
    state, out, report = tmp_path / "s.db", tmp_path / "o.jsonl", tmp_path / "run.json"
    result = newsclean("parse", str(inbox), "--state", str(state), "--dedupe", "-o", str(out),
                       "--summary-json", str(report))  # fmt: skip
    assert result.returncode == 0
    written = len(out.read_bytes().splitlines())
    summary = orjson.loads(report.read_bytes())
    assert (written, summary["records"], summary["duplicates_skipped"]) == (1, 1, 1)
    assert summary["records_parsed"] == 2
    assert (
        "1 record (" in result.stderr.decode() and "1 duplicates left out" in result.stderr.decode()
    )
    shown = json.loads(newsclean("state", "show", str(state), "--json").stdout)
    assert (shown["runs"][-1]["records"], shown["runs"][-1]["duplicates"]) == (1, 1)


def test_after_an_interrupt_the_summary_says_nothing_was_committed(tmp_path):
    report = tmp_path / "run.json"
    result = newsclean("parse", str(EXAMPLES), "-o", str(tmp_path / "o.jsonl"), "-j", "1",
                       "--summary-json", str(report),
                       env={"NEWSCLEAN_CRASH_AT": "written:3@SIGTERM"})  # fmt: skip
    assert result.returncode == 143
    summary = orjson.loads(report.read_bytes())
    assert (summary["status"], summary["committed"], summary["records"]) == (143, False, 0)
    assert summary["records_parsed"] > 0 and not (tmp_path / "o.jsonl").exists()


# -- the state file --------------------------------------------------------------------------------


def test_an_empty_state_file_is_refused(tmp_path):
    state = tmp_path / "s.db"
    state.write_bytes(b"")
    result = newsclean("parse", str(EXAMPLES), "--state", str(state), "-o", str(tmp_path / "o"))
    assert result.returncode == 2 and "an empty file" in _one_line(result)
    assert state.read_bytes() == b"" and not (tmp_path / "o").exists()


def test_a_state_locked_by_another_program_is_held_not_damaged(tmp_path):
    state = tmp_path / "s.db"
    assert newsclean("parse", "-q", str(EXAMPLES), "--state", str(state)).returncode == 0
    holder = sqlite3.connect(state, isolation_level=None, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = newsclean("parse", "-q", str(EXAMPLES), "--state", str(state))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 75 and "held by another program" in _one_line(result)


def test_a_promised_file_that_is_gone_is_said_and_its_inputs_taken_again(tmp_path):
    inbox, out, state = tmp_path / "in", tmp_path / "out", tmp_path / "s.db"
    inbox.mkdir()
    out.mkdir()
    (inbox / "clean.txt").write_bytes((GOLDEN / "clean.txt").read_bytes())
    first = newsclean("parse", "-q", str(inbox), "--state", str(state), "-o", str(out / "1.jsonl"),
                      env={"NEWSCLEAN_CRASH_AT": "state-committing"})  # fmt: skip
    assert first.returncode < 0  # killed after its promise
    for temporary in out.glob(".*.tmp"):
        temporary.unlink()  # lost, as a cleaner of /tmp or a person might
    second = newsclean("parse", str(inbox), "--state", str(state), "-o", str(out / "2.jsonl"))
    assert second.returncode == 0
    assert "is gone: its inputs are parsed again" in second.stderr.decode()
    assert len((out / "2.jsonl").read_bytes().splitlines()) == 1  # taken again, not lost
    runs = json.loads(newsclean("state", "show", str(state), "--json").stdout)["runs"]
    assert [run["status"] for run in runs] == ["lost", "done"]


def test_a_full_disk_summary_counts_what_was_parsed(tmp_path):
    report = tmp_path / "run.json"
    result = newsclean(
        "parse", "-q", str(EXAMPLES), "-o", "/dev/full", "--summary-json", str(report)
    )
    assert result.returncode == 74
    summary = orjson.loads(report.read_bytes())
    assert summary["status"] == 74 and "No space left" in summary["error"]
    assert summary["inputs"] > 0 and summary["bytes"] > 0 and summary["committed"] is False


def test_state_show_needs_no_lock_and_says_what_a_folder_is(tmp_path):
    state = tmp_path / "s.db"
    assert newsclean("parse", "-q", str(EXAMPLES), "--state", str(state)).returncode == 0
    with open(f"{state}.lock", "w") as lock:  # another run holds it
        fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        shown = newsclean("state", "show", str(state), "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["inputs"] == 14
    folder = newsclean("state", "show", str(tmp_path))
    assert folder.returncode == 2 and "is a folder" in _one_line(folder)


def test_dry_run_on_a_terminal_escapes_names(tmp_path):
    from newsclean.io.environment import Environment
    from newsclean.run.dry_run import run_dry
    from newsclean.run.settings import Inputs, ParseOptions

    (tmp_path / "a\x1b[2Jb\nc.txt").write_bytes(b"x")
    stdout = io.BytesIO()
    env = Environment(stdin=io.BytesIO(), stdout=stdout, stdout_isatty=True)
    run_dry(ParseOptions(Inputs((str(tmp_path),))), env)
    assert stdout.getvalue().decode() == f"{tmp_path}/a\\x1b[2Jb\\nc.txt\n"
    piped = io.BytesIO()  # off a terminal: the name's bytes, for --files-from and xargs -0
    run_dry(ParseOptions(Inputs((str(tmp_path),), null_separated=True)), Environment(stdout=piped))
    assert piped.getvalue() == f"{tmp_path}/a\x1b[2Jb\nc.txt\0".encode()
