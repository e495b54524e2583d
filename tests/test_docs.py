"""docs/cli.md is the output of every command's --help, kept current by this test.

After changing the command line: `NEWSCLEAN_REGEN_DOCS=1 pytest tests/test_docs.py`.
"""

from __future__ import annotations

import os

from helpers import ROOT, newsclean

COMMANDS = (
    [],
    ["parse"],
    ["check"],
    ["show"],
    ["schema"],
    ["state"],
    ["state", "show"],
    ["state", "prune"],
)


def cli_reference() -> str:
    parts = ["# newsclean command reference\n\nGenerated from `--help`; a test keeps it current.\n"]
    for command in COMMANDS:
        name = " ".join(["newsclean", *command])
        result = newsclean(*command, "--help", env={"COLUMNS": "100", "TERM": "dumb"})
        assert result.returncode == 0, result.stderr
        help_text = "\n".join(line.rstrip() for line in result.stdout.decode().splitlines())
        parts.append(f"\n## {name}\n\n```\n{help_text.strip()}\n```\n")
    return "".join(parts)


def test_the_cli_reference_is_current():
    reference = ROOT / "docs" / "cli.md"
    text = cli_reference()
    if os.environ.get("NEWSCLEAN_REGEN_DOCS"):
        reference.write_text(text, encoding="utf-8")
    assert reference.read_text(encoding="utf-8") == text
