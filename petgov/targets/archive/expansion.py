"""What every archive walker shares: the expansion it fills, member entries and their names,
and the findings about members (traversal, bombs) that zip, tar and 7z all report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from petgov.catalog import finding
from petgov.model import Coverage, CoverageStatus, Finding, Origin
from petgov.targets.archive.limits import ArchiveLimits, read_bounded
from petgov.targets.archive.streams import ZipMemberSource
from petgov.targets.interface import BytesSource, RawEntry, Source

ENGINE = "archive"
KINDS = frozenset(
    {
        "archive.path_traversal",
        "archive.link_member",
        "archive.bomb",
        "archive.too_deep",
        "archive.malformed",
        "archive.too_many_members",
        "archive.name_mismatch",
    }
)


@dataclass
class Expansion:
    """Members found in one archive, and findings/coverage about the archive itself."""

    entries: list[RawEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)


def unsafe_member_name(name: str) -> str | None:
    """Why a member name would escape an extraction folder, or None when it is safe."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        return "parent-directory ('..') component"
    return None


def child(entry: RawEntry, name: str, source: Source) -> RawEntry:
    """The raw entry of member ``name`` of ``entry``: ``outer!/name``, one level deeper."""
    origin = Origin(
        kind="archive",
        source=entry.origin.source,
        repo=entry.origin.repo,
        revision=entry.origin.revision,
        commit=entry.origin.commit,
    )
    return RawEntry(
        path=f"{entry.path}!/{name}",
        source=source,
        origin=origin,
        depth=entry.depth + 1,
        parent=entry.path,
    )


def seekable(entry: RawEntry, limits: ArchiveLimits, out: Expansion) -> Source | None:
    """Zip and tar readers need to seek: a lazily streamed member is read into memory first."""
    if not isinstance(entry.source, ZipMemberSource):
        return entry.source
    if entry.source.size > limits.max_inline_bytes:
        out.coverage.append(
            Coverage(
                entry.path,
                ENGINE,
                CoverageStatus.NOT_SCANNED,
                f"nested archive larger than {limits.max_inline_bytes} bytes is not walked",
            )
        )
        return None
    with entry.source.open() as fh:
        return BytesSource(read_bounded(fh, limits.max_inline_bytes))


def traversal(entry: RawEntry, name: str, why: str) -> Finding:
    """A member name that would write outside an extraction folder."""
    return finding(
        "archive.path_traversal",
        f"{entry.path}!/{name}",
        f"member {name!r} has an {why}; extraction would write outside the target",
        engine=ENGINE,
        evidence={"member": name, "reason": why},
    )


def bomb(entry: RawEntry, name: str, size: int, ratio: float) -> Finding:
    """A member past the size or ratio limits, left compressed."""
    return finding(
        "archive.bomb",
        f"{entry.path}!/{name}",
        f"member {name!r} expands to {size} bytes (ratio {ratio:.0f}:1), past the limits; "
        "it was not decompressed",
        engine=ENGINE,
        evidence={"member": name, "size": size, "ratio": round(ratio, 1)},
    )
