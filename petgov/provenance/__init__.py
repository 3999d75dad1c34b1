"""Provenance: sign and verify models, datasets and rule packs offline."""
