"""docs/cli.md is the output of every command's --help, kept current by this test.

After changing the command line: `NEWSCLEAN_REGEN_DOCS=1 pytest tests/test_docs.py`.
"""

from __future__ import annotations

import os

from helpers import ROOT, invoke

COMMANDS = (
    [],
    ["parse"],
    ["check"],
    ["show"],
    ["schema"],
    ["state"],
    ["state", "show"],
    ["state", "prune"],
    ["batch"],
    ["batch", "run"],
    ["batch", "status"],
    ["batch", "parts"],
)


def cli_reference() -> str:
    parts = ["# newsclean command reference\n\nGenerated from `--help`; a test keeps it current.\n"]
    for command in COMMANDS:
        name = " ".join(["newsclean", *command])
        result = invoke(*command, "--help")
        assert result.exit_code == 0, result.output
        help_text = "\n".join(line.rstrip() for line in result.output.splitlines())
        parts.append(f"\n## {name}\n\n```\n{help_text.strip()}\n```\n")
    return "".join(parts)


def test_the_cli_reference_is_current():
    reference = ROOT / "docs" / "cli.md"
    text = cli_reference()
    if os.environ.get("NEWSCLEAN_REGEN_DOCS"):
        reference.write_text(text, encoding="utf-8")
    assert reference.read_text(encoding="utf-8") == text


def test_every_command_is_in_the_reference():
    from newsclean.cli.app import app

    groups = {group.name: group.typer_instance for group in app.registered_groups}
    names = {command.callback.__name__ for command in app.registered_commands}
    listed = {" ".join(command) for command in COMMANDS}
    assert {"parse", "check", "show", "schema"} <= names <= listed
    for group, instance in groups.items():
        for command in instance.registered_commands:
            assert f"{group} {command.name}" in listed
