"""The `--state` file: an SQLite database (WAL) of every input seen and of every run.

    inputs   path, size, mtime_ns, sha256 (of its bytes), outcome (records or a rejection code),
             records, run (the run whose output holds its lines)   one row per input ever seen
    emitted  sha256 (of an article's dump), run one row per article written (for --dedupe)
    runs     id, pid, started, finished, status, output, outputs (what it promised to publish),
             counts
    meta     schema_version, application

This module keeps rows only. The protocol that commits a run's rows with its outputs, and
completes a killed run's commit, is `io.outputs`'.

A new state is built under a temporary name beside its own and renamed into place, so that a
file under the state's name is always a whole newsclean state: an empty one is refused.

Only one run may hold a state at a time: a lock on `STATE.lock` (a POSIX lock, which its worker
processes do not inherit and the kernel releases when its holder dies) names the holder's process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from ..exits import ExitStatus, NewscleanError, OutputError, UsageError
from .crashpoints import crash_point
from .fingerprint import Fingerprint
from .sinks import publish

APPLICATION = "newsclean"
SCHEMA_VERSION = 3

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE inputs (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    sha256 TEXT, outcome TEXT NOT NULL, run INTEGER NOT NULL
);
CREATE TABLE emitted (sha256 TEXT PRIMARY KEY, run INTEGER NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, started REAL NOT NULL, finished REAL,
    status TEXT NOT NULL, output TEXT, outputs TEXT,
    parsed INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,
    records INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0
);
"""
# What this version reads, checked when a state is opened.
_COLUMNS = {
    "meta": {"key", "value"},
    "inputs": {"path", "size", "mtime_ns", "sha256", "outcome", "run", "records"},
    "emitted": {"sha256", "run"},
    "runs": {"id", "pid", "started", "finished", "status", "output", "outputs", "parsed",
             "skipped", "records", "rejected", "duplicates"},
}  # fmt: skip
# Each migration takes a state from version N to N + 1.
_MIGRATIONS = {
    1: "ALTER TABLE inputs ADD COLUMN records INTEGER NOT NULL DEFAULT 0;",
    2: "ALTER TABLE runs ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;",
}
# A run's counts, as `runs` holds them.
COUNTS = ("parsed", "skipped", "records", "rejected", "duplicates")


class StateLocked(NewscleanError):
    status = ExitStatus.STATE_LOCKED


class OlderSchema(UsageError):
    """The state is of an older schema: only a run that may write it migrates it."""


class UnfinishedRun(NamedTuple):
    """A run the state does not know as ended: killed before its promise (`running`), or
    after it (`committing`), with what it promised to publish (`outputs` JSON, as written)."""

    id: int
    status: str
    outputs: str | None


class State:
    """An open, locked state file. Use `State.open` (a context manager)."""

    def __init__(self, path: str, connection: sqlite3.Connection, lock: int) -> None:
        self.path, self.db, self._lock = path, connection, lock
        self.run: int | None = None

    @classmethod
    @contextlib.contextmanager
    def open(cls, path: str, create: bool = True) -> Iterator[State]:
        """Lock the state at `path` (creating it if missing), check it, migrate it forward."""
        if not create:
            _exists(path)
        lock = _lock(path)
        try:
            if not os.path.exists(path):
                _create(path)
            connection = _connect(path)
            try:
                yield cls(path, connection, lock)
            finally:
                connection.close()
        except sqlite3.Error as error:  # opening it, or using it in the run
            raise _failure(path, error) from None
        finally:
            os.close(lock)

    @classmethod
    @contextlib.contextmanager
    def snapshot(cls, path: str) -> Iterator[State]:
        """The state at `path` to read (`state show`), as it is on disk: no lock taken, so a
        read-only file system or a run holding it is no obstacle; an older schema is migrated
        first (which takes the lock)."""
        _exists(path)
        try:
            with cls.reading(path) as state:
                assert state is not None  # it exists
                yield state
                return
        except OlderSchema:
            pass
        with cls.open(path, create=False) as state:
            yield state

    @classmethod
    @contextlib.contextmanager
    def reading(cls, path: str) -> Iterator[State | None]:
        """The state at `path` only to read (`--dry-run`): not locked, not created, never
        written; None when there is no such file yet (every input is new)."""
        if not os.path.isfile(path):
            yield None
            return
        try:
            # immutable: no lock, and no -wal or -shm file made beside it (a snapshot: enough to list)
            uri = f"{Path(path).absolute().as_uri()}?mode=ro&immutable=1"
            connection = sqlite3.connect(uri, uri=True)
            try:
                _check_current(connection, path)
                yield cls(path, connection, -1)
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise _failure(path, error) from None

    # -- runs -----------------------------------------------------------------------------

    def begin(self, output: str | None, outputs: str) -> int:
        """Record this run (committed), with the temporary files it will write (JSON)."""
        cursor = self.db.execute(
            "INSERT INTO runs (pid, started, status, output, outputs) VALUES (?, ?, 'running', ?, ?)",
            (os.getpid(), time.time(), output, outputs),
        )
        self.db.commit()
        self.run = int(cursor.lastrowid or 0)  # an INSERT into a rowid table always sets it
        return self.run

    def unfinished(self) -> list[UnfinishedRun]:
        rows = self.db.execute(
            "SELECT id, status, outputs FROM runs WHERE status IN ('committing', 'running')"
        )
        return [UnfinishedRun(*row) for row in rows.fetchall()]

    def ended(self, run: int, status: str) -> None:
        """Mark a run ended (`done`, `killed`, `lost`), committed."""
        self.db.execute("UPDATE runs SET status = ? WHERE id = ?", (status, run))
        self.db.commit()

    def forget(self, run: int, records: bool, rejections: bool) -> None:
        """Forget the inputs whose lines `run` wrote to an output that is gone (its records,
        its rejections or both), and the articles it noted as emitted, so that the next run
        takes them again. Pending until `ended`."""
        if records:
            self.db.execute("DELETE FROM inputs WHERE run = ? AND outcome = 'records'", (run,))
            self.db.execute("DELETE FROM emitted WHERE run = ?", (run,))
        if rejections:
            self.db.execute("DELETE FROM inputs WHERE run = ? AND outcome != 'records'", (run,))

    def committing(self, outputs: str, counts: dict[str, int]) -> None:
        """Commit the run's inputs with the outputs (JSON) it promises to publish."""
        self._count(counts)
        self.db.execute(
            "UPDATE runs SET status = 'committing', outputs = ? WHERE id = ?", (outputs, self.run)
        )
        self.db.commit()

    def finish(self, counts: dict[str, int]) -> None:
        self._count(counts)
        self.db.execute(
            "UPDATE runs SET status = 'done', finished = ? WHERE id = ?", (time.time(), self.run)
        )
        self.db.commit()

    def _count(self, counts: dict[str, int]) -> None:
        assignments = ", ".join(f"{name} = ?" for name in COUNTS)
        values = [counts[name] for name in COUNTS]
        self.db.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*values, self.run))

    def commit(self) -> None:
        """Make what was recorded so far durable (after its records are flushed to stdout)."""
        self.db.commit()

    # -- inputs -----------------------------------------------------------------------------

    def known(self, path: str) -> Fingerprint | None:
        row = self.db.execute(
            "SELECT size, mtime_ns, sha256 FROM inputs WHERE path = ?", (path,)
        ).fetchone()
        return None if row is None else Fingerprint(*row)

    def record(self, path: str, seen: Fingerprint, outcome: str, records: int) -> None:
        """Note an input's outcome, pending until the next commit."""
        size, mtime_ns, digest = seen
        self.db.execute(
            "INSERT OR REPLACE INTO inputs (path, size, mtime_ns, sha256, outcome, run, records)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (path, size, mtime_ns, digest, outcome, self.run, records),
        )

    def touch(self, path: str, seen: Fingerprint) -> None:
        """Note that an input's size or mtime changed but its content did not (its lines stay
        those of the run that wrote them)."""
        size, mtime_ns, _ = seen
        self.db.execute(
            "UPDATE inputs SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path)
        )

    def first_emission(self, digest: str) -> bool:
        """Whether an article with this dump hash is new (and note it, pending, as emitted)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO emitted (sha256, run) VALUES (?, ?)", (digest, self.run)
        )
        return cursor.rowcount == 1

    # -- reports ----------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        outcomes = dict(
            self.db.execute(
                "SELECT outcome, count(*) FROM inputs GROUP BY outcome ORDER BY outcome"
            )
        )
        columns = ("id", "pid", "started", "finished", "status", "output", *COUNTS)
        runs = [
            _shown_run(dict(zip(columns, row, strict=True)))
            for row in self.db.execute(f"SELECT {', '.join(columns)} FROM runs ORDER BY id")
        ]
        known = sum(outcomes.values())
        emitted = self.db.execute("SELECT count(*) FROM emitted").fetchone()[0]
        return {"state": self.path, "schema_version": SCHEMA_VERSION, "inputs": known,
                "by_outcome": outcomes, "articles_emitted": emitted, "runs": runs}  # fmt: skip

    def prune(self) -> int:
        """Forget inputs that no longer exist; how many were forgotten."""
        # A name that is not UTF-8 is stored as shown (`\\xNN`) and cannot be looked up again:
        # such inputs are kept rather than forgotten and parsed anew.
        gone = [
            (path,)
            for (path,) in self.db.execute("SELECT path FROM inputs")
            if "\\" not in path and not os.path.exists(path)
        ]
        self.db.executemany("DELETE FROM inputs WHERE path = ?", gone)
        self.db.commit()
        return len(gone)


def _shown_run(run: dict[str, Any]) -> dict[str, Any]:
    """A run's row for people and programs: its times in ISO 8601 (UTC), and how long it took."""
    started, finished = run["started"], run["finished"]
    run["seconds"] = None if finished is None else round(finished - started, 3)
    run["started"], run["finished"] = _iso(started), _iso(finished)
    return run


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def _exists(path: str) -> None:
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a folder, not a state file")
    if not os.path.isfile(path):
        raise UsageError(f"{path}: no such state file")


def _lock(path: str) -> int:
    """Hold `PATH.lock`, or raise StateLocked naming the process that holds it."""
    lock_path = f"{path}.lock"
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as error:
        raise UsageError(f"--state {path}: cannot create {lock_path}: {error.strerror}") from None
    try:
        # A POSIX lock, not flock: a forked worker does not inherit it, so only this process
        # holds it, and it ends with this process however it dies.
        fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):  # EAGAIN or EACCES: another process holds it
        holder = os.pread(descriptor, 64, 0).decode(errors="replace").strip() or "unknown"
        os.close(descriptor)
        raise StateLocked(
            f"{path} is held by another run (process {holder}); try again later"
        ) from None
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
    return descriptor


def _connect(path: str) -> sqlite3.Connection:
    if os.path.isdir(path):
        raise UsageError(f"--state {path}: is a folder")
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise UsageError(
            f"--state {path}: an empty file, not a newsclean state (newsclean never leaves one):"
            " remove it to start a new state, and every input is parsed again"
        )
    connection = sqlite3.connect(path, isolation_level=None)  # transactions are ours
    try:
        _check_and_migrate(connection, path)  # before anything that would change the file
        _check_tables(connection, path)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.isolation_level = "DEFERRED"
    except sqlite3.Error as error:
        connection.close()
        raise _failure(path, error) from None
    return connection


# SQLite's errors that say the disk (or its permissions) failed, not the file's content.
_WRITE_FAILURES = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN")


def _failure(path: str, error: sqlite3.Error) -> NewscleanError:
    """What a failing state means for the run: another program holds it (exit 75), the disk
    failed (exit 74), or the file is no newsclean state or is damaged (exit 2)."""
    name = getattr(error, "sqlite_errorname", None) or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StateLocked(f"--state {path}: held by another program ({error}); try again later")
    if name.startswith(_WRITE_FAILURES):
        return OutputError(f"--state {path}: cannot write: {error}")
    return UsageError(f"--state {path}: not a newsclean state file, or damaged ({error})")


def _in_one_transaction(connection: sqlite3.Connection, script: str, step: str) -> None:
    """Run `script` all or nothing: a kill at any moment leaves the file as it was before."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in filter(str.strip, script.split(";")):
            connection.execute(statement)
        crash_point(step)
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:  # SQLite may have rolled back already (a full disk)
            connection.execute("ROLLBACK")
        raise


def _create(path: str) -> None:
    """A new state, built as `PATH.creating` and renamed into place whole. Its lock is held, so
    a file of that name is what a killed creation left: it is started again."""
    building = f"{path}.creating"
    for leftover in (building, f"{building}-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(leftover)
    meta = f"""
        INSERT INTO meta (key, value) VALUES ('application', '{APPLICATION}');
        INSERT INTO meta (key, value) VALUES ('schema_version', '1');
    """
    try:
        connection = sqlite3.connect(building, isolation_level=None)
        try:
            _in_one_transaction(connection, _SCHEMA_V1 + meta, "state-creating")
        finally:
            connection.close()
        publish(building, path)
    except OSError as error:
        raise OutputError(f"--state {path}: cannot create: {error.strerror or error}") from None


def _check_current(connection: sqlite3.Connection, path: str) -> None:
    """A state this version can read as it is (one to migrate is migrated by a real run)."""
    version = _schema_version(connection, path)
    if version != SCHEMA_VERSION:
        raise OlderSchema(
            f"--state {path}: schema {version}, not {SCHEMA_VERSION}: a run without --dry-run "
            "migrates it"
        )
    _check_tables(connection, path)


def _schema_version(connection: sqlite3.Connection, path: str) -> int:
    """The schema of a newsclean state this version can read or migrate; UsageError for any
    other database, a damaged one, or one a newer newsclean made."""
    try:
        meta = dict(connection.execute("SELECT key, value FROM meta"))
    except sqlite3.OperationalError:
        meta = {}
    if meta.get("application") != APPLICATION:
        raise UsageError(f"--state {path}: not a newsclean state file (a foreign database)")
    try:
        version = int(meta.get("schema_version", "0"))
    except ValueError:
        raise UsageError(f"--state {path}: damaged: its schema version is no number") from None
    if version > SCHEMA_VERSION:
        raise UsageError(f"--state {path}: made by a newer newsclean (schema {version}); upgrade")
    if version < 1:
        raise UsageError(f"--state {path}: damaged: schema version {version}")
    return version


def _check_and_migrate(connection: sqlite3.Connection, path: str) -> None:
    version = _schema_version(connection, path)
    while version < SCHEMA_VERSION:
        bump = f"UPDATE meta SET value = '{version + 1}' WHERE key = 'schema_version'"
        _in_one_transaction(connection, f"{_MIGRATIONS[version]};{bump}", "state-migrating")
        version += 1


def _check_tables(connection: sqlite3.Connection, path: str) -> None:
    """Every table and column this version reads is there (a damaged file says so at once,
    not in the middle of a run)."""
    for table, columns in _COLUMNS.items():
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if missing := sorted(columns - present):
            what = f"the table {table}" if not present else f"{table}.{', '.join(missing)}"
            raise UsageError(f"--state {path}: damaged: {what} is missing")
