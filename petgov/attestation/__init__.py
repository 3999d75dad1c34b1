"""Offline TEE attestation verification: six evidence types, one claims model, one appraisal.

The public API is :func:`petgov.attestation.api.verify_evidence`; see docs/attestation.md.
"""
