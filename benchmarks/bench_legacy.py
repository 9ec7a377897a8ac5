"""Benchmark: reading old .xls forms with xlrd (what jixiao does) against converting them to .xlsx with
LibreOffice headless first (the alternative issue 11 asked to measure), side by side in one run.

    python benchmarks/bench_legacy.py              # 60 .xls forms made from the foreign corpus
    python benchmarks/bench_legacy.py --count 200

The .xls files are the layouts of tests/support/foreign.py converted once by LibreOffice. Printed
(forms per second, and the time of one file):
  xlrd            jixiao.engine.forms.read_forms on the .xls (in this process)
  soffice batch   one `soffice --convert-to xlsx` call for all files, then read_forms on the .xlsx
  soffice cold    one `soffice --convert-to xlsx` call per file (what a per-file conversion costs), on 5 files
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


def soffice(args: list[str], profile: Path) -> None:
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", *args], check=True,
                   capture_output=True, env={**os.environ, "LANG": "C.UTF-8"}, timeout=3600)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=60)
    args = ap.parse_args(argv)
    if shutil.which("soffice") is None:
        print("soffice not found: run scripts/install_test_deps.sh", file=sys.stderr)
        return 2
    from jixiao.engine.forms import read_forms
    from tests.support import foreign

    tmp = Path(tempfile.mkdtemp(prefix="jixiao-bench-legacy-"))
    try:
        cases = foreign.write_corpus(tmp / "src")
        profile = tmp / "lo"
        soffice(["--convert-to", "xls", "--outdir", str(tmp / "xls1"), *[str(c.path) for c in cases]], profile)
        xls = sorted((tmp / "xls1").glob("*.xls"))
        (tmp / "xls").mkdir()
        files = []
        for i in range(args.count):
            dst = tmp / "xls" / f"{i:04d}_{xls[i % len(xls)].name}"
            shutil.copyfile(xls[i % len(xls)], dst)
            files.append(dst)
        soffice(["--convert-to", "xlsx", "--outdir", str(tmp / "warm"), str(files[0])], profile)  # first start
        read_forms(files[0])

        t = time.perf_counter()
        forms = sum(len(read_forms(f)) for f in files)
        xlrd_s = time.perf_counter() - t

        t = time.perf_counter()
        soffice(["--convert-to", "xlsx", "--outdir", str(tmp / "conv"), *[str(f) for f in files]], profile)
        conv_s = time.perf_counter() - t
        t = time.perf_counter()
        forms2 = sum(len(read_forms(f)) for f in sorted((tmp / "conv").glob("*.xlsx")))
        read_s = time.perf_counter() - t

        cold = files[:5]
        t = time.perf_counter()
        for f in cold:
            soffice(["--convert-to", "xlsx", "--outdir", str(tmp / "cold"), str(f)], profile)
        cold_s = (time.perf_counter() - t) / len(cold)

        n = len(files)
        print(f".xls files: {n} ({forms} forms by xlrd, {forms2} after conversion)")
        print(f"xlrd (read_forms on .xls):        {n / xlrd_s:8.1f} files/s  ({xlrd_s / n * 1000:7.1f} ms a file)")
        print(f"soffice batch + read_forms:       {n / (conv_s + read_s):8.1f} files/s  "
              f"({(conv_s + read_s) / n * 1000:7.1f} ms a file, conversion {conv_s / n * 1000:.1f} ms)")
        print(f"soffice cold, one call per file:  {1 / cold_s:8.1f} files/s  ({cold_s * 1000:7.1f} ms a file)")
        print(f"xlrd is {((conv_s + read_s) / n) / (xlrd_s / n):.0f}x faster than a batch conversion, "
              f"{cold_s / (xlrd_s / n):.0f}x faster than a per-file conversion")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
