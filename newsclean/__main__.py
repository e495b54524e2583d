"""`python -m newsclean` runs the command line."""

from .cli import main

main()
