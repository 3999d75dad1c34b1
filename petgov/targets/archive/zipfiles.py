"""Zip walking (plain zip, PyTorch, NumPy .npz and Keras archives): member limits, name
mismatches, traversal, links and bombs; small members read in one pass, large ones lazily."""

from __future__ import annotations

import zlib

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
from petgov.targets.archive.limits import INLINE_MEMBER_BYTES, ArchiveLimits, read_bounded
from petgov.targets.archive.streams import ZipMemberSource, local_name, open_member_raw
from petgov.targets.interface import BytesSource, RawEntry, Source


def walk_zip(entry: RawEntry, limits: ArchiveLimits, out: Expansion) -> None:
    source = seekable(entry, limits, out)
    if source is None:
        return
    total = 0
    inline_budget = limits.max_inline_bytes
    import zipfile  # only when a zip is walked

    with source.open() as fh, zipfile.ZipFile(fh) as zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            out.findings.append(
                finding(
                    "archive.too_many_members",
                    entry.path,
                    f"{len(infos)} members exceed the limit of {limits.max_members}; only the "
                    f"first {limits.max_members} were scanned",
                    engine=ENGINE,
                    evidence={"members": len(infos)},
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
            infos = infos[: limits.max_members]
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            member_path = f"{entry.path}!/{name}"
            stated = local_name(fh, info)
            if stated is not None and stated != name:
                out.findings.append(
                    finding(
                        "archive.name_mismatch",
                        member_path,
                        f"the central directory calls it {name!r}, its local header {stated!r}; "
                        "tools disagree on which to use (a scanner-evasion technique)",
                        engine=ENGINE,
                        evidence={"member": name, "local_name": stated},
                    )
                )
            why = unsafe_member_name(name)
            if why:
                out.findings.append(traversal(entry, name, why))
            mode = (info.external_attr >> 16) & 0o170000
            if mode == 0o120000:
                out.findings.append(
                    finding(
                        "archive.link_member",
                        member_path,
                        f"member {name!r} is a symbolic link; it was not followed",
                        engine=ENGINE,
                        evidence={"member": name},
                    )
                )
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            total += info.file_size
            if (
                info.file_size > limits.max_member_bytes
                or total > limits.max_total_bytes
                or (info.file_size > (1 << 20) and ratio > limits.max_ratio)
            ):
                out.findings.append(bomb(entry, name, info.file_size, ratio))
                out.coverage.append(
                    Coverage(
                        member_path, ENGINE, CoverageStatus.NOT_SCANNED, "decompression bomb guard"
                    )
                )
                continue
            limit = min(
                limits.max_member_bytes,
                int(max(info.compress_size, 1) * limits.max_ratio) + (1 << 20),
            )
            member_source: Source
            if info.file_size <= INLINE_MEMBER_BYTES and info.file_size <= inline_budget:
                # One pass through the shared ZipFile: reopening the archive per member is
                # quadratic in the member count.
                try:
                    data = read_bounded(open_member_raw(fh, info), limit)
                except (zlib.error, EOFError, OSError, NotImplementedError, ValueError) as exc:
                    why = "encrypted" if info.flag_bits & 0x1 else "damaged"
                    out.coverage.append(
                        Coverage(
                            member_path,
                            ENGINE,
                            CoverageStatus.NOT_SCANNED,
                            f"member cannot be read ({why}: {exc})"[:200],
                        )
                    )
                    continue
                inline_budget -= len(data)
                member_source = BytesSource(data)
            else:
                member_source = ZipMemberSource(source, info, limit)
            out.entries.append(child(entry, name, member_source))
