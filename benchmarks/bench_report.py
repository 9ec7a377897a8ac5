"""Benchmark: `jixiao report` over a folder of filled forms, beside two baselines measured in the same run.

    python benchmarks/bench_report.py                 # 200 generated forms in a temp folder
    python benchmarks/bench_report.py --count 500 --jobs 2
    python benchmarks/bench_report.py --folder DIR    # or the workbooks already in DIR

Forms are generated as in bench_validate (the seeds' data and the validation bases, randomised).

Printed figures (forms per second):
  python-docx alone       a document of the same size (title, 60 paragraphs, a 30 x 9 table) built and
                          saved with python-docx, no form read: the floor the library sets
  jixiao validate, 1 core read + all rules on each form (jixiao.cli.check_file): the reading cost
  report, 1 core          jixiao.report.report_file in this process: read, score, draft, render, save
  jixiao report           the command line end to end (a new Python, all cores, a folder)
and whether the end-to-end rate meets the issue's 20 forms/s.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = 20.0   # forms per second (issue 14)


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def docx_alone(path: Path) -> None:
    import docx
    d = docx.Document()
    d.add_paragraph("2026年度某项目绩效自评报告", style="Title")
    for i in range(60):
        d.add_paragraph(f"第{i}段：本项目年初预算数500万元，全年预算数470万元，全年执行数470万元，预算执行率为100.00%。")
    t = d.add_table(rows=30, cols=9)
    for row in t.rows:
        for cell in row.cells:
            cell.text = "指标"
    d.save(str(path))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folder", type=Path, help="use the .xlsx files in this folder instead of generating")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=None, help="processes for jixiao report (default: all cores)")
    args = ap.parse_args(argv)
    from benchmarks.bench_validate import generate
    from jixiao.cli import check_file
    from jixiao.report import report_file

    tmp = Path(tempfile.mkdtemp(prefix="jixiao-bench-report-"))
    try:
        if args.folder:
            files = sorted(p for p in args.folder.rglob("*.xlsx") if not p.name.startswith("~$"))
            folder = args.folder
        else:
            folder = tmp / "forms"
            folder.mkdir()
            t = time.perf_counter()
            files = generate(folder, args.count)
            print(f"generated {len(files)} forms in {time.perf_counter() - t:.1f} s")
        sample = files[: min(len(files), 100)]
        scratch = tmp / "scratch"
        scratch.mkdir()

        t = time.perf_counter()
        for i, _ in enumerate(sample):
            docx_alone(scratch / f"bare{i}.docx")
        bare = rate(len(sample), time.perf_counter() - t)

        check_file(str(files[0]))
        t = time.perf_counter()
        for f in files:
            check_file(str(f))
        validate1 = rate(len(files), time.perf_counter() - t)

        report_file((str(files[0]), str(scratch / "warm.docx"), True))
        t = time.perf_counter()
        results = [r for i, f in enumerate(files) for r in report_file((str(f), str(scratch / f"{i}.docx"), True))]
        ours1 = rate(len(files), time.perf_counter() - t)
        failed = [r for r in results if not r["ok"]]

        out = tmp / "reports"
        cmd = [sys.executable, "-m", "jixiao.cli", "report", "--no-progress", "--out", str(out), str(folder)]
        if args.jobs:
            cmd[4:4] = ["--jobs", str(args.jobs)]
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        cli = rate(len(files), time.perf_counter() - t)
        written = len(list(out.rglob("*.docx")))
        if proc.returncode != 0 or written != len(files) - len(failed):
            print(f"jixiao report exited {proc.returncode}, wrote {written}: {proc.stderr.strip()[:500]}", file=sys.stderr)
            return 1
        cores = args.jobs or os.cpu_count()
        print(f"forms: {len(files)} ({len(failed)} unreadable); cores: {os.cpu_count()}")
        print(f"python-docx alone, same-size document (1 core): {bare:8.1f} docs/s")
        print(f"jixiao validate, read + rules       (1 core): {validate1:8.1f} forms/s")
        print(f"report: read, score, draft, save    (1 core): {ours1:8.1f} forms/s  = {ours1 / bare:4.2f} x python-docx alone")
        print(f"jixiao report  ({cores} cores, end to end):     {cli:8.1f} forms/s  "
              f"{'meets' if cli >= TARGET else 'BELOW'} the {TARGET:g} forms/s of issue 14")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
