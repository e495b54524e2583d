"""The docs, checked: docs/cli.md is the output of every command's --help, and every shell
example in the README and docs/ that runs on the bundled examples/ gives what it shows.

After changing the command line: `NEWSCLEAN_REGEN_DOCS=1 pytest tests/test_docs.py`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import ROOT, invoke

COMMANDS_DOCUMENTED = (
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


def help_texts() -> Iterator[tuple[str, str]]:
    """Each command's name and its --help, without trailing blanks."""
    for command in COMMANDS_DOCUMENTED:
        result = invoke(*command, "--help")
        assert result.exit_code == 0, result.output
        text = "\n".join(line.rstrip() for line in result.output.strip().splitlines())
        yield " ".join(["newsclean", *command]), text


def cli_reference() -> str:
    parts = ["# newsclean command reference\n\nGenerated from `--help`; a test keeps it current.\n"]
    parts += [f"\n## {name}\n\n```\n{text}\n```\n" for name, text in help_texts()]
    return "".join(parts)


def man_page() -> str:
    """docs/newsclean.1: every command's --help, as a man page (`man ./docs/newsclean.1`)."""
    from newsclean import __version__

    parts = [
        f'.TH NEWSCLEAN 1 "" "newsclean {__version__}" "User Commands"\n',
        ".SH NAME\nnewsclean \\- turn raw news scraper dumps into exact, typed JSON Lines\n",
        ".SH DESCRIPTION\nGenerated from each command's \\fB--help\\fR; a test keeps it current.\n",
    ]
    for name, text in help_texts():
        escaped = text.replace("\\", "\\e").replace("\n.", "\n\\&.").replace("\n'", "\n\\&'")
        parts.append(f".SH {name.upper()}\n.nf\n{escaped}\n.fi\n")
    return "".join(parts)


@pytest.mark.parametrize(
    ("document", "make"), [("cli.md", cli_reference), ("newsclean.1", man_page)]
)
def test_the_generated_references_are_current(document, make):
    """After changing the command line: NEWSCLEAN_REGEN_DOCS=1 pytest tests/test_docs.py."""
    path, text = ROOT / "docs" / document, make()
    if os.environ.get("NEWSCLEAN_REGEN_DOCS"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text


def test_every_command_is_in_the_reference():
    from newsclean.cli.app import COMMANDS, command_named

    listed = {" ".join(command) for command in COMMANDS_DOCUMENTED}
    assert set(COMMANDS) <= listed
    for name in COMMANDS:
        for sub in getattr(command_named(name), "commands", {}):
            assert f"{name} {sub}" in listed


# -- the shell examples of the README and docs/, run as a reader would -------------------------

DOCUMENTS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "examples" / "README.md",
]


def console_blocks(path) -> list[tuple[int, list[tuple[str, str]]]]:
    """Each ```console block of a document (its line), as (command, expected output) pairs: a
    line beginning `$ ` is a command, the lines up to the next command its output."""
    blocks, lines = [], path.read_text(encoding="utf-8").splitlines()
    at = 0
    while at < len(lines):
        if lines[at].strip() != "```console":
            at += 1
            continue
        start, pairs = at + 1, []
        at += 1
        while lines[at].strip() != "```":
            if lines[at].startswith("$ "):
                pairs.append([lines[at][2:], []])
            else:
                pairs[-1][1].append(lines[at])
            at += 1
        blocks.append((start, [(command, "\n".join(out)) for command, out in pairs]))
    return blocks


BLOCKS = [
    pytest.param(path, pairs, id=f"{path.relative_to(ROOT)}:{line}")
    for path in DOCUMENTS
    for line, pairs in console_blocks(path)
]


def _programs(command: str) -> list[str]:
    """The programs a shell line runs: the first word of each command of its pipelines."""
    words = list(shlex.shlex(command, posix=True, punctuation_chars=True))
    return [
        word for at, word in enumerate(words) if at == 0 or words[at - 1] in ("|", "&&", ";", "||")
    ]


def _matches(expected: str, got: str) -> bool:
    """Exact, but `...` in the expected output stands for any text (a time, a temporary path)."""
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, got, re.DOTALL) is not None


@pytest.mark.parametrize(("path", "pairs"), BLOCKS)
def test_shell_examples_give_what_the_docs_show(path, pairs, tmp_path):
    """Each block runs in bash, command by command, in a folder holding a copy of examples/."""
    tools = {tool for command, _ in pairs for tool in _programs(command)}
    missing = [tool for tool in tools - {"newsclean"} if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120", "TERM": "dumb",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
    for command, expected in pairs:
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        got = "\n".join(line.rstrip() for line in (result.stdout + result.stderr).splitlines())
        assert _matches(expected.rstrip(), got.rstrip()), f"$ {command}\n{got}"


def test_every_example_on_the_bundled_files_is_run():
    """A shell line that uses examples/ is in a console block, where the test above runs it."""
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        outside = re.sub(r"```console\n.*?```", "", text, flags=re.DOTALL)
        shown = [
            line
            for line in outside.splitlines()
            if re.match(r"\s*(\$ )?newsclean .*examples/", line)
        ]
        assert not shown, f"{path.name}: examples not run by the suite: {shown}"


V1_RECORDS = """\
{"headline":"a","dateline":"x","published":"2016-10-25T21:36:02","body":[]}
{"headline":"a","dateline":"x","published":"2016-10-25","body":[]}
{"headline":"a","dateline":"x","published":"2016-10-25T21:36:02+02:00","body":[]}
{"headline":"a","dateline":"x","published":"2016-10-25T01:36:02-04:30","body":[]}
{"headline":"a","dateline":"x","published":null,"body":[]}
"""


@pytest.mark.skipif(shutil.which("jq") is None, reason="needs jq")
def test_the_migration_script_turns_v1_published_into_v2_fields():
    script = ROOT / "docs" / "v1-to-v2.jq"
    assert script.read_text().strip() in (ROOT / "CHANGES.md").read_text()  # the same script
    result = subprocess.run(
        ["jq", "-c", "-f", str(script)],
        input=V1_RECORDS,
        capture_output=True,
        text=True,
        check=True,
    )
    fields = [
        (r["published"], r["published_utc"], r["published_precision"])
        for r in map(json.loads, result.stdout.splitlines())
    ]
    assert fields == [
        ("2016-10-25T21:36:02", None, "second"),
        ("2016-10-25T00:00:00", None, "day"),
        ("2016-10-25T21:36:02", "2016-10-25T19:36:02Z", "second"),
        ("2016-10-25T01:36:02", "2016-10-25T06:06:02Z", "second"),
        (None, None, None),
    ]
    keys = list(json.loads(result.stdout.splitlines()[0]))
    assert keys == [
        "headline",
        "dateline",
        "published",
        "published_utc",
        "published_precision",
        "body",
    ]


# -- the Python lines of docs/loading.md, run where their library is installed -----------------

LOADING = ROOT / "docs" / "loading.md"


def python_blocks(path) -> list[tuple[int, str]]:
    """Each ```python block of a document, with its first line's number."""
    blocks, lines = [], path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line == "```python":
            end = lines.index("```", index + 1)
            blocks.append((index + 2, "\n".join(lines[index + 1 : end]) + "\n"))
    return blocks


@pytest.fixture(scope="module")
def loadable(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loading")
    pytest.importorskip("pyarrow")
    for name in ("records.jsonl", "records.parquet"):
        command = ["parse", "-q", str(ROOT / "examples" / "dumps"), "--tz", "Europe/London"]
        result = subprocess.run(
            [sys.executable, "-m", "newsclean", *command, "-o", str(folder / name)],
            capture_output=True, cwd=ROOT,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    return folder


@pytest.mark.parametrize(("line", "code"), python_blocks(LOADING), ids=lambda v: str(v)[:12])
def test_the_loading_examples_run(loadable, line, code):
    library = re.search(r"^(?:import|from) (\w+)", code, re.MULTILINE)[1]
    pytest.importorskip(library)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=loadable
    )
    assert result.returncode == 0, f"docs/loading.md:{line}\n{result.stderr}"


@pytest.mark.parametrize("module", ["newsclean.core.parse"])
def test_the_examples_in_docstrings_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted and not result.failed


def test_the_architecture_page_names_modules_that_exist_and_stays_short():
    import re

    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 60  # a page
    named = re.findall(r"`((?:core|io|run|cli)/[\w/]*?)(?:\.py)?(?:\.(\w+))?`", text)
    assert len(named) > 10
    for path, attribute in named:
        module = ROOT / "newsclean" / path.rstrip("/")
        source = module.with_suffix(".py") if not module.is_dir() else module / "__init__.py"
        assert source.exists(), path
        if attribute:
            assert re.search(rf"^(?:def|class) {attribute}\b", source.read_text(), re.M), attribute
