"""Clean-room promotion: attestation-bound encryption, atomic release, tamper-evident audit."""
