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


def test_the_readme_opens_with_install_a_run_on_your_folder_and_the_two_setup_commands():
    """The first screen: install, run on your own folder; then the set-up commands that try the
    examples and run the tests, each one line a fresh machine can paste."""
    first_screen = README.split("\n## ")[1]
    commands = [line.strip() for line in first_screen.splitlines() if line.startswith("    ")]
    assert any(
        command.startswith("pip install") or "pipx install" in command for command in commands
    )
    assert any(command.startswith("newsclean parse ~/") for command in commands)
    assert (
        commands[-2]
        == "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/newsclean parse examples/dumps"
    )
    assert commands[-1].endswith(".venv/bin/python -m pytest")


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
