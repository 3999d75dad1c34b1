"""petgov: AI supply-chain security and privacy governance."""

__version__ = "0.1.0"
