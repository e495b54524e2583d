"""The `newsclean` command (and `python -m newsclean`).

An interrupt while the command line is still loading (its imports take a good part of the
first tenth of a second) ends as one at any other moment: one line, exit 130, no traceback.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .io.crashpoints import crash_point

        crash_point("starting")
        from .cli.app import main as command_line
    except KeyboardInterrupt:
        sys.stderr.write("newsclean: interrupted\n")
        raise SystemExit(130) from None
    command_line()


if __name__ == "__main__":
    main()
