"""Helpers for the AI-BOM tests: scan a corpus model card folder with the real pipeline."""

from __future__ import annotations

from pathlib import Path

from petgov.model import Report
from petgov.pipeline import ScanOptions, scan
from tests.conftest import corpus_path

CARDS = (
    "all-MiniLM-L6-v2",
    "Qwen2.5-0.5B-Instruct-GGUF",
    "TinyLlama-1.1B-Chat-v1.0",
    "flowertune-tinyllama-peft-adapter",
    "distilbert-base-uncased-finetuned-sst-2-english",
)


def card_dir(name: str) -> Path:
    return corpus_path("aibom", "hf-model-cards", name)


def scan_card(target: Path | str, *scanners: str) -> Report:
    """The real pipeline over one folder; only the bom scanner unless others are named."""
    return scan([str(target)], ScanOptions(scanners=[*scanners, "bom"]))
