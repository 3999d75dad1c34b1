"""Pack tooling: deterministic tarballs, generated rule docs, new-pack skeletons."""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import tarfile
from pathlib import Path

from petgov.compliance.frameworks import FRAMEWORKS
from petgov.errors import OutputError, UsageError
from petgov.policy.packs import Rule, load_pack
from petgov.util.atomic import write_bytes_atomic


def build_tarball(pack_dir: Path, out: Path) -> str:
    """Write a byte-for-byte reproducible .tar.gz of a valid pack; return its sha256."""
    load_pack(pack_dir)  # refuse to package a broken pack
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for p in sorted(pack_dir.rglob("*")):
            if p.is_file() and not p.is_symlink() and p.suffix in (".yaml", ".yml", ".md"):
                data = p.read_bytes()
                info = tarfile.TarInfo(p.relative_to(pack_dir).as_posix())
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                tar.addfile(info, io.BytesIO(data))
    gz = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=gz, mtime=0) as fh:
        fh.write(raw.getvalue())
    blob = gz.getvalue()
    write_bytes_atomic(out, blob)
    return hashlib.sha256(blob).hexdigest()


def rule_markdown(r: Rule) -> str:
    """The generated docs page of one rule."""
    lines = [f"# {r.id}: {r.title}", ""]
    lines.append(
        f"Severity **{r.severity.value}**, mode **{r.mode.value}**, confidence {r.confidence}, "
        f"waivable {'yes' if r.waivable else 'no'}" + (f", since {r.since}" if r.since else "")
    )
    lines += ["", f"Matches: `{r.when}`", ""]
    for key, head in (("what", "What"), ("why", "Why it matters"), ("fix", "How to fix")):
        if r.docs.get(key):
            lines += [f"## {head}", "", str(r.docs[key]).strip(), ""]
    if r.remediation and not r.docs.get("fix"):
        lines += ["## How to fix", "", r.remediation.strip(), ""]
    if r.tags:
        lines += ["Tags: " + ", ".join(r.tags), ""]
    mapped = {k: v for k, v in r.compliance.items() if k != "cwe" and v}
    if mapped:
        lines += ["## Compliance", ""]
        lines += [
            f"- {FRAMEWORKS[k].name if k in FRAMEWORKS else k}: {', '.join(v)}"
            for k, v in mapped.items()
        ]
        lines.append("")
    refs = r.docs.get("references") or []
    if refs:
        lines += ["## References", ""] + [f"- {x}" for x in refs] + [""]
    return "\n".join(lines)


def write_docs(pack_dir: Path, out_dir: Path) -> list[Path]:
    """Write ``out_dir/ID.md`` for every rule plus an index; returns the written files."""
    pack = load_pack(pack_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} is not a folder", hint="rules docs writes one file per rule")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for r in pack.rules:
        path = out_dir / f"{r.id}.md"
        write_bytes_atomic(path, rule_markdown(r).encode())
        written.append(path)
    index = [
        f"# {pack.name} {pack.version}",
        "",
        "| id | severity | mode | title |",
        "|---|---|---|---|",
    ]
    index += [
        f"| [{r.id}]({r.id}.md) | {r.severity.value} | {r.mode.value} | {r.title} |"
        for r in pack.rules
    ]
    write_bytes_atomic(out_dir / "README.md", ("\n".join(index) + "\n").encode())
    return [*written, out_dir / "README.md"]


def init_pack(name: str, dest: Path, template: Path) -> Path:
    """Copy the rule-pack skeleton to ``dest`` (which must not exist) and set its name."""
    if dest.exists():
        raise UsageError(
            f"{dest} already exists", hint="choose a new folder; nothing is overwritten"
        )
    shutil.copytree(template, dest)
    manifest = dest / "pack.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("NAME", name), encoding="utf-8"
    )
    return dest
