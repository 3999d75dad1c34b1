"""Dependencies as AI-BOM components and their known vulnerabilities from an offline OSV store."""
