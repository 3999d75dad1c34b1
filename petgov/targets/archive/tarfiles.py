"""Tar walking (any compression tarfile reads): member limits, traversal, links, size limits."""

from __future__ import annotations

from petgov.catalog import finding
from petgov.model import Coverage, CoverageStatus
from petgov.targets.archive.expansion import (
    ENGINE,
    Expansion,
    bomb,
    child,
    seekable,
    traversal,
    unsafe_member_name,
)
from petgov.targets.archive.limits import ArchiveLimits, read_bounded
from petgov.targets.interface import BytesSource, RawEntry


def walk_tar(entry: RawEntry, limits: ArchiveLimits, out: Expansion) -> None:
    total = 0
    count = 0
    source = seekable(entry, limits, out)
    if source is None:
        return
    import tarfile  # only when a tar is walked (~2.5 ms to import)

    with source.open() as fh, tarfile.open(fileobj=fh, mode="r:*") as tf:
        for member in tf:
            count += 1
            if count > limits.max_members:
                out.findings.append(
                    finding(
                        "archive.too_many_members",
                        entry.path,
                        f"more than {limits.max_members} members; the rest were not scanned",
                        engine=ENGINE,
                        evidence={"members": count},
                    )
                )
                out.coverage.append(
                    Coverage(
                        entry.path,
                        ENGINE,
                        CoverageStatus.NOT_SCANNED,
                        f"members after the first {limits.max_members}",
                    )
                )
                break
            name = member.name
            why = unsafe_member_name(name)
            if why:
                out.findings.append(traversal(entry, name, why))
            if member.issym() or member.islnk():
                out.findings.append(
                    finding(
                        "archive.link_member",
                        f"{entry.path}!/{name}",
                        f"member {name!r} links to {member.linkname!r}; it was not followed",
                        engine=ENGINE,
                        evidence={"member": name, "link": member.linkname},
                    )
                )
                continue
            if not member.isfile():
                continue
            total += member.size
            if member.size > limits.max_inline_bytes or total > limits.max_total_bytes:
                out.findings.append(bomb(entry, name, member.size, 0.0))
                out.coverage.append(
                    Coverage(
                        f"{entry.path}!/{name}", ENGINE, CoverageStatus.NOT_SCANNED, "size limit"
                    )
                )
                continue
            extracted = tf.extractfile(member)
            if extracted is None:
                continue
            data = read_bounded(extracted, limits.max_inline_bytes)
            out.entries.append(child(entry, name, BytesSource(data)))
