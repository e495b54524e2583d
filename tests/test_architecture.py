"""The layers, enforced: core is pure, io does not reach up into run, only cli knows cli; and
the code is typed (mypy, strict in core)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys

import pytest

from helpers import ROOT

PACKAGE = ROOT / "newsclean"
CORE_MAY_IMPORT = set(sys.stdlib_module_names) | {"orjson", "ftfy", "newsclean"}


def _imports(path) -> list[str]:
    """Every module `path` imports, at its top or inside a function, relative ones resolved."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found += [f"{base}.{alias.name}" for alias in node.names] if not node.module else [base]
    return found


def _layer_of(path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else "top"


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_layer():
    layers = {_layer_of(path) for path in MODULES}
    assert layers == {"core", "io", "run", "cli", "top"}
    top = {path.name for path in MODULES if _layer_of(path) == "top"}
    assert top == {"__init__.py", "__main__.py", "exits.py"}


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_imports_go_down_the_layers(path):
    layer, imports = _layer_of(path), _imports(path)
    if layer == "core":
        outside = [name for name in imports if name.split(".")[0] not in CORE_MAY_IMPORT]
        assert not outside, f"core imports {outside}"
        ours = [name for name in imports if name.startswith("newsclean.")]
        assert all(name.startswith("newsclean.core") for name in ours), ours
    if layer != "cli" and path != PACKAGE / "__main__.py":
        assert not [name for name in imports if name.startswith("newsclean.cli")]
    if layer in ("core", "io"):
        assert not [name for name in imports if name.startswith("newsclean.run")]


# One grammar a module: each reads its part of a dump and knows of the others only what is
# listed here (the value grammar learns where dumps begin through `vardump.DumpEnds`).
GRAMMARS_MAY_IMPORT = {
    "lines": set(),
    "boundaries": {"dateline", "lines", "textrepair"},
    "vardump": {"lines"},
    "printers": {"lines", "vardump"},
    "payload_search": {"lines", "printers", "vardump"},
    "diagnostics": {"lines"},
}


@pytest.mark.parametrize("grammar", sorted(GRAMMARS_MAY_IMPORT))
def test_each_grammar_imports_only_what_it_builds_on(grammar):
    imports = _imports(PACKAGE / "core" / f"{grammar}.py")
    ours = {name.split(".")[2] for name in imports if name.startswith("newsclean.core.")}
    assert ours <= GRAMMARS_MAY_IMPORT[grammar], ours - GRAMMARS_MAY_IMPORT[grammar]


def _names_imported(path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level
        for alias in node.names
    ]


def test_no_module_imports_another_modules_private_names():
    private = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in MODULES
        for name in _names_imported(path)
        if name.rsplit(".", 1)[1].startswith("_") and not name.endswith("__")  # a dunder is public
    ]
    assert not private


def _speaks_to_people(path) -> list[str]:
    """What in `path` would write for a person: stderr, print(), typer, rich."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"line {node.lineno}: .stderr" for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr == "stderr"]  # fmt: skip
    found += [f"line {node.lineno}: print()" for node in ast.walk(tree)
              if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print"]  # fmt: skip
    found += [name for name in _imports(path) if name.split(".")[0] in ("typer", "rich")]
    return found


# The environment holds the streams; everything else below the CLI returns what it found.
STREAMS_OWNER = PACKAGE / "io" / "environment.py"


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if _layer_of(p) in ("run", "io") and p != STREAMS_OWNER],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_runs_return_reports_and_only_the_cli_speaks_to_people(path):
    assert not _speaks_to_people(path)


def test_the_import_reader_sees_relative_and_lazy_imports():
    imports = _imports(PACKAGE / "run" / "parse.py")
    assert "newsclean.io.outputs" in imports  # `from ..io.outputs import ...`
    assert "newsclean.run.incremental" in imports  # imported inside a function


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
@pytest.mark.parametrize("command", [["--strict", "newsclean/core"], ["newsclean"]])
def test_mypy_is_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *command], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
