"""Benchmark: `jixiao validate` over many filled workbooks, side by side with openpyxl.load_workbook on
the same files, in one run; the memory of a run as the number of files grows; one small file end to end.

    python benchmarks/bench_validate.py                       # 1,000 generated workbooks
    python benchmarks/bench_validate.py --folder DIR          # the workbooks already in DIR
    python benchmarks/bench_validate.py --memory 1000,5000    # peak memory of one process at each count
    python benchmarks/bench_validate.py --count 200           # quicker

Workbooks are generated with the template builder from the seeds' data and the validation test bases,
with randomised actual values and typed scores, so every file is a different filled form; about 60
distinct workbooks are built and copied up to the count (reading cost is per file).

Printed figures (workbooks per second), each a new Python process started by this script, so startup
and imports count for both sides:
  openpyxl.load_workbook      one process, a loop over every file
  jixiao validate -j 1        the command line end to end in one process (JSON to a file) = the ratio
                              the issue asks for (>= 10x)
  jixiao validate             all cores
  reader + rules in-process   jixiao.batch.check_file in this process (no startup)
  one small file              `jixiao validate FILE`, best wall and CPU time of several runs, beside
                              `python -c pass`
With --memory: the peak resident memory of `jixiao validate -j 1 --json -o --summary` (one process:
results stream to the outputs, so it stays flat in the number of files).
Wall and CPU time are both shown: on a busy machine the CPU-time ratio is the steadier one.
Runs with Python's bytecode cache allowed (PYTHONDONTWRITEBYTECODE unset), as an installed jixiao runs.
"""
from __future__ import annotations

import argparse
import copy
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def generate(folder: Path, count: int, distinct: int = 60, seed: int = 7) -> list[Path]:
    import yaml
    from jixiao.templates.builder import build_workbook, save_workbook
    from jixiao.templates.fill import form_from_data

    rng = random.Random(seed)
    sources = [yaml.safe_load((ROOT / "templates" / "examples" / f"{n}.yaml").read_text(encoding="utf-8"))
               for n in ("zhuzhou_2020", "suzhou_2021")]
    bases = yaml.safe_load((ROOT / "tests" / "validation_cases" / "_bases.yaml").read_text(encoding="utf-8"))
    sources += [dict(v, reported={}) for v in bases.values()]
    built: list[Path] = []
    for i in range(min(distinct, count)):
        data = copy.deepcopy(sources[i % len(sources)])
        for ind in data.get("indicators") or []:
            if isinstance(ind.get("actual"), (int, float)) or rng.random() < 0.2:
                continue
            if rng.random() < 0.3 and isinstance(ind.get("target"), str) and any(ch.isdigit() for ch in ind["target"]):
                ind["actual"] = f"{rng.randint(1, 120)}{''.join(ch for ch in ind['target'] if not ch.isdigit() and ch not in '≥≤=.以上下不低于高')[:3]}"
        data.pop("file_name", None)
        data.setdefault("header", {})
        data["header"] = dict(data["header"], project_name=f"项目{i:03d}") if "project_name" in data["header"] else data["header"]
        profile, form = form_from_data(data)
        typed = rng.random() < 0.5
        built.append(save_workbook(build_workbook(profile, form, "native", typed_scores=typed),
                                   folder / f"{i:04d}_{profile.name}.xlsx"))
    files = list(built)
    n = len(built)
    while len(files) < count:
        src = built[len(files) % n]
        dst = folder / f"{len(files):05d}_{src.name[5:]}"
        shutil.copyfile(src, dst)
        files.append(dst)
    return files


def timed(cmd: list[str]) -> tuple[float, float, float, int]:
    """(wall s, cpu s, peak RSS MiB, exit code) of one command, measured for that child alone."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    proc.stderr.close()
    if proc.returncode not in (0, 1, 2):
        raise SystemExit(f"{' '.join(cmd[:4])} exited {proc.returncode}: {err[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def validate_cmd(folder: Path, jobs: int | None, out: Path, summary: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "jixiao", "validate", "--json", "--no-progress", "-o", str(out), str(folder)]
    if jobs:
        cmd[4:4] = ["--jobs", str(jobs)]
    if summary:
        cmd[4:4] = ["--summary", str(summary)]
    return cmd


def speed(files: list[Path], folder: Path) -> None:
    from jixiao.batch import check_file

    listing = folder.parent / "files.txt"
    listing.write_text("\n".join(map(str, files)), encoding="utf-8")
    baseline = [sys.executable, "-c", "import sys, openpyxl\n"
                "for f in open(sys.argv[1], encoding='utf-8').read().splitlines(): openpyxl.load_workbook(f)",
                str(listing)]
    out = Path(tempfile.mkdtemp()) / "result.json"
    n = len(files)
    subprocess.run(validate_cmd(folder, 1, out), cwd=ROOT, env=ENV, capture_output=True)   # bytecode, profile cache
    out.unlink(missing_ok=True)
    base_wall, base_cpu = timed(baseline)[:2]
    one_wall, one_cpu = timed(validate_cmd(folder, 1, out))[:2]
    out.unlink(missing_ok=True)
    all_wall = timed(validate_cmd(folder, None, out))[0]
    out.unlink(missing_ok=True)
    check_file(str(files[0]))
    t = time.perf_counter()
    results = [res for f in files for res in check_file(str(f))]
    inproc = time.perf_counter() - t
    unreadable = sum(1 for r in results if not r["readable"])
    base = n / base_wall
    print(f"workbooks: {n} ({unreadable} unreadable); cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    print(f"openpyxl.load_workbook   (1 process): {base:8.1f} workbooks/s  ({base_wall:.1f} s; cpu {base_cpu:.1f} s)")
    print(f"jixiao validate -j 1     (1 process): {n / one_wall:8.1f} workbooks/s  ({one_wall:.1f} s; cpu {one_cpu:.1f} s) = "
          f"{base_wall / one_wall:5.1f} x openpyxl (cpu time: {base_cpu / one_cpu:5.1f} x)")
    print(f"jixiao validate          (all cores): {n / all_wall:8.1f} workbooks/s  ({all_wall:.1f} s) = "
          f"{base_wall / all_wall:5.1f} x openpyxl")
    print(f"reader + rules in-process (no start): {n / inproc:8.1f} workbooks/s  = {base_wall / inproc:5.1f} x openpyxl")


def single(file: Path, runs: int = 9) -> None:
    out = Path(tempfile.mkdtemp())
    rows = []
    for label, cmd in (("python -c pass", [sys.executable, "-c", "pass"]),
                       ("jixiao validate FILE", [sys.executable, "-m", "jixiao", "validate", str(file)])):
        timed(cmd)
        best = min((timed(cmd)[:2] for _ in range(runs)), key=lambda x: x[1])
        rows.append((label, *best))
    for label, wall, cpu in rows:
        print(f"one small file: {label:22s} wall {wall * 1000:6.0f} ms  cpu {cpu * 1000:6.0f} ms (best of {runs})")
    shutil.rmtree(out, ignore_errors=True)


def memory(counts: list[int], tmp: Path) -> None:
    print("peak memory of one jixiao validate process (-j 1, --json -o and --summary: results streamed):")
    for n in counts:
        folder = tmp / f"m{n}"
        folder.mkdir()
        generate(folder, n)
        out, summary = tmp / f"m{n}.json", tmp / f"m{n}.xlsx"
        wall, cpu, rss, _ = timed(validate_cmd(folder, 1, out, summary))
        print(f"  {n:6d} files: {rss:6.0f} MiB peak, {wall:6.1f} s ({n / wall:.0f} workbooks/s); "
              f"JSON {out.stat().st_size / 1e6:.1f} MB, summary {summary.stat().st_size / 1e6:.1f} MB")
        shutil.rmtree(folder, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folder", type=Path, help="use the .xlsx files in this folder instead of generating")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--memory", help="comma-separated file counts for the memory figures, e.g. 1000,5000")
    ap.add_argument("--memory-only", action="store_true", help="only the memory figures (with --memory)")
    ap.add_argument("--keep", action="store_true", help="keep the generated folder")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    try:
        if args.memory_only and args.memory:
            memory([int(x) for x in args.memory.split(",")], tmp)
            return 0
        if args.folder:
            folder = args.folder
            files = sorted(p for p in folder.rglob("*.xlsx") if not p.name.startswith("~$"))
        else:
            folder = tmp / "forms"
            folder.mkdir()
            t = time.perf_counter()
            files = generate(folder, args.count)
            print(f"generated {len(files)} workbooks in {time.perf_counter() - t:.1f} s ({folder})")
        if not files:
            print("no workbooks found", file=sys.stderr)
            return 2
        speed(files, folder)
        single(files[0])
        if args.memory:
            memory([int(x) for x in args.memory.split(",")], tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
