"""Cron runs with --state: incremental, exactly once across kills, never two at once."""

from __future__ import annotations

import fcntl
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import orjson
import pytest

from helpers import TESTS, invoke, newsclean, wait_for

GOLDEN = TESTS / "golden"
SAMPLE = TESTS / "corpus_sample" / "dump"


@pytest.fixture
def folders(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    out.mkdir()
    for name in ("clean.txt", "concat.txt", "latin1.txt", "empty.txt"):
        (inbox / name).write_bytes((GOLDEN / name).read_bytes())
    return inbox, out, tmp_path / "state.db"


def parse(inbox, state, output, *extra, **kwargs):
    command = ["parse", "-q", str(inbox), "--state", str(state), "-o", str(output), *extra]
    return newsclean(*command, **kwargs)


def lines_of(path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


def _lock_holder(state) -> str:
    lock = state.parent / f"{state.name}.lock"
    return lock.read_text().strip() if lock.exists() else ""


def summary(state) -> dict:
    return json.loads(newsclean("state", "show", str(state), "--json").stdout)


def test_first_run_then_nothing_new(folders):
    inbox, out, state = folders
    first = parse(inbox, state, out / "1.jsonl")
    assert first.returncode == 1  # empty.txt is rejected
    assert len(lines_of(out / "1.jsonl")) == 5
    second = parse(inbox, state, out / "2.jsonl")
    assert second.returncode == 0 and second.stderr == b""
    assert lines_of(out / "2.jsonl") == []
    known = summary(state)
    assert known["inputs"] == 4
    assert known["by_outcome"] == {"empty": 1, "records": 3}
    assert [(r["id"], r["status"], r["parsed"], r["skipped"], r["records"]) for r in known["runs"]] == [
        (1, "done", 4, 0, 5, ),
        (2, "done", 0, 4, 0),
    ]  # fmt: skip


def test_new_and_changed_files_and_a_touched_one(folders):
    inbox, out, state = folders
    parse(inbox, state, out / "1.jsonl")
    (inbox / "new.txt").write_bytes((GOLDEN / "xdebug.txt").read_bytes())
    (inbox / "latin1.txt").write_bytes((GOLDEN / "headline_once.txt").read_bytes())
    clean = inbox / "clean.txt"
    os.utime(clean, ns=(clean.stat().st_atime_ns, clean.stat().st_mtime_ns + 10**9))  # touched
    parse(inbox, state, out / "2.jsonl")
    got = [
        (os.path.basename(r["source"]["path"]), r["warnings"]) for r in lines_of(out / "2.jsonl")
    ]
    assert got == [("latin1.txt", ["headline_not_repeated"]), ("new.txt", [])]
    assert summary(state)["runs"][-1]["skipped"] == 3  # concat, empty, and the touched clean.txt


def test_force_parses_everything_again(folders):
    inbox, out, state = folders
    parse(inbox, state, out / "1.jsonl")
    parse(inbox, state, out / "2.jsonl", "--force")
    assert lines_of(out / "2.jsonl") == lines_of(out / "1.jsonl")


def test_dedupe_skips_articles_emitted_before(folders):
    inbox, out, state = folders
    parse(inbox, state, out / "1.jsonl")
    (inbox / "copy.txt").write_bytes((GOLDEN / "clean.txt").read_bytes())  # the same article again
    (inbox / "other.txt").write_bytes((GOLDEN / "xdebug.txt").read_bytes())
    parse(inbox, state, out / "2.jsonl", "--dedupe")
    assert [os.path.basename(r["source"]["path"]) for r in lines_of(out / "2.jsonl")] == [
        "other.txt"
    ]
    assert newsclean("parse", str(inbox), "--dedupe").returncode == 2  # needs --state


def test_a_second_run_on_a_held_state_exits_75_and_writes_nothing(folders):
    inbox, out, state = folders
    holder = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsclean",
            "parse",
            "--files-from",
            "-",
            "--state",
            str(state),
            "-o",
            str(out / "a.jsonl"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: _lock_holder(state) == str(holder.pid))
        second = parse(inbox, state, out / "b.jsonl")
        assert second.returncode == 75
        [line] = second.stderr.decode().splitlines()
        assert f"held by another run (process {holder.pid})" in line
        assert not (out / "b.jsonl").exists()
        assert [p.name for p in out.iterdir() if "b.jsonl" in p.name] == []
    finally:
        holder.stdin.close()
        holder.wait(20)
    assert parse(inbox, state, out / "c.jsonl").returncode != 75  # free again


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a database at all" * 100, "not a newsclean state file"),
        (None, "a foreign database"),
    ],
)
def test_a_damaged_or_foreign_state_is_an_error_never_replaced(folders, content, message):
    inbox, out, state = folders
    if content is None:
        with sqlite3.connect(state) as foreign:
            foreign.execute("CREATE TABLE mine (x)")
    else:
        state.write_bytes(content)
    before = state.read_bytes()
    result = parse(inbox, state, out / "1.jsonl")
    assert result.returncode == 2
    assert message in result.stderr.decode()
    assert state.read_bytes() == before
    assert not (out / "1.jsonl").exists()


def _made(state, damage: str) -> None:
    """A state made by a run, then damaged inside by `damage` (SQL)."""
    assert (
        newsclean("parse", "-q", str(GOLDEN / "clean.txt"), "--state", str(state)).returncode == 0
    )
    with sqlite3.connect(state) as database:
        database.executescript(damage)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            "UPDATE meta SET value = 'two' WHERE key = 'schema_version'",
            "schema version is no number",
        ),
        ("UPDATE runs SET status = 'running', outputs = 'not json'", "outputs of run 1"),
        ("UPDATE runs SET status = 'running', outputs = '[1, 2]'", "outputs of run 1"),
        ("DROP TABLE emitted", "the table emitted is missing"),
        ("ALTER TABLE inputs RENAME COLUMN sha256 TO digest", "inputs.sha256 is missing"),
    ],
    ids=["version", "outputs", "outputs-shape", "table", "column"],
)
def test_a_state_damaged_inside_is_one_line_and_exit_2(folders, damage, message):
    inbox, out, state = folders
    _made(state, damage)
    result = parse(inbox, state, out / "1.jsonl")
    assert (result.returncode, result.stdout) == (2, b"")
    [line] = result.stderr.decode().splitlines()
    assert message in line and "damaged" in line
    assert not list(out.iterdir())


@pytest.mark.parametrize("step", ["state-creating", "state-migrating"])
def test_a_state_killed_while_created_or_migrated_is_usable_next(folders, step):
    inbox, out, state = folders
    if step == "state-migrating":
        _old_state(state)
    assert _killed_run(inbox, state, out / "1.jsonl", step).returncode == -signal.SIGKILL
    assert parse(inbox, state, out / "2.jsonl").returncode == 1  # empty.txt is rejected
    assert summary(state)["schema_version"] == 3
    _assert_exactly_once(inbox, out)


def _old_state(state) -> None:
    with sqlite3.connect(state) as old:  # schema version 1, as the first release made it
        old.executescript(
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE inputs (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                                 sha256 TEXT, outcome TEXT NOT NULL, run INTEGER NOT NULL);
            CREATE TABLE emitted (sha256 TEXT PRIMARY KEY, run INTEGER NOT NULL);
            CREATE TABLE runs (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, started REAL NOT NULL,
                               finished REAL, status TEXT NOT NULL, output TEXT, outputs TEXT,
                               parsed INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,
                               records INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0);
            INSERT INTO meta VALUES ('application', 'newsclean'), ('schema_version', '1');
            """
        )


def test_an_old_state_is_migrated_forward(folders):
    inbox, out, state = folders
    _old_state(state)
    assert parse(inbox, state, out / "1.jsonl").returncode == 1
    with sqlite3.connect(state) as migrated:
        assert migrated.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone() == ("3",)
        assert migrated.execute("SELECT sum(records) FROM inputs").fetchone() == (5,)


def test_state_prune_forgets_what_is_gone(folders):
    inbox, out, state = folders
    parse(inbox, state, out / "1.jsonl")
    (inbox / "concat.txt").unlink()
    result = newsclean("state", "prune", str(state))
    assert result.returncode == 0
    assert "forgot 1 input(s)" in result.stderr.decode()
    assert summary(state)["inputs"] == 3


def test_state_show_as_a_table(folders):
    inbox, out, state = folders
    parse(inbox, state, out / "1.jsonl")
    text = newsclean("state", "show", str(state)).stdout.decode()
    assert "4 inputs known" in text and "records" in text and "done" in text
    assert newsclean("state", "show", str(out / "missing.db")).returncode == 2


def test_a_run_killed_after_its_commit_is_completed_by_the_next(folders):
    """The window between committing the state and renaming the output: the next run renames."""
    inbox, out, state = folders
    parse(inbox, state, out / "1.jsonl")
    (inbox / "new.txt").write_bytes((GOLDEN / "xdebug.txt").read_bytes())
    temp = out / ".2.jsonl.newsclean-999999.tmp"
    temp.write_bytes(b'{"a record": "written before the kill"}\n')
    with sqlite3.connect(state) as db:  # what the killed run had committed
        db.execute(
            "INSERT INTO runs (pid, started, status, outputs) VALUES (999999, 0, 'committing', ?)",
            (json.dumps([[str(temp), str(out / "2.jsonl")]]),),
        )
    parse(inbox, state, out / "3.jsonl")
    assert (out / "2.jsonl").read_bytes() == b'{"a record": "written before the kill"}\n'
    assert not temp.exists()


def test_stale_temporary_files_of_killed_runs_are_removed(folders):
    inbox, out, state = folders
    stale = out / ".1.jsonl.newsclean-999999.tmp"
    stale.write_bytes(b"partial")
    parse(inbox, state, out / "1.jsonl")
    assert sorted(p.name for p in out.iterdir()) == ["1.jsonl"]


def _many_inputs(inbox, count: int) -> None:
    sample = sorted(SAMPLE.iterdir())
    for index in range(count):
        (inbox / f"{index:05d}.txt").write_bytes(sample[index % len(sample)].read_bytes())


# Every step of a run with --state, -o and --errors, in order: a kill at each must lose nothing.
CRASH_POINTS = (
    "run-begun", "written:1", "written:3", "outputs-durable", "state-committing", "published",
    "state-done",
)  # fmt: skip
STATUS_OF = {"": -signal.SIGKILL, "@SIGINT": 130, "@SIGTERM": 143}


def _articles(out) -> list[tuple[str, int]]:
    """(path, index) of every article in the committed outputs of `out`."""
    return [
        (record["source"]["path"], record["source"]["index"])
        for output in out.glob("*.jsonl")
        for record in lines_of(output)
    ]


def _rejected(errors) -> list[str]:
    """The path of every error line in the committed `--errors` files in `errors`."""
    return [entry["path"] for output in errors.glob("*.jsonl") for entry in lines_of(output)]


def _assert_exactly_once(inbox, out) -> None:
    everything = newsclean("parse", "-q", str(inbox)).stdout.splitlines()
    expected = {(r["source"]["path"], r["source"]["index"]) for r in map(orjson.loads, everything)}
    seen = _articles(out)
    assert len(seen) == len(set(seen)), "an article was written twice"
    assert set(seen) == expected, "an article was lost"
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    errors = out.parent / "errors"
    if errors.exists():
        assert sorted(_rejected(errors)) == [str(inbox / "empty.txt")], (
            "an error line lost or twice"
        )
        assert not [p for p in errors.iterdir() if p.name.endswith(".tmp")]


def _processes_naming(path) -> list[int]:
    """Live processes (zombies aside) whose command line names `path`: a run and its workers."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                named = str(path).encode() in cmdline.read()
            with open(f"/proc/{entry}/stat") as stat:
                zombie = stat.read().rsplit(")", 1)[1].split()[0] == "Z"
        except (FileNotFoundError, ProcessLookupError, NotADirectoryError, PermissionError):
            continue
        if named and not zombie:
            found.append(int(entry))
    return found


def _killed_run(inbox, state, output, step, *extra):
    return parse(inbox, state, output, *extra, env={"NEWSCLEAN_CRASH_AT": step})


def _errors_beside(output) -> tuple[str, str]:
    errors = output.parent.parent / "errors"
    errors.mkdir(exist_ok=True)
    return "--errors", str(errors / output.name)


@pytest.mark.parametrize("how", STATUS_OF, ids=["SIGKILL", "SIGINT", "SIGTERM"])
@pytest.mark.parametrize("mode", ["default jobs", "-j 1", "stdin"])
@pytest.mark.parametrize("step", CRASH_POINTS)
def test_a_run_stopped_at_any_step_loses_and_repeats_nothing(folders, step, mode, how):
    inbox, out, state = folders
    if mode == "-j 1" and how:
        pytest.skip("SIGINT and SIGTERM are held at the same steps with workers or without")
    if how and step in ("run-begun", "written:3"):
        pytest.skip("before the promise, a signal takes the run back as at written:1")
    if mode == "stdin":
        if step == "written:3":
            pytest.skip("standard input is one input: its third is never written")
        if how:
            pytest.skip("a stream is tested with SIGKILL: the files are what SIGINT/SIGTERM keep")
        stream = b"".join(path.read_bytes() for path in sorted(inbox.iterdir()))

        def run(output, **kwargs):  # a stream has no file to know again: its articles are
            command = ["parse", "-q", "-", "--state", str(state), "-o", str(output)]
            command.append("--dedupe")  # known by their dump's hash
            return newsclean(*command, input=stream, **kwargs)
    else:
        jobs = ["-j", "1"] if mode == "-j 1" else []

        def run(output, **kwargs):
            return parse(inbox, state, output, *_errors_beside(output), *jobs, **kwargs)

    stopped = run(out / "1.jsonl", env={"NEWSCLEAN_CRASH_AT": step + how})
    assert stopped.returncode == STATUS_OF[how], stopped.stderr
    assert b"Traceback" not in stopped.stderr
    wait_for(lambda: not _processes_naming(out / "1.jsonl"), "the stopped run's workers' end", 5)
    if mode != "stdin":
        (inbox / "later.txt").write_bytes((GOLDEN / "xdebug.txt").read_bytes())
    assert run(out / "2.jsonl").returncode in (0, 1)
    if mode == "stdin":
        assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
        seen = _articles(out)
        assert (
            len(seen)
            == len(set(seen))
            == len(newsclean("parse", "-", input=stream).stdout.splitlines())
        )
    else:
        _assert_exactly_once(inbox, out)
    assert [run["status"] for run in summary(state)["runs"]][-1] == "done"


@pytest.mark.slow
def test_kills_at_random_steps_over_many_runs_lose_and_repeat_nothing(folders):
    """A soak: inputs keep arriving, and most runs are killed at a step drawn at random."""
    inbox, out, state = folders
    randomly = random.Random(7)
    for run in range(10):
        _many_inputs(inbox, 200 + 40 * run)
        step = randomly.choice([*CRASH_POINTS, f"written:{randomly.randrange(1, 250)}", "none"])
        how = randomly.choice(list(STATUS_OF)) if step != "none" else ""
        _killed_run(inbox, state, out / f"{run}.jsonl", step + how, "-j", "1")
    assert parse(inbox, state, out / "final.jsonl").returncode in (0, 1)
    _assert_exactly_once(inbox, out)


def test_on_stdout_the_state_commits_after_each_flush(folders):
    inbox, _, state = folders
    result = newsclean("parse", "-q", str(inbox), "--state", str(state))
    assert len(result.stdout.splitlines()) == 5
    assert summary(state)["by_outcome"] == {"empty": 1, "records": 3}
    again = newsclean("parse", "-q", str(inbox), "--state", str(state))
    assert again.stdout == b""


def test_the_lock_names_its_holder(tmp_path):
    state = tmp_path / "state.db"
    with open(f"{state}.lock", "w") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write("4242\n")
        lock.flush()
        result = newsclean("parse", str(GOLDEN / "clean.txt"), "--state", str(state))
    assert result.returncode == 75
    assert result.stdout == b""
    assert "process 4242" in result.stderr.decode()


def test_the_cron_wrapper_writes_dated_outputs_and_error_logs(folders, tmp_path):
    inbox, out, state = folders
    logs = tmp_path / "logs"
    old_log = logs / "2000-01-01T0000.errors.jsonl"
    logs.mkdir()
    old_log.write_text("{}\n")
    os.utime(old_log, (0, 0))
    env = {
        **os.environ,
        "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}",
        "NEWSCLEAN_DUMPS": str(inbox),
        "NEWSCLEAN_OUT": str(out),
        "NEWSCLEAN_LOGS": str(logs),
        "NEWSCLEAN_STATE": str(state),
    }
    wrapper = TESTS.parent / "examples" / "cron" / "newsclean-cron"
    (inbox / "arriving.txt").write_bytes((GOLDEN / "xdebug.txt").read_bytes())  # still written
    for settled in ("clean.txt", "concat.txt", "latin1.txt", "empty.txt"):
        os.utime(inbox / settled, (time.time() - 3600,) * 2)  # an hour ago: past the 2m default
    first = subprocess.run([str(wrapper)], env=env, capture_output=True)
    assert first.returncode == 0, first.stderr
    [output] = out.glob("*.jsonl")
    assert len(lines_of(output)) == 5  # not the arriving file's: it is left for the next run
    [log] = logs.glob("*.errors.jsonl")  # the old one was rotated away
    assert json.loads(log.read_text())["code"] == "empty"
    second = subprocess.run([str(wrapper)], env=env, capture_output=True)
    assert second.returncode == 0
    assert list(out.glob("*.jsonl")) == [output]  # nothing new: no empty file


def test_min_age_leaves_files_still_being_written_for_the_next_run(folders):
    inbox, out, state = folders
    an_hour_ago = time.time() - 3600
    for name in ("clean.txt", "concat.txt", "latin1.txt", "empty.txt"):
        os.utime(inbox / name, (an_hour_ago, an_hour_ago))
    (inbox / "arriving.txt").write_bytes((GOLDEN / "xdebug.txt").read_bytes())  # mtime: now
    first = newsclean("parse", str(inbox), "--state", str(state), "-o", str(out / "1.jsonl"),
                      "--min-age", "5m")  # fmt: skip
    assert first.returncode == 1  # empty.txt
    assert "(1 settling, left for the next run)" in first.stderr.decode()
    assert "arriving.txt" not in (out / "1.jsonl").read_text()
    assert "arriving.txt" not in json.dumps(summary(state))  # not recorded: taken next time
    os.utime(inbox / "arriving.txt", (an_hour_ago, an_hour_ago))
    second = parse(inbox, state, out / "2.jsonl", "--min-age", "5m")
    assert [r["source"]["path"] for r in lines_of(out / "2.jsonl")] == [str(inbox / "arriving.txt")]
    assert second.returncode == 0


@pytest.mark.parametrize("value", ["soon", "-5", "5x", "nan"])
def test_a_bad_min_age_is_a_usage_error(value):
    result = invoke("parse", str(GOLDEN / "clean.txt"), "--min-age", value)
    assert result.exit_code == 2 and "not a duration" in result.stderr
