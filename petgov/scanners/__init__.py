"""Scanners: one module per concern, each registered in ``registry.SCANNERS``."""
