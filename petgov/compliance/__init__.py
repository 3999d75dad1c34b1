"""Compliance references of rules: shipped control lists, rule mapping, per-control views."""
