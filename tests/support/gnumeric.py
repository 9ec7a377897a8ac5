"""Gnumeric as a second, independent spreadsheet engine: `ssconvert --recalc in.xlsx out.xlsx`
recalculates every formula; values are read back with openpyxl (data_only)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def available() -> tuple[bool, str]:
    if shutil.which("ssconvert") is None:
        return False, "ssconvert (Debian package gnumeric) is not installed"
    return True, ""


def recalc(src: str | os.PathLike, dst: str | os.PathLike, timeout: float = 600) -> Path:
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    proc = subprocess.run(["ssconvert", "--recalc", "--export-type=Gnumeric_Excel:xlsx2", str(src), str(dst)],
                          capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not Path(dst).exists():
        raise RuntimeError(f"ssconvert failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return Path(dst)


def values(xlsx: str | os.PathLike) -> dict[str, dict[str, object]]:
    """sheet -> {"A1": value} of every non-empty cell, as computed."""
    import warnings

    from openpyxl import load_workbook
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(xlsx, data_only=True, read_only=True)
    out = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    cells[c.coordinate] = c.value
        out[ws.title] = cells
    wb.close()
    return out
