"""Benchmark: validating 1,000 foreign .xlsx forms (read by headings) against 1,000 jixiao forms (read
by their defined names), side by side in one run.

    python benchmarks/bench_foreign.py                 # 1,000 of each in a temp folder
    python benchmarks/bench_foreign.py --count 200     # quicker

Foreign forms are the layouts of tests/support/foreign.py (national, 株洲, Anhui, 池州, shuffled,
shifted, two-row headers, extra columns, unmerged export, parent rows, 苏州, Sichuan, two forms in a
file, 部门整体, 2018) with randomised actual values and scores, about 60 distinct files copied up to
--count; jixiao forms are made as benchmarks/bench_validate.py makes them. The goal (issue 11): the
foreign folder validates at no less than half the speed of the jixiao folder.

Printed (forms per second): reader + all rules in this process (1 core), and `jixiao validate` end to
end (a new Python, all cores), for both folders, and the ratio foreign / jixiao.
"""
from __future__ import annotations

import argparse
import copy
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate_foreign(folder: Path, count: int, distinct: int = 60, seed: int = 11) -> list[Path]:
    from tests.support import foreign

    rng = random.Random(seed)
    originals = {k: copy.deepcopy(getattr(foreign, k)) for k in ("WATER", "ZHUZHOU", "SUZHOU", "SICHUAN")}
    built: list[Path] = []
    try:
        for i in range(min(distinct, count)):
            for key, data in originals.items():        # a new variant of every data set
                data = copy.deepcopy(data)
                rows = "srows" if key == "SICHUAN" else "rows"
                new = []
                for row in data[rows]:
                    row = list(row)
                    if key == "SICHUAN":
                        if isinstance(row[6], (int, float)):
                            row[6] = round(row[4] * rng.uniform(0.7, 1.3), 1)
                    elif rng.random() < 0.5 and row[6] is not None:
                        row[6] = max(0, row[6] - rng.choice([0, 0.5, 1, 2]))
                    new.append(tuple(row))
                data[rows] = new
                setattr(foreign, key, data)
            name = foreign.CASE_NAMES[i % len(foreign.CASE_NAMES)]
            sub = folder / f"src{i}"
            sub.mkdir()
            case = getattr(foreign, name)(sub)
            built.append(case.path.rename(folder / f"{i:04d}_{case.path.name}"))
            shutil.rmtree(sub)
    finally:
        for key, data in originals.items():
            setattr(foreign, key, data)
    files = list(built)
    while len(files) < count:
        src = built[len(files) % len(built)]
        dst = folder / f"{len(files):04d}_{src.name[5:]}"
        shutil.copyfile(src, dst)
        files.append(dst)
    return files


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def in_process(files: list[Path]) -> tuple[float, int, int]:
    """(files per second, forms read, files unreadable) for reader + rules in this process."""
    from jixiao.cli import check_file

    check_file(str(files[0]))          # warm imports and caches
    t = time.perf_counter()
    results = [check_file(str(f)) for f in files]
    seconds = time.perf_counter() - t
    forms = sum(len(r) for r in results)
    unreadable = sum(1 for r in results for x in r if not x["readable"])
    return rate(len(files), seconds), forms, unreadable


def end_to_end(folder: Path, n: int, jobs: int | None) -> float:
    out = Path(tempfile.mkdtemp()) / "result.json"
    cmd = [sys.executable, "-m", "jixiao.cli", "validate", "--json", "--no-progress", "-o", str(out), str(folder)]
    if jobs:
        cmd[4:4] = ["--jobs", str(jobs)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    out.unlink(missing_ok=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"jixiao validate exited {proc.returncode}: {proc.stderr.strip()[:500]}")
    return rate(n, seconds)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=None, help="processes for jixiao validate (default: all cores)")
    ap.add_argument("--keep", action="store_true", help="keep the generated folders")
    args = ap.parse_args(argv)
    from benchmarks.bench_validate import generate

    tmp = Path(tempfile.mkdtemp(prefix="jixiao-bench-foreign-"))
    try:
        ours, theirs = tmp / "jixiao", tmp / "foreign"
        ours.mkdir()
        theirs.mkdir()
        t = time.perf_counter()
        jx = generate(ours, args.count)
        fx = generate_foreign(theirs, args.count)
        print(f"generated {len(jx)} jixiao and {len(fx)} foreign workbooks in {time.perf_counter() - t:.1f} s ({tmp})")
        r_jx, n_jx, bad_jx = in_process(jx)
        r_fx, n_fx, bad_fx = in_process(fx)
        e_jx = end_to_end(ours, len(jx), args.jobs)
        e_fx = end_to_end(theirs, len(fx), args.jobs)
        print(f"{'':34}{'jixiao forms':>14}{'foreign forms':>15}{'foreign/jixiao':>16}")
        print(f"{'reader + all rules, 1 core':34}{r_jx:11.1f}/s {r_fx:11.1f}/s {r_fx / r_jx:14.2f}")
        print(f"{'jixiao validate, end to end':34}{e_jx:11.1f}/s {e_fx:11.1f}/s {e_fx / e_jx:14.2f}")
        print(f"files: {len(jx)} jixiao ({n_jx} forms, {bad_jx} unreadable), {len(fx)} foreign ({n_fx} forms, "
              f"{bad_fx} unreadable); goal: foreign/jixiao >= 0.50")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
