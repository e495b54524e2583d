"""Inputs, outputs and state: discovery and reading of inputs, output sinks, the `--state` file."""
