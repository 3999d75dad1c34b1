"""`python -m petgov` runs the CLI."""

from petgov.cli.main import run

run()
