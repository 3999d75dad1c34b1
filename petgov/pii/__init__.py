"""Dataset PII detection: an offline presidio engine, column sampling and a text mode."""
