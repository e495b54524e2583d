"""The project as users meet it: README commands, CI, examples and style."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from helpers import ROOT, newsclean

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_exactly_the_readme_test_command():
    ci_command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert "pytest" in ci_command
    assert f"    {ci_command}\n" in README


def test_the_readme_begins_with_the_two_setup_commands():
    commands = [line.strip() for line in README.splitlines()[:10] if line.startswith("    ")]
    assert commands[0].endswith("newsclean parse examples/dumps")
    assert commands[1].endswith("pytest")


def test_examples_give_the_expected_records():
    result = newsclean("parse", "-q", "-j", "1", "examples/dumps", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "examples" / "expected" / "parse.jsonl").read_bytes()


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")
def test_ruff_is_clean():
    for command in (["check", "."], ["format", "--check", "."]):
        command = [sys.executable, "-m", "ruff", *command]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
