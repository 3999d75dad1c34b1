"""TFLite models: custom and Flex operators, the kernels a model needs from outside itself.

Builtin operators are TFLite's own kernels and silent. A ``CUSTOM`` operator resolves to a
kernel the application registers (native code the model cannot ship, but can demand: an app
that registers a custom-op library for one model runs it for any model); ``Flex*`` operators
run TensorFlow ops through the Flex delegate, where the SavedModel op judgments apply (ReadFile,
WriteFile, PyFunc).
"""

from __future__ import annotations

from typing import ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.formats.tflite import read_tflite
from petgov.model import Severity
from petgov.scanners.format_findings import MalformedRule, read_structure
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult
from petgov.scanners.tf_ops import DANGEROUS_OPS

ENGINE = "tflite"
MALFORMED = MalformedRule(ENGINE, "ser.tflite_malformed", "TFLite")
# Custom operators TFLite itself ships kernels for (tensorflow/lite/kernels/register.cc and the
# detection post-processing op every SSD export carries).
CUSTOM_OP = "ser.tflite_custom_op"
SHIPPED_CUSTOM = frozenset(
    {"TFLite_Detection_PostProcess", "AudioSpectrogram", "Mfcc", "NumericVerify"}
)


def _judge(custom: str) -> tuple[str, Severity, str] | None:
    """(finding kind, severity, why) of a custom operator code; None for shipped ones.

    A Flex op that runs Python or touches host files is the same danger as in a SavedModel
    graph, so it is that kind (a gate); other custom ops are the TFLite guideline kind.
    """
    if custom in SHIPPED_CUSTOM:
        return None
    if custom.startswith("Flex"):
        tf_op = custom[4:]
        if tf_op in DANGEROUS_OPS:
            severity, why = DANGEROUS_OPS[tf_op]
            return (
                "ser.tf_op",
                max(severity, Severity.HIGH),
                f"a TensorFlow op through the Flex delegate that {why}",
            )
        return CUSTOM_OP, Severity.MEDIUM, "a TensorFlow op run through the Flex delegate"
    if not custom:
        return CUSTOM_OP, Severity.HIGH, "a CUSTOM operator with no name (no kernel can match it)"
    return CUSTOM_OP, Severity.MEDIUM, "a custom kernel the application must register (native code)"


class TfliteScanner(ItemScanner):
    """Lists a TFLite model's operator codes and judges the custom ones."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({CUSTOM_OP, "ser.tf_op", "ser.tflite_malformed"})

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format == F.TFLITE

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        model = read_structure(entry, read_tflite, MALFORMED, out, what="model")
        if model is None:
            return out
        for custom in sorted(set(model.custom_ops))[:50]:
            judged = _judge(custom)
            if judged is None:
                continue
            kind, severity, why = judged
            out.findings.append(
                finding(
                    kind,
                    path,
                    f"custom operator {custom!r}: {why}",
                    engine=ENGINE,
                    severity=severity,
                    evidence={"custom_code": custom},
                )
            )
        out.scanned(
            path,
            ENGINE,
            f"TFLite v{model.version}: {len(model.operator_codes)} operator codes, "
            f"{model.subgraphs} subgraphs",
        )
        out.facts[path] = {
            "tflite.version": model.version,
            "tflite.builtin_ops": sorted({op.builtin for op in model.operator_codes})[:200],
            "tflite.custom_ops": sorted(set(model.custom_ops))[:200],
        }
        return out
