"""Typed errors users can cause. Each carries a hint saying what to do about it.

Core code raises these; the CLI is the one place that turns them into a red line and exit 2.
An exception that is not a PetgovError reaching the CLI is a bug.
"""

from __future__ import annotations


class PetgovError(Exception):
    """Base of every error a user can cause; ``hint`` says how to fix it."""

    default_hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def one_line(self) -> str:
        """The message and hint on one line, as the CLI prints it (a library message that
        spans lines, such as a parser's, is joined)."""
        text = f"{self.message} (hint: {self.hint})" if self.hint else self.message
        return " ".join(line.strip() for line in text.splitlines() if line.strip())


class ModelError(PetgovError):
    """A report-model value is invalid (a bug in a scanner, or a bad input file)."""


class UsageError(PetgovError):
    """The command line asks for something impossible."""

    default_hint = "run with --help to see the options"


class TargetError(PetgovError):
    """A scan target cannot be read at all (missing, unreadable, wrong scheme)."""

    default_hint = "check the path exists and is readable"


class ConfigError(PetgovError):
    """A configuration, policy, rule pack or waiver file is invalid."""


class PolicyError(ConfigError):
    """A rule pack cannot be loaded or a rule does not compile."""


class EngineError(PetgovError):
    """A scanning engine is missing or failed in a way that stops the whole run."""

    default_hint = "run 'petgov doctor' to see which engines are available"


class VerificationError(PetgovError):
    """A signature, bundle or attestation did not verify."""


class OutputError(PetgovError):
    """An output could not be written, or failed its own schema check before writing."""
