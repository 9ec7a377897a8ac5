"""Committed snapshots of everything the main job generates, part by part (python-holidays style:
a rule or layout change shows up as a reviewable diff of tests/snapshots/).

Each generated file becomes one text file: for every zip part, in name order, a "### part" line and
the part's XML pretty-printed (binary parts: their size and SHA-256; the VBA project also as the
module sources olevba decodes from it). What legitimately changes
between two builds is masked: the document timestamps and the jixiao version string.

    python -m tests.support.snapshot            # rewrite tests/snapshots/ from a fresh build
"""
from __future__ import annotations

import hashlib
import re
import sys
import zipfile
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "snapshots"
YEAR = 2026
_TIMESTAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _version() -> str:
    from jixiao import __version__
    return __version__


def part_text(name: str, data: bytes, version: str) -> str:
    if name.endswith((".xml", ".rels", ".vml")) or name == "[Content_Types].xml":
        data = _TIMESTAMP.sub(rb"\1(masked)\2", data)
        root = etree.fromstring(data, etree.XMLParser(remove_blank_text=True, resolve_entities=False))
        text = etree.tostring(root, pretty_print=True, encoding="unicode")
        return re.sub(rf"(?<![0-9.]){re.escape(version)}(?![0-9])", "(version)", text)
    text = f"binary: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}\n"
    if name.endswith("vbaProject.bin"):  # the VBA as an independent reader (olevba) decodes it
        text += vba_text(data)
    return text


def vba_text(data: bytes) -> str:
    from oletools.olevba import VBA_Parser
    parser = VBA_Parser("vbaProject.bin", data=data)
    try:
        modules = sorted((vba_name, code) for _, _, vba_name, code in parser.extract_macros())
    finally:
        parser.close()
    return "".join(f"--- VBA module {vba_name}\n{code.replace(chr(13), '').rstrip()}\n" for vba_name, code in modules)


def file_text(path: Path, version: str | None = None) -> str:
    version = version or _version()
    out = []
    with zipfile.ZipFile(path) as zf:
        for name in sorted(zf.namelist()):
            out.append(f"### {name}\n{part_text(name, zf.read(name), version)}")
    return "".join(out)


def build(out: Path) -> dict[str, Path]:
    """The main job's files for YEAR, by their path relative to the output folder."""
    import build_templates
    from jixiao.engine.profiles import BUILTIN_DIR, SUFFIXES
    builtin = sorted({p.name[: -len(s)] for p in BUILTIN_DIR.iterdir() for s in SUFFIXES if p.name.endswith(s)})
    build_templates.build(YEAR, builtin, out, "native", log=lambda *a: None)
    return {p.relative_to(out).as_posix(): p for p in sorted(out.rglob("*")) if p.is_file()}


def snapshot_name(rel: str) -> str:
    return rel + ".txt"


def main() -> int:
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        files = build(Path(tmp))
        wanted = {snapshot_name(rel) for rel in files}
        for old in SNAPSHOTS.rglob("*.txt"):
            if old.relative_to(SNAPSHOTS).as_posix() not in wanted:
                old.unlink()
        for rel, path in files.items():
            target = SNAPSHOTS / snapshot_name(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(file_text(path), encoding="utf-8")
    print(f"wrote {len(files)} snapshots under {SNAPSHOTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
