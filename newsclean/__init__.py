"""newsclean: raw news scraper dumps in, exact and typed JSON Lines out.

The library API is pure: `parse_bytes(data, path)` returns the records of every dump in
`data`, and `parse_input` also says why an input holds none. The CLI only calls the library.

    core/   the pure parser: bytes in, records out (the record contract, the grammars)
    io/     inputs, output sinks, the --state file
    run/    scheduling, the parse run, incremental runs, batch (`run_parse`, `run_check`)
    cli/    the typer app and everything a person sees
"""

from importlib import import_module
from typing import Any

from .core.parse import Parsed, parse_bytes, parse_input
from .core.record import CONTRACT_VERSION, Record, Rejection, json_schema

# The APIs behind the commands, imported when first used: `import newsclean` stays light.
_LAZY = {
    "batch": ("newsclean.run.batch", None),
    "ParseOptions": ("newsclean.run.settings", "ParseOptions"),
    "Inputs": ("newsclean.run.settings", "Inputs"),
    "FileSelection": ("newsclean.run.settings", "FileSelection"),
    "Parsing": ("newsclean.run.settings", "Parsing"),
    "OutputFiles": ("newsclean.run.settings", "OutputFiles"),
    "Incremental": ("newsclean.run.settings", "Incremental"),
    "run_parse": ("newsclean.run.parse", "run_parse"),
    "run_check": ("newsclean.run.check", "run_check"),
}

__all__ = [
    "CONTRACT_VERSION",
    "FileSelection",
    "Incremental",
    "Inputs",
    "OutputFiles",
    "ParseOptions",
    "Parsed",
    "Parsing",
    "Record",
    "Rejection",
    "__version__",
    "batch",
    "json_schema",
    "parse_bytes",
    "parse_input",
    "run_check",
    "run_parse",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the installed metadata: the version lives in one place
        from importlib.metadata import version

        return version("newsclean")
    if name not in _LAZY:
        raise AttributeError(f"module 'newsclean' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    loaded = import_module(module)
    return loaded if attribute is None else getattr(loaded, attribute)
