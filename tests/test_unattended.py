"""Running unattended: the README's cron line, defaults from the environment and a config file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import orjson

from helpers import ROOT, TESTS, newsclean

GOLDEN = TESTS / "golden"
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
