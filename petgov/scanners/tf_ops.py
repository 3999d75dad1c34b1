"""TensorFlow ops that reach outside the graph (SavedModel graphs, TFLite Flex operators)."""

from __future__ import annotations

from petgov.model import Severity

# op -> (severity, why)
DANGEROUS_OPS: dict[str, tuple[Severity, str]] = {
    "PyFunc": (Severity.CRITICAL, "runs arbitrary Python on graph execution"),
    "PyFuncStateless": (Severity.CRITICAL, "runs arbitrary Python on graph execution"),
    "EagerPyFunc": (Severity.CRITICAL, "runs arbitrary Python on graph execution"),
    "ReadFile": (Severity.HIGH, "reads files from the host"),
    "WriteFile": (Severity.HIGH, "writes files on the host"),
    "MatchingFiles": (Severity.MEDIUM, "lists files on the host"),
    "ImmutableConst": (Severity.MEDIUM, "memory-maps a host file"),
    "PrintV2": (Severity.LOW, "can write to a host file through output_stream"),
}
