"""The main job's outputs equal the committed snapshots part by part (tests/support/snapshot.py).
A deliberate change to a template, a profile or the add-in is reviewed as a diff of tests/snapshots/:
regenerate them with `python -m tests.support.snapshot`."""
from __future__ import annotations

import difflib

import pytest

from tests.support.snapshot import SNAPSHOTS, build, file_text, snapshot_name


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(tmp_path_factory.mktemp("dist"))


def _parts(text: str) -> dict[str, str]:
    parts, name = {}, None
    for line in text.splitlines(keepends=True):
        if line.startswith("### "):
            name = line[4:].rstrip("\n")
            parts[name] = ""
        elif name is not None:
            parts[name] += line
    return parts


def test_every_generated_file_has_a_snapshot(built):
    have = {p.relative_to(SNAPSHOTS).as_posix() for p in SNAPSHOTS.rglob("*.txt")}
    assert {snapshot_name(rel) for rel in built} == have, "run: python -m tests.support.snapshot"


def test_generated_files_equal_their_snapshots_part_by_part(built):
    problems = []
    for rel, path in built.items():
        snap = SNAPSHOTS / snapshot_name(rel)
        if not snap.exists():
            continue
        want, got = _parts(snap.read_text(encoding="utf-8")), _parts(file_text(path))
        for part in sorted(set(want) | set(got)):
            if want.get(part) != got.get(part):
                diff = "".join(list(difflib.unified_diff((want.get(part) or "").splitlines(True),
                                                         (got.get(part) or "").splitlines(True),
                                                         "snapshot", "built", n=1))[:40])
                problems.append(f"{rel} :: {part}\n{diff}")
    assert not problems, ("generated files differ from tests/snapshots/ (if intended, run: python -m "
                          "tests.support.snapshot):\n" + "\n".join(problems[:10]))
