"""Running unattended: the README's cron line, defaults from the environment and a config file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from helpers import ROOT, TESTS, newsclean

GOLDEN = TESTS / "golden"
EXAMPLES = ROOT / "examples" / "dumps"
CLEAN = (GOLDEN / "clean.txt").read_bytes()
OTHER = (GOLDEN / "dateline_iso.txt").read_bytes()


def cron_line() -> str:
    """The command of the README's crontab line, as cron gives it to sh (`\\%` is `%`)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [line] = re.findall(r"^    \*/15 \* \* \* \* (cd .* newsclean parse .*)$", readme, re.MULTILINE)
    return line.replace("\\%", "%")


def _run_cron(home: Path, inbox: Path, stamp: str) -> subprocess.CompletedProcess[bytes]:
    """The line with its folders here, and `date` giving `stamp`: two runs in one second
    must not name the same files (on a real crontab they are 15 minutes apart)."""
    command = (
        cron_line().replace("/srv/newsclean", str(home)).replace("/srv/scraper/dumps", str(inbox))
    )
    stub = f"date() {{ echo {stamp}; }}; "
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["sh", "-c", stub + command], capture_output=True, env={**os.environ, "PATH": path}
    )


def _aged(path: Path, seconds: float) -> None:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


def test_the_readme_cron_line_takes_each_file_once_whole_and_leaves_no_empty_file(tmp_path):
    home, inbox = tmp_path / "home", tmp_path / "dumps"
    for folder in (home / "out", home / "errors", inbox):
        folder.mkdir(parents=True)
    (inbox / "done.txt").write_bytes(CLEAN)
    _aged(inbox / "done.txt", 600)
    (inbox / "writing.txt").write_bytes(OTHER[: len(OTHER) // 2])  # the scraper is at it now

    first = _run_cron(home, inbox, "run1")
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in (home / "out").iterdir()) == ["run1.jsonl"]
    [record] = [
        orjson.loads(line) for line in (home / "out" / "run1.jsonl").read_bytes().splitlines()
    ]
    assert record["source"]["path"].endswith("done.txt") and record["warnings"] == []
    assert list((home / "errors").iterdir()) == []  # nothing rejected: no file

    (inbox / "writing.txt").write_bytes(OTHER)  # finished, a while ago
    _aged(inbox / "writing.txt", 120)
    second = _run_cron(home, inbox, "run2")
    assert second.returncode == 0, second.stderr
    [record] = [
        orjson.loads(line) for line in (home / "out" / "run2.jsonl").read_bytes().splitlines()
    ]
    assert record["source"]["path"].endswith("writing.txt") and record["warnings"] == []

    third = _run_cron(home, inbox, "run3")  # nothing new: nothing written
    assert third.returncode == 0, third.stderr
    assert sorted(p.name for p in (home / "out").iterdir()) == ["run1.jsonl", "run2.jsonl"]
    assert all(p.stat().st_size > 0 for p in (home / "out").iterdir())
    assert sorted(p.name for p in home.iterdir()) == ["errors", "out", "state.db", "state.db.lock"]


def test_min_age_is_a_minute_with_state_and_zero_takes_everything(tmp_path):
    (tmp_path / "new.txt").write_bytes(CLEAN)
    state = str(tmp_path / "s.db")
    settling = newsclean(
        "parse", str(tmp_path / "new.txt"), "--state", state, "-o", str(tmp_path / "out.jsonl"),
        "--summary-json", "-", env={"NEWSCLEAN_MIN_AGE": None},
    )  # fmt: skip
    assert orjson.loads(settling.stdout)["settling"] == 1
    taken = newsclean(
        "parse", "-q", str(tmp_path / "new.txt"), "--state", state, env={"NEWSCLEAN_MIN_AGE": "0"}
    )
    assert len(taken.stdout.splitlines()) == 1
    without_state = newsclean("parse", "-q", str(tmp_path / "new.txt"))
    assert len(without_state.stdout.splitlines()) == 1


def test_a_config_file_sets_defaults_under_the_environment_and_flags(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("clean.txt", "concat.txt", "crlf.txt"):
        (inbox / name).write_bytes((GOLDEN / name).read_bytes())
    config = tmp_path / "newsclean.toml"
    config.write_text('[parse]\nglob = ["clean*"]\nquiet = 2\n\n[batch.run]\nshards = 3\n')

    def headlines(*args: str, **env: str | None) -> int:
        result = newsclean(*args, env={"NEWSCLEAN_CONFIG": str(config), **env})
        assert result.returncode == 0, result.stderr
        return len(result.stdout.splitlines())

    assert headlines("parse", str(inbox)) == 1  # the file's glob
    every = len(newsclean("parse", "-q", str(inbox)).stdout.splitlines())
    crlf = len(newsclean("parse", "-q", str(inbox / "crlf.txt")).stdout.splitlines())
    assert headlines("parse", str(inbox), NEWSCLEAN_GLOBS="c*") == every  # the environment wins
    assert headlines("parse", str(inbox), "--glob", "crlf*", NEWSCLEAN_GLOBS="c*") == crlf  # a flag
    flag = newsclean("--config", str(config), "parse", str(inbox))
    assert len(flag.stdout.splitlines()) == 1 and flag.stderr == b""  # quiet = 2 from the file
    out = tmp_path / "out"
    assert headlines("batch", str(inbox), "-o", str(out)) == 0
    assert len(list((out / "_done").iterdir())) == 3  # shards = 3 from [batch.run]


def test_the_environment_sets_any_command_option(tmp_path):
    out = tmp_path / "out"
    result = newsclean(
        "batch", str(GOLDEN / "clean.txt"), "-o", str(out), env={"NEWSCLEAN_SHARDS": "2"}
    )
    assert result.returncode == 0, result.stderr
    assert len(list((out / "_done").iterdir())) == 2
    status = newsclean("batch", "status", str(out), env={"NEWSCLEAN_JSON": "1"})
    report = orjson.loads(status.stdout)
    assert (report["inputs"], report["records"], report["rejected"]) == (
        1,
        1,
        0,
    )  # the summary's words


@pytest.mark.parametrize(
    "config",
    ["[parse]\nno-such = 1\n", "[parse\n", '[parse]\njobs = "many"\n', "parse = 3\n"],
    ids=["unknown option", "not TOML", "bad value", "not a table"],
)
def test_a_bad_config_file_is_one_line_and_exit_2(tmp_path, config):
    path = tmp_path / "bad.toml"
    path.write_text(config)
    result = newsclean("--config", str(path), "parse", str(GOLDEN / "clean.txt"))
    assert result.returncode == 2 and result.stdout == b""
    [line] = result.stderr.decode().splitlines()
    assert line.startswith("newsclean: ") and ("bad.toml" in line or "--jobs" in line), line
    missing = newsclean(
        "parse", str(GOLDEN / "clean.txt"), env={"NEWSCLEAN_CONFIG": str(tmp_path / "none")}
    )
    assert missing.returncode == 2 and b"No such file" in missing.stderr


def test_zstd_inputs_are_read_when_zstandard_is_installed(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    plain = newsclean("parse", "-q", str(GOLDEN / "concat.txt")).stdout
    packed = tmp_path / "concat.txt.zst"
    packed.write_bytes(zstandard.ZstdCompressor().compress((GOLDEN / "concat.txt").read_bytes()))
    records = newsclean("parse", "-q", str(packed)).stdout
    assert [orjson.loads(line)["body"] for line in records.splitlines()] == [
        orjson.loads(line)["body"] for line in plain.splitlines()
    ]
    (tmp_path / "cut.zst").write_bytes(packed.read_bytes()[:-6] + b"\0" * 6)
    cut = newsclean("parse", str(tmp_path / "cut.zst"))
    assert cut.returncode == 1 and b": decompress_error: zstd" in cut.stderr


def test_check_takes_json_and_file_filters():
    report = orjson.loads(newsclean("check", "--json", "--glob", "clean*", str(EXAMPLES)).stdout)
    assert (report["inputs"], report["records"]) == (1, 1)


def test_state_show_gives_iso_times(tmp_path):
    state = tmp_path / "s.db"
    newsclean(
        "parse",
        "-q",
        str(GOLDEN / "clean.txt"),
        "--state",
        str(state),
        "-o",
        str(tmp_path / "o.jsonl"),
    )
    [run] = orjson.loads(newsclean("state", "show", str(state), "--json").stdout)["runs"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", run["started"])
    assert run["finished"] > run["started"] and run["seconds"] >= 0


def _paths(stdout: bytes) -> list[str]:
    return sorted({orjson.loads(line)["source"]["path"] for line in stdout.splitlines()})


def test_follow_and_hidden_widen_a_folders_walk(tmp_path):
    walked, other = tmp_path / "d", tmp_path / "other"
    (walked / "real").mkdir(parents=True)
    other.mkdir()
    (walked / "real" / "a.txt").write_bytes(CLEAN)
    (walked / ".hidden.txt").write_bytes(CLEAN)
    (other / "b.txt").write_bytes(OTHER)
    (walked / "linked").symlink_to(other)
    (walked / "real" / "up").symlink_to(walked)  # a loop, once links are followed

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return newsclean("parse", "-q", str(walked), *args)

    assert _paths(run().stdout) == [f"{walked}/real/a.txt"]
    assert _paths(run("--hidden").stdout) == [f"{walked}/.hidden.txt", f"{walked}/real/a.txt"]
    followed = run("-L")
    assert _paths(followed.stdout) == [f"{walked}/linked/b.txt", f"{walked}/real/a.txt"]
    assert followed.returncode == 1
    assert (
        f"{walked}/real/up: read_error: a link to a folder above it (a loop)".encode()
        in followed.stderr
    )
    out = tmp_path / "out"
    batch = newsclean("batch", str(walked), "-o", str(out), "--shards", "1", "--follow", "--hidden")
    assert batch.returncode == 0, batch.stderr
    assert orjson.loads((out / "_run.json").read_bytes())["arguments"]["follow"] is True


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color", "always"], {}, True),  # off a terminal, asked for
        ([], {"NEWSCLEAN_COLOR": "always"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": None}, True),
        (["--color", "never"], {"FORCE_COLOR": "1", "NO_COLOR": None}, False),
        ([], {}, False),  # off a terminal: plain
    ],
    ids=["always", "env", "FORCE_COLOR", "never", "auto"],
)
def test_color_auto_always_never_and_force_color(args, env, coloured):
    shown = newsclean(*args, "show", str(GOLDEN / "clean.txt"), env=env)
    assert shown.returncode == 0
    assert (b"\x1b[" in shown.stdout) is coloured
    assert shown.stdout.replace(b"\x1b[1m", b"").startswith(b"Ivanovic seals Canberra victory")


def test_a_bad_color_is_one_line_and_exit_2():
    result = newsclean("--color", "sometimes", "show", str(GOLDEN / "clean.txt"))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1


def test_batch_logs_progress_as_json_is_quiet_with_q_and_writes_a_summary(tmp_path):
    out = tmp_path / "out"
    logged = newsclean(
        "batch", str(EXAMPLES), "-o", str(out), "--shards", "3", "-j", "1",
        "--log-every", "0.000001", "--log-format", "json", "--summary-json", str(tmp_path / "s.json"),
    )  # fmt: skip
    assert logged.returncode == 0, logged.stderr
    events = [orjson.loads(line) for line in logged.stderr.splitlines()]  # every line is JSON
    assert [event["event"] for event in events] == ["progress"] * 3 + ["summary"]
    assert events[-2]["shards_done"] == 3 and events[-1]["records"] == events[-2]["records"]
    summary = orjson.loads((tmp_path / "s.json").read_bytes())
    assert (summary["status"], summary["done"], summary["inputs"]) == (0, 3, 14)
    again = newsclean("batch", str(EXAMPLES), "-o", str(out), "--shards", "3", "-q",
                      "--summary-json", str(tmp_path / "failed.json"))  # fmt: skip
    assert again.returncode == 2 and len(again.stderr.splitlines()) == 1  # OUT holds a run
    failed = orjson.loads((tmp_path / "failed.json").read_bytes())
    assert failed["status"] == 2 and "--resume" in failed["error"]
    quiet = newsclean("batch", str(EXAMPLES), "-o", str(tmp_path / "q"), "--shards", "2", "-q")
    assert quiet.returncode == 0 and quiet.stderr == b""


def test_a_dask_cluster_without_workers_is_given_up_on_with_69(tmp_path):
    pytest.importorskip("distributed")
    from dask.distributed import Client, LocalCluster

    from newsclean import batch
    from newsclean.exits import ExitStatus
    from newsclean.io.retry import Unavailable

    cluster = LocalCluster(n_workers=0, processes=False, dashboard_address=None)
    try:
        with Client(cluster) as client, pytest.raises(Unavailable) as failed:
            batch.run([str(EXAMPLES)], str(tmp_path / "out"), 2, engine="dask", client=client,
                      worker_wait=0.2)  # fmt: skip
    finally:
        cluster.close()
    assert failed.value.status == ExitStatus.UNAVAILABLE == 69
    assert "had no worker within 0.2 s" in str(failed.value)


def test_newsclean_jobs_from_the_environment_changes_a_run(tmp_path):
    def jobs(**env: str) -> int:
        result = newsclean("parse", "-q", str(GOLDEN / "clean.txt"), "-o", str(tmp_path / "o.jsonl"),
                           "--summary-json", "-", env=env)  # fmt: skip
        return int(orjson.loads(result.stdout)["jobs"])

    assert jobs(NEWSCLEAN_JOBS="1") == 1
    assert jobs(NEWSCLEAN_JOBS="3") == 3


def test_20000_inputs_off_a_terminal_log_only_json_lines(tmp_path):
    listing = "".join(f"{GOLDEN / 'clean.txt'}\n" for _ in range(20_000)) + f"{tmp_path}/missing\n"
    result = newsclean("parse", "--files-from", "-", "-o", str(tmp_path / "o.jsonl"),
                       "--log-format", "json", "--log-every", "0.05", input=listing.encode())  # fmt: skip
    assert result.returncode == 1
    events = [orjson.loads(line) for line in result.stderr.splitlines()]  # each line is JSON
    assert {event["event"] for event in events} <= {"progress", "rejected", "summary"}
    assert events[-1]["event"] == "summary" and events[-1]["inputs"] == 20_001


@pytest.mark.parametrize(
    "args",
    [
        ["batch", str(EXAMPLES), "-o", "/tmp/never", "--shards", "1", "--format", "xml"],
        ["batch", str(EXAMPLES), "-o", "/tmp/never", "--shards", "1", "--worker-wait", "-1"],
        ["batch", str(EXAMPLES), "-o", "/tmp/never", "--shards", "1", "--log-format", "xml"],
        ["parse", str(EXAMPLES), "--min-age", "soon"],
        ["check", str(EXAMPLES), "--glob", "[[:alpha:]]*"],
    ],
    ids=["format", "worker-wait", "log-format", "min-age", "check-glob"],
)
def test_bad_values_are_one_line_and_exit_2(args):
    result = newsclean(*args)
    assert result.returncode == 2 and result.stdout == b""
    [line] = result.stderr.decode().splitlines()
    assert line.startswith("newsclean: ")
    assert not os.path.exists("/tmp/never")
