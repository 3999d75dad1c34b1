"""Inventory: what each entry is (by content), how big, and its sha256."""
