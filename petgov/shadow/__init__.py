"""Shadow AI: which models and AI services a codebase uses, against the org's sanctioned list."""
