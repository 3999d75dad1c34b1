"""Hub provenance: is an hf:// target pinned, do its cache blobs hold what their names say, and
does the snapshot match ``petgov.lock``?

LFS blobs are named by the sha256 of their content and other blobs by their git blob sha1, so
every name is checked against the bytes; the lock adds the files that must be there and their
digests. Mismatches are findings, never errors: a forged cache is what this is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from petgov.catalog import finding
from petgov.errors import PetgovError, UsageError, VerificationError
from petgov.inventory.hashing import git_blob_sha1, sha256_many
from petgov.model import Finding, ScanResult
from petgov.provenance.hublock import Lock, read_lock
from petgov.targets.interface import ResolvedTarget, Source

ENGINE = "provenance"


@dataclass(frozen=True)
class HubFile:
    """One snapshot file: its path inside the repo, as shown, its blob and the blob's name."""

    rel: str
    display: str
    source: Source
    blob: str | None


@dataclass(frozen=True)
class Digested:
    """A hub file with the sha256 of its content and whether its blob name matches it."""

    file: HubFile
    sha256: str
    name_ok: bool | None  # None: the blob has no name to check (a plain copy)


def is_hub(target: ResolvedTarget) -> bool:
    """Whether ``target`` was resolved from the hub (the hf resolver sets these facts)."""
    return "hf.commit" in target.facts.get("", {})


def files_of(target: ResolvedTarget) -> list[HubFile]:
    """The snapshot files of a resolved hf:// target (archive members are not files of it)."""
    prefix = target.target.rstrip("/") + "/"
    return [
        HubFile(rel=e.path[len(prefix) :], display=e.path, source=e.source, blob=e.origin.etag)
        for e in target.entries
        if e.origin.kind == "hf" and e.depth == 0 and e.path.startswith(prefix)
    ]


def digest(files: Sequence[HubFile], jobs: int | None = None) -> list[Digested]:
    """sha256 of every file (in parallel), and its blob name checked against the content.

    A remote file read only in part (a header range) is not downloaded to be hashed: its digest
    is the one the hub reports, and its name is not checked (``name_ok`` None).
    """
    for f in files:
        if f.source.partial() and f.source.unread_digest() is None:
            f.source.prepare("", whole=True)  # no digest reported: the bytes must be read
    read = [f for f in files if not f.source.partial()]
    sums = dict(
        zip([f.rel for f in read], sha256_many([f.source for f in read], jobs), strict=True)
    )
    out = []
    for f in files:
        sha = sums.get(f.rel)
        if sha is None:
            out.append(Digested(file=f, sha256=str(f.source.unread_digest()), name_ok=None))
            continue
        ok: bool | None = None
        if f.blob is not None and len(f.blob) == 64:
            ok = f.blob == sha
        elif f.blob is not None and len(f.blob) == 40:
            ok = f.blob == git_blob_sha1(f.source)
        out.append(Digested(file=f, sha256=sha, name_ok=ok))
    return out


def make_lock(target: ResolvedTarget) -> Lock:
    """A lock of ``target``'s snapshot; refuses a cache whose blob names lie about content."""
    facts = target.facts.get("", {})
    if not is_hub(target):
        raise UsageError(
            f"{target.target}: petgov lock pins Hugging Face revisions",
            hint="give an hf://org/name@COMMIT target; sign local folders with petgov sign",
        )
    digests = digest(files_of(target))
    forged = [d.file.rel for d in digests if d.name_ok is False]
    if forged or target.findings:
        named = forged or [f.path for f in target.findings]
        raise VerificationError(
            f"{target.target}: cache files do not match their blob names: {', '.join(named[:5])}",
            hint="the cache is damaged or forged; delete the repo from it and download again",
        )
    return Lock(
        repo=str(facts["hf.repo"]),
        repo_type=str(facts["hf.repo_type"]),
        commit=str(facts["hf.commit"]),
        files={d.file.rel: d.sha256 for d in digests},
        revision=str(facts["hf.revision"]),
    )


def check(target: ResolvedTarget, lock_path: Path | None) -> ScanResult:
    """Pinning, blob names and (when a lock for this repo is given) the lock, as findings."""
    out = ScanResult()
    facts = target.facts.get("", {})
    name = target.target
    if not facts.get("hf.pinned"):
        out.findings.append(
            finding(
                "provenance.unpinned_revision",
                name,
                f"revision {facts.get('hf.revision')!r} is a branch or tag and can move; it "
                f"resolved to {facts.get('hf.commit')} "
                + ("on the hub" if facts.get("hf.read_from") == "hub" else "in the local cache"),
                engine=ENGINE,
                evidence={"revision": facts.get("hf.revision"), "commit": facts.get("hf.commit")},
            )
        )
    digests = digest(files_of(target))
    for d in digests:
        if d.name_ok is False:
            named = f"its cache blob is named {d.file.blob} ({_kind(d)})"
            out.findings.append(_mismatch(d, named, "blob", d.file.blob))
    target_facts = out.facts.setdefault("", {})
    target_facts["hf.blobs_verified"] = sum(1 for d in digests if d.name_ok)
    target_facts["hf.digests_server_reported"] = sum(1 for d in digests if d.file.source.partial())
    target_facts["hf.lock_verified"] = False
    if lock_path is not None:
        _against_lock(target, lock_path, digests, out)
    return out


def _against_lock(
    target: ResolvedTarget, lock_path: Path, digests: Sequence[Digested], out: ScanResult
) -> None:
    facts = target.facts[""]
    target_facts = out.facts[""]
    target_facts["hf.lock"] = str(lock_path)
    try:
        lock = read_lock(lock_path)
    except PetgovError as exc:
        out.not_scanned(target.target, ENGINE, f"lock not checked: {exc.one_line()}", error=True)
        return
    if (lock.repo, lock.repo_type) != (facts["hf.repo"], facts["hf.repo_type"]):
        out.not_scanned(
            target.target, ENGINE, f"lock not checked: {lock_path} pins {lock.repo}, not this repo"
        )
        return
    if lock.commit != facts["hf.commit"]:
        out.findings.append(
            finding(
                "provenance.lock_commit_mismatch",
                target.target,
                f"{lock_path} pins commit {lock.commit}; the target resolved to "
                f"{facts['hf.commit']} (files were not compared)",
                engine=ENGINE,
                evidence={"locked": lock.commit, "resolved": facts["hf.commit"]},
            )
        )
        return
    seen = {d.file.rel: d for d in digests}
    bad = 0
    for rel, d in sorted(seen.items()):
        want = lock.files.get(rel)
        if want is None:
            bad += 1
            out.findings.append(
                finding(
                    "provenance.lock_extra_file",
                    d.file.display,
                    f"{rel} is in the cached snapshot but not in {lock_path}",
                    engine=ENGINE,
                    evidence={"sha256": d.sha256},
                )
            )
        elif want != d.sha256:
            bad += 1
            out.findings.append(_mismatch(d, f"{lock_path} records sha256 {want}", "lock", want))
    prefix = target.target.rstrip("/")
    for rel in sorted(set(lock.files) - set(seen)):
        bad += 1
        out.findings.append(
            finding(
                "provenance.lock_missing_file",
                f"{prefix}/{rel}",
                f"{rel} is in {lock_path} but not in the cached snapshot; it was not scanned",
                engine=ENGINE,
                evidence={"sha256": lock.files[rel]},
            )
        )
    target_facts["hf.lock_verified"] = bad == 0


def _kind(d: Digested) -> str:
    return "an LFS sha256" if d.file.blob and len(d.file.blob) == 64 else "a git blob sha1"


def _mismatch(d: Digested, expected: str, check: str, want: str | None) -> Finding:
    return finding(
        "provenance.hub_digest_mismatch",
        d.file.display,
        f"content sha256 {d.sha256}, but {expected}: the cached file was changed or forged",
        engine=ENGINE,
        evidence={"check": check, "expected": want, "sha256": d.sha256},
    )
