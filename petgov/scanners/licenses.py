"""Licenses of a model or dataset repo: card metadata and LICENSE files, as SPDX facts.

The card's ``license:`` wins over a LICENSE file's text (the card is what the Hub shows); a
disagreement between them is reported. Facts ``license.*`` go to the target ('' key) so policy
rules can read them; findings say what a reviewer must look at.
"""

from __future__ import annotations

import posixpath
import re
from typing import ClassVar

from petgov import filetypes as F
from petgov import licensing, modelcard
from petgov.catalog import finding
from petgov.licensing import LicenseInfo
from petgov.model import Finding
from petgov.scanners.interface import Entry, ScanContext, ScanResult, TargetScanner

ENGINE = "licenses"
MAX_TEXT = 2 * 1024 * 1024
LICENSE_FILE = re.compile(r"^(licen[cs]e|copying|notice)([._-].*)?$", re.IGNORECASE)
CARD_NAMES = frozenset({"readme.md", "modelcard.md", "datasetcard.md"})
MODEL_MARKERS = frozenset(
    {"config.json", "tokenizer_config.json", "modules.json", "model_index.json"}
)


def _text(entry: Entry) -> str | None:
    if entry.item.size > MAX_TEXT:
        return None
    with entry.source.open() as fh:
        return fh.read(MAX_TEXT).decode("utf-8", errors="replace")


class LicenseScanner(TargetScanner):
    """Reads card metadata and LICENSE files; normalizes to SPDX; reports review needs."""

    name: ClassVar[str] = ENGINE
    kinds: ClassVar[frozenset[str]] = frozenset(
        {"license.missing", "license.non_commercial", "license.custom", "license.mismatch"}
    )
    version: ClassVar[str] = "1"

    def scan_target(self, ctx: ScanContext) -> ScanResult:
        result = ScanResult()
        cards: list[LicenseInfo] = []
        files: list[LicenseInfo] = []
        has_card = False
        looks_like_model = False
        target = ctx.target.target if ctx.target else ""
        names = modelcard.folder_names(target, [e.item for e in ctx.entries])
        for entry in ctx.entries:
            base = posixpath.basename(entry.item.path)
            # A model folder or repo (a card, or a config in it; a zip of one), not a lone
            # weights file or a member of one (a .keras zip's config.json), states its terms.
            if posixpath.basename(names.get(entry.item.path, "")) in MODEL_MARKERS:
                looks_like_model = True
            is_card = base.lower() in CARD_NAMES
            is_license = bool(LICENSE_FILE.match(base)) and entry.item.format in (
                F.TEXT,
                F.MARKDOWN,
                F.EMPTY,
            )
            if not (is_card or is_license):
                continue
            text = _text(entry)
            if text is None:
                result.not_scanned(entry.item.path, ENGINE, "text larger than 2 MiB")
                continue
            result.scanned(entry.item.path, ENGINE)
            if is_card:
                meta = licensing.front_matter(text)
                if meta is None:
                    continue
                has_card = True
                info = licensing.from_card(meta, entry.item.path)
                if info is not None:
                    cards.append(info)
                    result.facts[entry.item.path] = info.facts()
            else:
                found = licensing.from_text(text, entry.item.path)
                if found is not None:
                    files.append(found)
                    result.facts[entry.item.path] = found.facts()
        chosen = cards[0] if cards else (files[0] if files else None)
        if chosen is None:
            result.facts[""] = licensing.LicenseInfo(None, "").facts()
            if has_card or looks_like_model:
                result.findings.append(self._missing(ctx))
            return result
        result.facts[""] = chosen.facts()
        self._flag(chosen, result)
        if cards and files and not _same(cards[0], files[0]):
            result.findings.append(
                finding(
                    "license.mismatch",
                    files[0].source,
                    f"card says {cards[0].expression}, {files[0].source} reads as "
                    f"{files[0].expression}",
                    engine=ENGINE,
                    evidence={"card": cards[0].expression, "file": files[0].expression},
                    confidence="medium",
                )
            )
        return result

    def _missing(self, ctx: ScanContext) -> Finding:
        return finding(
            "license.missing",
            ctx.target.target if ctx.target else ".",
            "no license in card metadata or a LICENSE file: terms of use are unknown",
            engine=ENGINE,
        )

    def _flag(self, info: LicenseInfo, result: ScanResult) -> None:
        if info.non_commercial:
            result.findings.append(
                finding(
                    "license.non_commercial",
                    info.source,
                    f"{info.expression} forbids commercial use; do not ship to production "
                    "without a separate agreement",
                    engine=ENGINE,
                    evidence={"license": info.expression, "raw": info.raw[:200]},
                    facts=info.facts(),
                )
            )
        if info.custom:
            result.findings.append(
                finding(
                    "license.custom",
                    info.source,
                    f"{info.expression} is not an SPDX license: its terms (use "
                    "restrictions, user caps, attribution) need legal review",
                    engine=ENGINE,
                    evidence={
                        "license": info.expression,
                        "raw": info.raw[:200],
                        "unrecognized": info.unrecognized,
                    },
                    facts=info.facts(),
                )
            )


def _same(a: LicenseInfo, b: LicenseInfo) -> bool:
    if a.expression is None or b.expression is None:
        return a.expression == b.expression
    return a.expression.lower() == b.expression.lower() or (a.custom and b.custom)
