"""newsclean: raw news scraper dumps in, exact and typed JSON Lines out.

The library API is pure: `parse_bytes(data, path)` returns the records of every dump in
`data`, and `parse_input` also says why an input holds none. The CLI only calls it.
"""

from .parse import Parsed, parse_bytes, parse_input
from .record import CONTRACT_VERSION, Record, Rejection, json_schema

__version__ = "1.1.0"
__all__ = [
    "CONTRACT_VERSION",
    "Parsed",
    "Record",
    "Rejection",
    "__version__",
    "json_schema",
    "parse_bytes",
    "parse_input",
]
