"""Provenance as a scanner: is each model and dataset signed, and does the signature hold?

A ``model.sig`` (OpenSSF model-signing) at a folder root covers the folder; ``FILE.sig`` or
``FILE.sigstore.json`` covers one file. What petgov trusts is ``ProvenanceOptions.trust``
(from ``scan --verify-*`` or a clean room's ``signer_*`` settings); without trust material a
signature is reported as present but unverified, never as verified.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.errors import PetgovError
from petgov.model import Finding
from petgov.provenance.interface import TrustMaterial, Verified
from petgov.scanners.interface import ScanContext, ScanResult, TargetScanner

ENGINE = "provenance"
SIGNED_KINDS = (
    F.MODEL_ARCHIVES
    | F.TABULAR
    | {
        F.PICKLE,
        F.JOBLIB,
        F.PYTORCH_LEGACY,
        F.NUMPY_NPY,
        F.SAFETENSORS,
        F.GGUF,
        F.ONNX,
        F.SAVEDMODEL,
        F.TFLITE,
    }
    | F.WEIGHT_DATA
)
SIG_SUFFIXES = (".sig", ".sigstore.json", ".sigstore")


class ProvenanceScanner(TargetScanner):
    """Signature presence and validity over a whole target."""

    name = ENGINE
    kinds: ClassVar[frozenset[str]] = frozenset(
        {
            "provenance.unsigned",
            "provenance.signature_invalid",
            "provenance.unsigned_file",
            "provenance.unverified",
            "provenance.unpinned_revision",
            "provenance.hub_digest_mismatch",
            "provenance.lock_extra_file",
            "provenance.lock_missing_file",
            "provenance.lock_commit_mismatch",
        }
    )
    version = "1"

    def scan_target(self, ctx: ScanContext) -> ScanResult:
        shown = _hub_paths(ctx)
        out = self._signatures(ctx, shown)
        if ctx.target is not None and "hf.commit" in ctx.target.facts.get("", {}):
            from petgov.provenance import hub
            from petgov.provenance.hublock import find_lock

            try:
                out.extend(hub.check(ctx.target, find_lock(ctx.options.provenance.lock)))
            except OSError as exc:
                out.not_scanned(ctx.target.target, ENGINE, f"cannot hash: {exc}", error=True)
        return out

    def _signatures(self, ctx: ScanContext, shown: dict[str, str]) -> ScanResult:
        """Signature checks over local paths; hub items are checked at their snapshot path."""
        out = ScanResult()
        root = ctx.root
        remote = ctx.target is not None and ctx.target.facts.get("", {}).get("remote.kind")
        if root is None and ctx.target is not None and remote and ctx.entries:
            return _remote_signatures(ctx.target.target, ctx.entries)
        if root is None or not ctx.entries:
            return out
        trust = ctx.options.provenance.trust
        local = {v: k for k, v in shown.items()}
        paths = {local.get(e.item.path, e.item.path): e for e in ctx.entries}
        covered: set[str] = set()
        folder_sig = root / "model.sig" if root.is_dir() else None
        if folder_sig is not None and folder_sig.is_file():
            covered |= self._check(root, folder_sig, str(folder_sig), trust, paths, out, ctx)
        listed = _FolderFiles()
        for path in list(paths):
            if path in covered or _is_signature(path):
                continue
            folder, name = os.path.split(path)
            neighbours = listed.names(folder)
            for suffix in SIG_SUFFIXES:
                if name + suffix in neighbours:
                    sig = Path(path + suffix)
                    covered |= self._check(Path(path), sig, str(sig), trust, paths, out, ctx)
                    break
        by_item = {e.item.path: e for e in ctx.entries}
        unsigned: dict[str, Any] = {}  # top-level file -> its entry (members count for it)
        for path, entry in paths.items():
            if _is_signature(path):
                continue
            top = _top_level(entry, by_item)
            top_path = local.get(top.item.path, top.item.path)
            uncovered = top_path not in covered and path not in covered
            if uncovered and entry.item.format in SIGNED_KINDS:
                unsigned.setdefault(top_path, top)
                out.facts.setdefault(path, {})["provenance.verified"] = False
            out.scanned(path, ENGINE)
        if unsigned:
            out.findings.append(_unsigned(str(root), unsigned))
        return _relabel(out, str(root), ctx.target.target) if shown and ctx.target else out

    def _check(
        self,
        artifact: Path,
        sig: Path,
        sig_display: str,
        trust: TrustMaterial,
        paths: dict[str, Any],
        out: ScanResult,
        ctx: ScanContext,
    ) -> set[str]:
        """Verify one signature; returns the item paths it covers (verified or not)."""
        from petgov.provenance import modelsig, sigbundle

        covered = {str(artifact)} if artifact.is_file() else set()
        is_bundle_file = sig.name.endswith((".sigstore.json", ".sigstore"))
        try:
            manifest = None if is_bundle_file else modelsig.read_manifest(sig)
        except PetgovError:
            manifest = None
            is_bundle_file = True  # FILE.sig that is not model-signing: try as a bundle
        if manifest is not None and artifact.is_dir():
            for name in manifest.files:
                covered.add(str(artifact / name))
        covered.add(sig_display)
        if trust.method is None:
            out.findings.append(
                finding(
                    "provenance.unverified",
                    sig_display,
                    "no trust material given (--verify-key, --verify-cert-chain or "
                    "--verify-identity/--verify-issuer/--trust-root)",
                    engine=ENGINE,
                )
            )
            for p in covered | {str(artifact)}:
                out.facts.setdefault(p, {})["provenance.verified"] = False
            return covered
        try:
            if is_bundle_file:
                result: Verified = sigbundle.verify_file(artifact, sig, trust)
            else:
                hub = ctx.target is not None and "hf.commit" in ctx.target.facts.get("", {})
                result = modelsig.verify_model(
                    artifact, sig, trust, allow_unsigned=True, follow_symlinks=hub
                )
        except PetgovError as exc:
            out.findings.append(
                finding("provenance.signature_invalid", sig_display, str(exc)[:400], engine=ENGINE)
            )
            for p in covered | {str(artifact)}:
                out.facts.setdefault(p, {}).update(
                    {"provenance.verified": False, "provenance.method": trust.method}
                )
            return covered
        for extra in result.detail.get("unsigned_files", ()):
            path = str(artifact / extra)
            out.findings.append(
                finding(
                    "provenance.unsigned_file",
                    path,
                    f"{extra} sits in a signed folder but is not in the signed manifest",
                    engine=ENGINE,
                )
            )
            out.facts.setdefault(path, {})["provenance.verified"] = False
            covered.add(path)
        facts = result.facts()
        for p in covered - {str(artifact / e) for e in result.detail.get("unsigned_files", ())}:
            out.facts.setdefault(p, {}).update(facts)
        out.facts.setdefault(str(artifact), {}).update(facts)
        out.scanned(sig_display, ENGINE, f"verified ({result.method}: {result.identity})")
        return covered


def _hub_paths(ctx: ScanContext) -> dict[str, str]:
    """Snapshot path -> hf:// path shown, for the files of a hub target ({} otherwise)."""
    target = ctx.target
    if target is None or target.root is None or "hf.commit" not in target.facts.get("", {}):
        return {}
    prefix = target.target.rstrip("/") + "/"
    return {
        str(target.root / e.item.path[len(prefix) :]): e.item.path
        for e in ctx.entries
        if e.item.depth == 0 and e.item.path.startswith(prefix)
    }


def _relabel(out: ScanResult, root: str, target: str) -> ScanResult:
    """Findings, coverage and facts about snapshot paths, renamed to the hf:// paths shown.

    The snapshot folder itself is the target: its facts become target facts (key '').
    """

    def name(path: str) -> str:
        if path == root:
            return target
        if path.startswith(root + "/"):
            return target.rstrip("/") + path[len(root) :]
        return path

    res = ScanResult()
    res.findings = [dataclasses.replace(f, path=name(f.path)) for f in out.findings]
    res.coverage = [dataclasses.replace(c, path=name(c.path)) for c in out.coverage]
    for key, value in out.facts.items():
        res.facts.setdefault("" if key == root else name(key), {}).update(value)
    return res


def _remote_signatures(target: str, entries: Sequence[Any]) -> ScanResult:
    """A remote target (no folder on disk): unsigned as a local copy would be; a signature it
    ships is not verified here (that needs every file's bytes) and the report says so."""
    out = ScanResult()
    top = [e for e in entries if e.item.depth == 0]
    signatures = [e.item.path for e in top if _is_signature(e.item.path)]
    if signatures:
        out.not_scanned(
            target,
            ENGINE,
            f"{len(signatures)} signature file(s) not verified on a remote target: download "
            "the repo (hf download) and scan the local copy to verify them",
        )
        return out
    unsigned = {e.item.path: e for e in entries if e.item.format in SIGNED_KINDS}
    by_item = {e.item.path: e for e in entries}
    files = {_top_level(e, by_item).item.path: _top_level(e, by_item) for e in unsigned.values()}
    if files:
        out.findings.append(_unsigned(target, files))
    for e in entries:
        if e.item.format in SIGNED_KINDS:
            out.facts.setdefault(e.item.path, {})["provenance.verified"] = False
        out.scanned(e.item.path, ENGINE)
    return out


def _is_signature(path: str) -> bool:
    return path.endswith(SIG_SUFFIXES) or os.path.basename(path) == "model.sig"


class _FolderFiles:
    """Which regular files (links followed) each folder holds, listed once per folder: three
    ``stat`` calls per scanned file, looking for its ``.sig`` neighbours, cost more than the
    rest of a small file's scan."""

    def __init__(self) -> None:
        self._names: dict[str, frozenset[str]] = {}

    def names(self, folder: str) -> frozenset[str]:
        """The regular files of ``folder`` ("" is the working directory)."""
        names = self._names.get(folder)
        if names is None:
            names = self._names[folder] = _regular_files(folder or ".")
        return names


def _regular_files(folder: str) -> frozenset[str]:
    try:
        with os.scandir(folder) as listing:
            return frozenset(e.name for e in listing if _is_file(e))
    except OSError:  # not a folder (an archive member's parent), or unreadable: no signatures
        return frozenset()


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _top_level(entry: Any, by_item: dict[str, Any]) -> Any:
    """The file on disk an archive member belongs to (an entry at depth 0 is its own)."""
    while entry.item.depth > 0 and entry.item.parent in by_item:
        entry = by_item[entry.item.parent]
    return entry


def _unsigned(root: str, files: dict[str, Any]) -> Finding:
    """One finding per scan target: missing provenance is a fact about the target, not about
    each file and archive member in it (a 50-shard dataset is one unsigned artifact)."""
    if len(files) == 1:
        ((path, entry),) = files.items()
        what = f"{entry.item.format} file without model.sig or a Sigstore bundle"
    else:
        names = sorted(os.path.basename(f) for f in files)
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        path, what = root, f"{len(names)} files without model.sig or a Sigstore bundle: {shown}"
    return finding("provenance.unsigned", path, what, engine=ENGINE)
