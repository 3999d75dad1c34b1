"""Which dataset files are shards of one split, so a split is judged once, not shard by shard.

A Hugging Face ``datasets`` folder (``save_to_disk``: ``train/data-00000-of-00003.arrow`` plus
``state.json``) and the hub's Parquet layout (``data/train-00000-of-00002.parquet``, or the
converted ``default/train/0000.parquet``) split one table over several files. Scanned one by
one, each shard got its own sample and its own verdicts, and a column whose PII sat in one
shard was judged on a third of the rows. Grouped, the shards are read in order as one table:
the sample, "sampled n of N rows" and every verdict equal the single-file scan of the
concatenated split.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# train-00000-of-00002.parquet, data-00001-of-00003.arrow, train-00000-of-00001-5e1c3a.parquet
_SHARD = re.compile(
    r"^(?P<stem>.+?)-(?P<index>\d{5})-of-(?P<count>\d{5})(?P<hash>-[0-9a-f]{6,})?"
    r"\.(?P<ext>[A-Za-z0-9.]+)$"
)
# refs/convert/parquet: default/train/0000.parquet
_NUMBERED = re.compile(r"^(?P<index>\d{4})\.(?P<ext>parquet|arrow)$")


@dataclass(frozen=True)
class DatasetUnit:
    """One dataset to judge: a single file, or the ordered shards of one split."""

    path: str  # what findings and facts are keyed by: the file, or the split's folder/glob
    fmt: str
    entries: tuple[Any, ...]  # scanner Entry objects, in row order
    split: str | None = None  # the split's name when the unit is several shards

    @property
    def sharded(self) -> bool:
        return self.split is not None


def group_splits(entries: Sequence[Any], all_entries: Sequence[Any] = ()) -> list[DatasetUnit]:
    """Datasets of ``entries``: shards of one split together, every other file alone.

    ``all_entries``: the whole target, to find a split folder's ``state.json`` (the shard
    order ``datasets`` wrote), which is not a dataset itself.
    """
    states = {
        posixpath.dirname(e.item.path): e
        for e in all_entries or entries
        if posixpath.basename(e.item.path) == "state.json"
    }
    groups: dict[tuple[str, ...], list[tuple[int, Any]]] = {}
    units: list[DatasetUnit] = []
    order: list[tuple[str, ...] | DatasetUnit] = []
    for entry in entries:
        key, index = _shard_key(entry)
        if key is None:
            unit = DatasetUnit(entry.item.path, entry.item.format, (entry,))
            order.append(unit)
            continue
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((index, entry))
    for item in order:
        if isinstance(item, DatasetUnit):
            units.append(item)
            continue
        shards = groups[item]
        folder = item[0]
        listed = _state_order(states.get(folder))
        shards.sort(key=lambda s: (_listed_index(s[1], listed), s[0], s[1].item.path))
        units.append(_unit(item, [e for _, e in shards], folder in states))
    return units


def _shard_key(entry: Any) -> tuple[tuple[str, ...] | None, int]:
    """(group key, shard index) of a shard file, or (None, 0) for any other file."""
    path = entry.item.path
    folder, name = posixpath.split(path)
    m = _SHARD.match(name)
    if m:
        key = (
            folder,
            m["stem"],
            m["count"],
            "-*" if m["hash"] else "",
            m["ext"],
            entry.item.format,
        )
        return key, int(m["index"])
    n = _NUMBERED.match(name)
    if n and posixpath.basename(folder):
        return (folder, "", "", "", n["ext"], entry.item.format), int(n["index"])
    return None, 0


def _unit(key: tuple[str, ...], shards: list[Any], has_state: bool) -> DatasetUnit:
    folder, stem, count, hashed, ext, fmt = key
    base = posixpath.basename(folder)
    if not stem:  # default/train/0000.parquet: the folder is the split
        return DatasetUnit(folder, fmt, tuple(shards), base)
    if has_state or stem == "data":  # save_to_disk: the folder is the split
        return DatasetUnit(folder, fmt, tuple(shards), base or stem)
    glob = posixpath.join(folder, f"{stem}-*-of-{count}{hashed}.{ext}")
    return DatasetUnit(glob, fmt, tuple(shards), stem)


def _state_order(state: Any) -> dict[str, int]:
    """File name -> position in ``state.json``'s ``_data_files`` (empty when unreadable)."""
    if state is None or state.item.size > 1 << 20:
        return {}
    try:
        with state.source.open() as fh:
            doc = json.loads(fh.read().decode("utf-8", errors="replace"))
        files = doc.get("_data_files") or []
        return {str(f["filename"]): i for i, f in enumerate(files) if isinstance(f, dict)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _listed_index(entry: Any, listed: dict[str, int]) -> int:
    return listed.get(posixpath.basename(entry.item.path), len(listed))


class ShardsDisagree(Exception):
    """The shards of a split do not share one schema: they are judged one by one instead."""


def chained(batch_iters: Iterator[Iterator[Any]]) -> Iterator[Any]:
    """The batches of every shard in order, as one table; raises ``ShardsDisagree`` when a
    shard's columns differ from the first shard's."""
    schema: tuple[tuple[str, str], ...] | None = None
    for batches in batch_iters:
        for batch in batches:
            here = tuple(
                (str(n), str(t))
                for n, t in zip(batch.schema.names, batch.schema.types, strict=True)
            )
            if schema is None:
                schema = here
            elif here != schema:
                raise ShardsDisagree(f"shard columns {here} differ from {schema}")
            yield batch
