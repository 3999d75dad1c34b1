"""Small shared helpers: atomic writes, the injectable clock, lazy imports."""
