"""Runs: outcomes and tallies, worker scheduling, the parse run, incremental runs, batch."""
