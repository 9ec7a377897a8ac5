"""The shared safety helpers (issue 8): text stays text (jixiao.engine.safetext), files in and out
(jixiao.engine.files), data within limits (jixiao.engine.safedata), and the limits of workbooks
(jixiao.engine.safeopen). The whole commands on hostile inputs: tests/test_hostile.py."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

from jixiao.engine import safeopen
from jixiao.engine.errors import JixiaoError, WorkbookError
from jixiao.engine.files import (
    InputError,
    OutputError,
    atomic_output,
    check_replaceable,
    fit_name,
    open_regular,
    read_limited,
    save_workbook,
)
from jixiao.engine.safedata import DataLimitError, DataLimits, load_json, load_yaml
from jixiao.engine.safetext import (
    CELL_MAX_CHARS,
    append_row,
    csv_cell,
    json_text,
    printable,
    put,
    sheet_text,
    shown_name,
)

ROOT = Path(__file__).resolve().parent.parent
FORMULAS = ["=1+1", '=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]


# Text into workbooks, CSV, terminals --------------------------------------------------------------

def test_put_stores_every_string_as_text_and_openpyxl_writes_no_formula(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row, text in enumerate(FORMULAS, 1):
        assert put(ws.cell(row, 1), text).data_type == "s"
    append_row(ws, ["=2+2", 3, None, float("inf"), "a\x00b\x1bc\udcff"])
    path = save_workbook(wb, tmp_path / "t.xlsx")
    with zipfile.ZipFile(path) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    back = openpyxl.load_workbook(path).active
    assert [back.cell(r, 1).value for r in range(1, len(FORMULAS) + 1)] == FORMULAS
    row = [c.value for c in back[len(FORMULAS) + 1]]
    assert row == ["=2+2", 3, None, "无穷大", "a\\x00b\\x1bc\\xff"]


def test_sheet_text_caps_at_what_a_cell_holds():
    text = sheet_text("长" * 40_000)
    assert len(text) == CELL_MAX_CHARS and text.endswith("…")
    assert sheet_text("a\tb\nc") == "a\tb\nc"                     # tab and line breaks are fine in a cell
    assert sheet_text("\u202eabc") == "\\u202eabc"                 # a right-to-left override is shown, not obeyed


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_cells_that_would_start_a_formula_are_neutralised(text):
    assert csv_cell(text).startswith("'")


def test_csv_cells_that_are_plain_are_left_alone():
    assert csv_cell("项目") == "项目" and csv_cell("a=b") == "a=b" and csv_cell(5) == 5


def test_terminal_text_has_its_control_characters_escaped():
    shown = printable("a\x1b[2Jb\x07\x9b\u202ec\udcff\nd\te")
    assert shown == "a\\x1b[2Jb\\x07\\x9b\\u202ec\\xff\nd\te"
    assert shown_name("a\nb.xlsx") == "a\\x0ab.xlsx"            # a name never breaks a line


def test_json_reports_are_valid_whatever_the_strings_hold():
    data = {"file": "a\x1b\u202e\udcff\x85.xlsx", "total": float("nan"), "scores": [float("inf"), 1.5]}
    text = json_text(data)
    assert "\x1b" not in text and "\u202e" not in text and "\x85" not in text
    assert json.loads(text) == {"file": data["file"], "total": None, "scores": [None, 1.5]}


# Files in ---------------------------------------------------------------------------------------------

def _within(seconds: float, fn):
    """Run fn in a thread; fail (instead of hanging the suite) if it has not returned in time."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("r", _catch(fn)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked"
    return box["r"]


def _catch(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001
        return exc


def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.xlsx")
    err = _within(5, lambda: open_regular(tmp_path / "pipe.xlsx"))
    assert isinstance(err, InputError) and "命名管道" in err.message
    err = _within(5, lambda: safeopen.Package(tmp_path / "pipe.xlsx"))
    assert isinstance(err, WorkbookError) and "不是普通文件" in str(err) and "pipe.xlsx" in str(err)


@pytest.mark.parametrize("target, words", [("/dev/zero", "设备"), ("/dev/null", "设备"), (".", "文件夹"),
                                           ("nowhere", "不存在")])
def test_links_to_devices_folders_and_nothing_are_refused(tmp_path, target, words):
    os.symlink(target, tmp_path / "x.xlsx")
    err = _within(5, lambda: read_limited(tmp_path / "x.xlsx", 1000))
    assert isinstance(err, InputError) and words in err.message


def test_a_symlink_loop_is_refused(tmp_path):
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    with pytest.raises(InputError, match="循环"):
        read_limited(tmp_path / "a", 10)


def test_read_limited_refuses_a_file_over_the_limit_before_reading_it(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(50 << 20)                          # sparse: 50 MB on paper, nothing on disk
    with pytest.raises(InputError, match="过大.*上限 1 MB"):
        read_limited(big, 1 << 20, "数据文件")
    assert read_limited(tmp_path / "big.yaml", 60 << 20)[:3] == b"\0\0\0"


# Files out --------------------------------------------------------------------------------------------

def test_force_replaces_regular_files_only(tmp_path):
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "elsewhere.json").write_text("precious")
    os.symlink(tmp_path / "elsewhere.json", tmp_path / "link.json")
    os.mkfifo(tmp_path / "pipe.json")
    os.symlink("/dev/null", tmp_path / "null.json")
    check_replaceable(tmp_path / "real.json")
    check_replaceable(tmp_path / "new.json")
    for name, words in (("link.json", "符号链接"), ("pipe.json", "命名管道"), ("null.json", "符号链接")):
        with pytest.raises(OutputError, match=words):
            with atomic_output(tmp_path / name) as tmp:
                tmp.write_text("new")
    with atomic_output(tmp_path / "real.json") as tmp:
        tmp.write_text("new")
    assert (tmp_path / "real.json").read_text() == "new" and (tmp_path / "elsewhere.json").read_text() == "precious"
    assert os.path.islink(tmp_path / "link.json") and not list(tmp_path.glob(".~jixiao*"))


def test_a_full_disk_is_a_message_and_leaves_nothing(tmp_path):
    """RLIMIT_FSIZE makes writes past 1 KB fail (EFBIG) as a full disk would, for root too."""
    script = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
import openpyxl
from jixiao.engine.files import save_workbook, OutputError
wb = openpyxl.Workbook()
for r in range(1, 400):
    wb.active.cell(r, 1, "数据" * 20)
try:
    save_workbook(wb, {str(tmp_path / 'out.xlsx')!r})
except OutputError as exc:
    print("refused:", exc)
"""
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout and "out.xlsx" in done.stdout and "磁盘空间不足" in done.stdout
    assert done.stderr == ""                      # no "Exception ignored in ... ZipFile.__del__" noise
    assert not [p.name for p in tmp_path.iterdir()]


def test_names_are_shortened_to_255_bytes_keeping_room_for_a_number():
    long = "农村饮水安全巩固提升工程" * 10
    name = fit_name(long, ".xlsx", reserve=12)
    assert len(name.encode()) <= 255 - 12 and name.endswith("….xlsx") and name.startswith("农村饮水")
    assert fit_name("短名", ".xlsx") == "短名.xlsx"


# Data -------------------------------------------------------------------------------------------------

BOMB = "\n".join(['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'] +
                 [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)] + ["top: *a8"])


def test_a_yaml_alias_bomb_is_refused_from_its_events_in_milliseconds():
    with pytest.raises(DataLimitError, match="别名展开后"):
        load_yaml(BOMB, "bomb.yaml")


def test_yaml_limits_say_which_limit():
    with pytest.raises(DataLimitError, match="嵌套的层数超出 jixiao 的安全上限 32"):
        load_yaml("a: " + "[" * 40 + "]" * 40, "deep.yaml")
    with pytest.raises(DataLimitError, match="别名.*个数超出.*上限 3"):
        load_yaml("a: &x 1\nb: [*x, *x, *x, *x]", "x.yaml", DataLimits(max_aliases=3))
    with pytest.raises(DataLimitError, match="嵌套的层数"):
        load_yaml("a: " + "[" * 5000 + "]" * 5000)    # libyaml's own cap met while reading ahead
    with pytest.raises(yaml.YAMLError):
        load_yaml("a: !!python/object/apply:os.system ['true']")


def test_ordinary_yaml_with_an_anchor_loads():
    assert load_yaml("base: &b {w: 10}\nrows: [*b, *b]") == {"base": {"w": 10}, "rows": [{"w": 10}, {"w": 10}]}


def test_json_limits():
    with pytest.raises(DataLimitError, match="嵌套的层数"):
        load_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataLimitError, match="嵌套的层数"):
        load_json("[" * 40 + "]" * 40)
    with pytest.raises(DataLimitError, match="无法处理的数字"):
        load_json("[" + "9" * 10_000 + "]")
    with pytest.raises(DataLimitError, match="数据项的个数"):
        load_json(json.dumps(list(range(100))), limits=DataLimits(max_values=50))


# Workbook limits --------------------------------------------------------------------------------------

def test_every_limit_has_a_message_that_names_it_and_says_what_to_do():
    for field in safeopen.fields(safeopen.Limits):
        if field.name == "ratio_floor":
            continue
        err = safeopen.limit_error("f.xlsx", field.name, 10 ** 9 if field.name.endswith("bytes") or
                                   field.name == "max_total_uncompressed" else 123_456)
        text = str(err)
        assert text.startswith("f.xlsx：") and "超出 jixiao 的安全上限" in text and "请" in text, text
    assert "合并单元格" in safeopen.describe_limits()


def test_a_dtd_in_a_part_no_command_reads_is_refused_by_every_command(tmp_path):
    from tests.support import hostile
    path = tmp_path / "theme.xlsx"
    path.write_bytes(hostile.patched({"xl/theme/theme1.xml": hostile.with_doctype("xxe")}))
    with pytest.raises(WorkbookError, match="DTD"):
        safeopen.Package(path)


def test_vet_counts_what_openpyxl_would_build(tmp_path):
    from tests.support import hostile
    path = tmp_path / "links.xlsx"
    path.write_bytes(hostile.patched({hostile.FORM_SHEET: lambda x: hostile.with_sheet_extra(
        x, "</worksheet>", b'<hyperlinks><hyperlink ref="A1:XFD1048576" display="x"/></hyperlinks>')}))
    with safeopen.Package(path) as pkg:
        with pytest.raises(WorkbookError, match="合并单元格（或超链接）覆盖的单元格数"):
            pkg.vet()


def test_errors_show_names_on_one_line():
    err = JixiaoError("坏了", where="a\nb\x1b.xlsx")
    assert str(err) == "a\\x0ab\\x1b.xlsx：坏了"
