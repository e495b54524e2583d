"""`python -m newsclean` runs the command line."""

from .cli.app import main

main()
