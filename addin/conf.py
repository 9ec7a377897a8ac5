"""The user's ``jixiao.conf``, the settings file xlwings' custom add-in module reads (its
``GetConfigFilePath``): where it is, reading it as Excel does, writing it so that Excel can.

The format is xlwings': one ``"KEY","value"`` line per setting, read by VBA's ``Input #`` in the
system's ANSI code page (GBK on Chinese Windows) — a UTF-8 file with Chinese paths reads as mojibake
there, a UTF-8 BOM spoils the first key. Keys are matched without regard to case and the first line
with a key wins. ``%VAR%`` in a value is expanded by the add-in.
"""
from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path

from jixiao.engine.files import atomic_output

from .vba_sources import PROJECT_NAME

FILE_NAME = f"{PROJECT_NAME}.conf"
#: The keys xlwings' add-in module reads (shown by the 设置 button).
CONF_KEYS = ("INTERPRETER_WIN", "INTERPRETER_MAC", "PYTHONPATH", "UDF MODULES", "CONDA PATH", "CONDA ENV",
             "SHOW CONSOLE")


def user_conf_path() -> Path:
    """Where xlwings' custom add-in module looks for the user's jixiao.conf (GetConfigFilePath):
    ``%USERPROFILE%\\.jixiao\\jixiao.conf`` (HOME where there is no USERPROFILE), on macOS in
    Excel's sandbox folder."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / FILE_NAME
    base = os.environ.get("USERPROFILE") or str(Path.home())
    return Path(base) / f".{PROJECT_NAME}" / FILE_NAME


def ansi_encoding() -> str:
    """The code page VBA reads the file in: Windows' ANSI code page ("mbcs", whatever Python's UTF-8
    mode says); elsewhere GBK stands in for a Chinese Windows."""
    return "mbcs" if sys.platform == "win32" else "gbk"


def read_conf_file(path: Path) -> tuple[dict[str, str], str]:
    """The "KEY","value" lines of a jixiao.conf file (as VBA's ``Input #`` reads them: first key wins),
    and a warning when Excel would misread the file (a UTF-8 file with Chinese text, a BOM)."""
    conf: dict[str, str] = {}
    rows, warning = read_conf_rows(path)
    for key, value in rows:
        conf.setdefault(key.upper(), value)
    return conf, warning


def read_conf_rows(path: Path) -> tuple[list[tuple[str, str]], str]:
    """The (key, value) lines of a jixiao.conf file in their order, and a warning as in read_conf_file."""
    data = path.read_bytes()
    warning = ""
    if data.startswith(b"\xef\xbb\xbf"):
        warning = "文件以 UTF-8 BOM 开头，Excel 会读错第一行；请用记事本另存为“ANSI”编码。"
        data = data[3:]
    try:
        text = data.decode("utf-8")
        if not text.isascii():
            warning = warning or "文件是 UTF-8 编码且含中文，Excel 读取时会乱码；请用记事本另存为“ANSI”编码。"
    except UnicodeDecodeError:
        text = data.decode(ansi_encoding(), errors="replace")
    rows = [(row[0].strip(), row[1].strip()) for row in csv.reader(io.StringIO(text)) if len(row) >= 2 and row[0].strip()]
    return rows, warning


class ConfError(ValueError):
    """A value that cannot go into jixiao.conf so that Excel reads it back (said in Chinese)."""


def conf_bytes(rows: list[tuple[str, str]]) -> bytes:
    """The file for ``rows``: ``"KEY","value"`` lines, CRLF, in the ANSI code page, as xlwings writes it."""
    lines = []
    for key, value in rows:
        if '"' in key or '"' in value or "\n" in value or "\r" in value:
            raise ConfError(f"“{key}”的值 {value} 含有引号或换行，Excel 读不出来")
        lines.append(f'"{key}","{value}"\r\n')
    text = "".join(lines)
    try:
        return text.encode(ansi_encoding())
    except UnicodeEncodeError as exc:
        bad = text[exc.start:exc.end]
        raise ConfError(f"“{bad}”不能用本机的 ANSI 编码（{ansi_encoding()}）保存，Excel 会读错：请把 Python 和 jixiao "
                        "装到只含英文字母和数字的路径下（或在系统设置中把“非 Unicode 程序的语言”设为中文）") from None


def write_conf(path: Path, rows: list[tuple[str, str]]) -> None:
    """Write ``rows`` to ``path`` (atomically; the folder is made when missing)."""
    data = conf_bytes(rows)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
