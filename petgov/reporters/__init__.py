"""Outputs, every one rendered from the same ``Report``."""
