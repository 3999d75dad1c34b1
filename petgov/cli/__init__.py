"""Thin typer commands; the logic lives in the pipeline and its stages."""
