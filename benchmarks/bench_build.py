"""Benchmark (prints figures; not a test): building the year's full set, and filling 1,000 project
workbooks from one CSV, next to the time a bare openpyxl workbook of the same size takes to save.

    .venv/bin/python benchmarks/bench_build.py [--projects 1000]
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook, load_workbook  # noqa: E402

import build_templates  # noqa: E402
from jixiao.templates.fill import fill  # noqa: E402
from tests.support.formgen import random_form  # noqa: E402

COLUMNS = ["project", "profile", "year", "project_name", "funds_total_initial", "funds_total_budget",
           "funds_total_executed", "goal_expected", "goal_actual", "level1", "level2", "name", "target", "actual",
           "weight", "shares_weight", "explanation", "direction", "level"]


def write_csv(path: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for p in range(n):
            prof, form = random_form(rng, "national")
            total = form.funds[0]
            for i, ind in enumerate(form.indicators):
                head = [f"P{p:05d}", prof.name, prof.year, f"项目{p:05d}", total.initial, total.budget, total.executed,
                        "完成年度工作任务", "已完成"] if i == 0 else [f"P{p:05d}"] + [""] * 8
                out.writerow(head + [ind.level1, ind.level2, ind.name, ind.target, ind.actual,
                                     "" if ind.shares_weight else ind.weight, "是" if ind.shares_weight else "",
                                     ind.explanation, ind.direction, ind.level])


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its finished children (the fill workers)."""
    import resource
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))


def bare_copy_save_time(sample: Path, repeat: int = 20) -> tuple[float, float]:
    """Seconds (wall, CPU) to save a bare openpyxl workbook holding the same cell values (no styles,
    names, validation or formatting) as one generated workbook."""
    src = load_workbook(sample)
    values = [[(c.coordinate, c.value) for row in ws.iter_rows() for c in row if c.value is not None]
              for ws in src.worksheets]
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(repeat):
            wb = Workbook()
            wb.remove(wb.active)
            for n, cells in enumerate(values):
                ws = wb.create_sheet(f"s{n}")
                for coord, value in cells:
                    ws[coord] = value
            wb.save(Path(tmp) / f"bare{i}.xlsx")
        return (time.perf_counter() - start) / repeat, (time.process_time() - cpu) / repeat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runs = []
        for i in range(3):
            start = time.perf_counter()
            files = build_templates.build(2026, ["national", "zhuzhou", "suzhou"], tmp / f"set{i}", "native", log=lambda *_: None)
            runs.append(time.perf_counter() - start)
        print(f"full year's set ({len(files)} files: 3 templates, 2 filled examples, add-in, 3 .xlsm): "
              f"best {min(runs):.2f} s, median {sorted(runs)[1]:.2f} s")
        data = tmp / "projects.csv"
        write_csv(data, args.projects)
        start, cpu = time.perf_counter(), cpu_seconds()
        written = fill([data], tmp / "filled")
        elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        bare, bare_cpu = bare_copy_save_time(written[0])
        per = elapsed / len(written)
        cores = os.cpu_count() or 1
        print(f"fill {len(written)} workbooks from one CSV on {cores} cores: {elapsed:.1f} s, "
              f"{len(written) / elapsed:.1f} workbooks/s ({per * 1000:.0f} ms each, {per * cores * 1000:.0f} ms per core)")
        print(f"bare openpyxl workbook with the same values, save only, 1 core: {bare * 1000:.0f} ms each "
              f"-> generated per core / bare = {per * cores / bare:.2f}x")
        # CPU time does not depend on what else the machine runs (wall time per core does)
        print(f"CPU time: fill {cpu / len(written) * 1000:.0f} ms a workbook, bare save {bare_cpu * 1000:.0f} ms "
              f"-> {cpu / len(written) / bare_cpu:.2f}x")
        import resource
        own, kids = (resource.getrusage(w).ru_maxrss / 1024 for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        print(f"peak memory: main process {own:.0f} MiB, largest fill worker {kids:.0f} MiB")


if __name__ == "__main__":
    main()
