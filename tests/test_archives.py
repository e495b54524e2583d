"""Tar archives as inputs: each member read as a file, named ARCHIVE!MEMBER, within --max-bytes,
with nothing written to disk whatever the members' names and kinds."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile

import orjson
import pytest

from helpers import TESTS, newsclean

GOLDEN = TESTS / "golden"
NAMES = ("clean.txt", "concat.txt", "crlf.txt", "latin1.txt", "empty.txt")


def _records(stdout: bytes) -> list[dict]:
    return [orjson.loads(line) for line in stdout.splitlines()]


def _without_path(record: dict) -> tuple:
    source = {**record["source"], "path": record["source"]["path"].rpartition("/")[2]}
    return orjson.dumps({**record, "source": source})


@pytest.mark.parametrize("mode", ["w:gz", "w:bz2", "w:xz", "w"])
def test_an_archive_gives_the_records_of_the_extracted_folder(tmp_path, mode):
    folder = tmp_path / "dumps"
    folder.mkdir()
    for name in NAMES:
        shutil.copy(GOLDEN / name, folder / name)
    archive = tmp_path / "dumps.tar"
    with tarfile.open(archive, mode) as tar:
        tar.add(folder, arcname="dumps")
    extracted = newsclean("parse", "-q", str(folder))
    packed = newsclean("parse", "-q", str(archive))
    assert packed.returncode == extracted.returncode == 1  # empty.txt: rejected in both
    records = _records(packed.stdout)
    assert all(r["source"]["path"].startswith(f"{archive}!dumps/") for r in records)
    assert sorted(map(_without_path, records)) == sorted(
        map(_without_path, _records(extracted.stdout))
    )
    assert f"{archive}!dumps/empty.txt: empty".encode() in packed.stderr


def test_members_are_chosen_by_glob_and_exclude(tmp_path):
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in NAMES:
            tar.add(GOLDEN / name, arcname=f"in/{name}")
    chosen = newsclean("parse", "-q", str(archive), "--glob", "c*.txt", "--exclude", "in/crlf*")
    paths = {r["source"]["path"] for r in _records(chosen.stdout)}
    assert paths == {f"{archive}!in/clean.txt", f"{archive}!in/concat.txt"}


def _member(tar: tarfile.TarFile, name: str, data: bytes = b"", **fields: object) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data) if data else None)


def test_names_links_and_devices_in_an_archive_are_harmless(tmp_path):
    archive = tmp_path / "tricks.tar"
    clean = (GOLDEN / "clean.txt").read_bytes()
    with tarfile.open(archive, "w") as tar:
        _member(tar, "../../escaped.txt", clean)
        _member(tar, "/etc/absolute.txt", clean)
        _member(tar, "link.txt", type=tarfile.SYMTYPE, linkname="/etc/passwd")
        _member(tar, "hard.txt", type=tarfile.LNKTYPE, linkname="../../escaped.txt")
        _member(tar, "fifo", type=tarfile.FIFOTYPE)
        _member(tar, "folder", type=tarfile.DIRTYPE)
    before = sorted(os.listdir(tmp_path)), sorted(os.listdir(tmp_path.parent))
    result = newsclean("parse", "-q", str(archive), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    paths = [r["source"]["path"] for r in _records(result.stdout)]
    assert paths == [f"{archive}!../../escaped.txt", f"{archive}!/etc/absolute.txt"]
    assert (sorted(os.listdir(tmp_path)), sorted(os.listdir(tmp_path.parent))) == before


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs GNU tar to make a sparse member")
def test_a_sparse_member_of_10_gb_is_too_large_without_being_read(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as file:
        file.truncate(10 * 2**30)  # a hole: nothing on disk
    shutil.copy(GOLDEN / "clean.txt", tmp_path / "small.txt")
    archive = tmp_path / "sparse.tar"
    made = subprocess.run(
        ["tar", "--sparse", "-cf", str(archive), "big.txt", "small.txt"],
        cwd=tmp_path,
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip(f"this tar makes no sparse archive: {made.stderr.decode()}")
    assert archive.stat().st_size < 2**20
    result = newsclean("parse", "-q", str(archive), "--max-bytes", "1M")
    assert result.returncode == 1
    assert f"{archive}!big.txt: too_large".encode() in result.stderr
    [record] = _records(result.stdout)
    assert record["source"]["path"] == f"{archive}!small.txt"


def test_a_damaged_archive_keeps_the_members_read_before_the_damage(tmp_path):
    whole = tmp_path / "whole.tar"
    with tarfile.open(whole, "w") as tar:
        tar.add(GOLDEN / "clean.txt", arcname="first.txt")
        tar.add(GOLDEN / "crlf.txt", arcname="second.txt")
    with tarfile.open(whole) as tar:
        second = tar.getmembers()[1]
    cut = tmp_path / "cut.tar"
    cut.write_bytes(whole.read_bytes()[: second.offset_data + 100])  # inside the second member
    result = newsclean("parse", "-q", str(cut))
    assert result.returncode == 1
    assert [r["source"]["path"] for r in _records(result.stdout)] == [f"{cut}!first.txt"]
    assert b"decompress_error: a damaged tar archive" in result.stderr


def test_batch_reads_archives_member_by_member(tmp_path):
    from newsclean import batch

    archive = tmp_path / "a.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in NAMES:
            tar.add(GOLDEN / name, arcname=name)
    out = tmp_path / "out"
    result = newsclean("batch", str(archive), "-o", str(out), "--shards", "1")
    assert result.returncode == 0, result.stderr
    import gzip

    [part] = batch.committed_parts(str(out))
    with open(part, "rb") as file:
        lines = gzip.decompress(file.read()).splitlines()
    assert {orjson.loads(line)["source"]["path"] for line in lines} == {
        f"{archive}!{name}" for name in ("clean.txt", "concat.txt", "crlf.txt", "latin1.txt")
    }
