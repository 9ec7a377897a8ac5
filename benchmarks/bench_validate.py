"""Benchmark: `jixiao validate` over 1,000 filled workbooks against plain openpyxl.load_workbook.

    python benchmarks/bench_validate.py                 # generate 1,000 workbooks in a temp folder
    python benchmarks/bench_validate.py --folder DIR    # or use the workbooks already in DIR
    python benchmarks/bench_validate.py --count 200 --baseline-sample 0   # quicker; baseline on all

Workbooks are generated with the template builder from the seeds' data and the validation test
bases, with randomised actual values and typed scores, so every file is a different filled form;
about 60 distinct workbooks are built and copied up to --count (reading cost is per file, and
building with openpyxl is what takes the time here).

Printed figures (workbooks per second):
  openpyxl.load_workbook   one process, on --baseline-sample files (default 200; 0 = all)
  reader + rules, 1 core   jixiao.cli.check_file in this process: read, validate and score every file
  jixiao validate          the command line end to end (a new Python, all cores, JSON to a file)
and the ratios of the last two to the openpyxl baseline.
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
        profile, form = form_from_data(data)
        typed = rng.random() < 0.5
        built.append(save_workbook(build_workbook(profile, form, "native", typed_scores=typed),
                                   folder / f"{i:04d}_{profile.name}.xlsx"))
    files = list(built)
    n = len(built)
    while len(files) < count:
        src = built[len(files) % n]
        dst = folder / f"{len(files):04d}_{src.name[5:]}"
        shutil.copyfile(src, dst)
        files.append(dst)
    return files


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def peak_mib(who: str) -> float:
    """Peak resident memory (Linux ru_maxrss is in KiB) of this process or of its largest child."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_SELF if who == "self" else resource.RUSAGE_CHILDREN)
    return usage.ru_maxrss / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folder", type=Path, help="use the .xlsx files in this folder instead of generating")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--baseline-sample", type=int, default=200, help="files for the openpyxl baseline (0 = all)")
    ap.add_argument("--jobs", type=int, default=None, help="processes for jixiao validate (default: all cores)")
    ap.add_argument("--keep", action="store_true", help="keep the generated folder")
    args = ap.parse_args(argv)

    tmp = None
    if args.folder:
        files = sorted(p for p in args.folder.rglob("*.xlsx") if not p.name.startswith("~$"))
        folder = args.folder
    else:
        tmp = Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
        folder = tmp
        t = time.perf_counter()
        files = generate(folder, args.count)
        print(f"generated {len(files)} workbooks in {time.perf_counter() - t:.1f} s ({folder})")
    if not files:
        print("no workbooks found", file=sys.stderr)
        return 2
    try:
        import openpyxl
        from jixiao.cli import check_file

        sample = files if args.baseline_sample <= 0 else files[: args.baseline_sample]
        t = time.perf_counter()
        for f in sample:
            openpyxl.load_workbook(f)
        base = rate(len(sample), time.perf_counter() - t)

        check_file(str(files[0]))          # warm imports
        t = time.perf_counter()
        results = [check_file(str(f)) for f in files]
        ours1 = rate(len(files), time.perf_counter() - t)
        unreadable = sum(1 for r in results if not r["readable"])

        out = Path(tempfile.mkdtemp()) / "result.json"  # a new file: validate never replaces one
        cmd = [sys.executable, "-m", "jixiao.cli", "validate", "--json", "--no-progress", "-o", str(out), str(folder)]
        if args.jobs:
            cmd[4:4] = ["--jobs", str(args.jobs)]
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        cli_rate = rate(len(files), time.perf_counter() - t)
        out.unlink(missing_ok=True)
        if proc.returncode not in (0, 1):
            print(f"jixiao validate exited {proc.returncode}: {proc.stderr.strip()[:500]}", file=sys.stderr)
            return 1  # no rate for a run that did not validate

        cores = args.jobs or os.cpu_count()
        print(f"workbooks: {len(files)} ({unreadable} unreadable); cores: {os.cpu_count()}")
        print(f"openpyxl.load_workbook (1 core, {len(sample)} files): {base:8.1f} workbooks/s")
        print(f"reader + all rules     (1 core):            {ours1:8.1f} workbooks/s  = {ours1 / base:5.1f} x openpyxl")
        print(f"jixiao validate        ({cores} cores, end to end): {cli_rate:8.1f} workbooks/s  = {cli_rate / base:5.1f} x openpyxl")
        print(f"peak memory: this process {peak_mib('self'):.0f} MiB (openpyxl baseline included); "
              f"largest jixiao validate process {peak_mib('children'):.0f} MiB")
    finally:
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
