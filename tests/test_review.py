"""The reviewer's desk (issue 13): a folder of returned forms — clean, warnings only, errors,
unreadable, a duplicate, a blank one and planted implausible ones (tests/support/inbox.py) — checked
from the command line and through the ribbon's 批量校验 function: counts that add up, every planted
problem found at its cell, the summary workbook (rendered to PDF: whole A4 pages), the bureau's
jixiao.toml, waivers in cell comments, the list of expected projects, and streaming."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import openpyxl
import pytest

from jixiao import batch, cli
from tests.support.inbox import PLANTED, build, make_inbox, national

SHEET = "项目支出绩效自评表"

#: every planted problem: file -> (code, cell) it must be found at
EXPECTED_AT = {
    "02_仅有警告.xlsx": ("I11", f"{SHEET}!I15"),
    "05_统一扣分.xlsx": ("R01", f"{SHEET}!H13"),
    "06_执行率低满分.xlsx": ("R02", f"{SHEET}!H6"),
    "07_占位文字.xlsx": ("R03", f"{SHEET}!G4"),
    "08_按元填写.xlsx": ("R04", f"{SHEET}!D6"),
    "09_空白表.xlsx": ("P05", f"{SHEET}!B3"),
    "10_重复报送.xlsx": ("X01", f"{SHEET}!B3"),
}
STATUS = {"01_全部通过.xlsx": "通过", "02_仅有警告.xlsx": "仅有警告", "03_株洲.xlsx": "有错误", "04_苏州.xlsx": "有错误",
          "05_统一扣分.xlsx": "仅有警告", "06_执行率低满分.xlsx": "仅有警告", "07_占位文字.xlsx": "有错误",
          "08_按元填写.xlsx": "仅有警告", "09_空白表.xlsx": "有错误", "10_重复报送.xlsx": "有错误",
          "11_旧格式.xls": "无法读取"}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    return make_inbox(tmp_path_factory.mktemp("desk") / "收到的表格")


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def by_name(files: list[dict]) -> dict[str, dict]:
    return {Path(f["file"]).name: f for f in files}


def test_counts_add_up_and_every_planted_problem_is_found_at_its_cell(capsys, inbox):
    code, out, _ = run(capsys, "validate", "--json", "-j", "1", inbox)
    data = json.loads(out)
    s = data["summary"]
    assert code == 2 == s["exit_code"]
    assert s["files"] == len(data["files"]) == len(STATUS) == s["passed"] + s["warnings_only"] + s["with_errors"] + s["unreadable"]
    assert [Path(p).name for p in s["skipped"]] == ["说明.txt"]
    assert (s["passed"], s["warnings_only"], s["with_errors"], s["unreadable"]) == (1, 4, 5, 1)
    files = by_name(data["files"])
    assert {name: f["status"] for name, f in files.items()} == STATUS
    for name, (code_, where) in EXPECTED_AT.items():
        hits = [f"{x['sheet']}!{x['cell']}" for x in files[name]["findings"] if x["code"] == code_]
        assert where in hits, (name, code_, files[name]["findings"])
    assert [x["code"] for x in files["09_空白表.xlsx"]["findings"]] == ["P05"]      # one finding, not a list of blanks
    assert "01_全部通过.xlsx" in files["10_重复报送.xlsx"]["findings"][0]["message"]
    assert files["04_苏州.xlsx"]["full"] == 80 and files["04_苏州.xlsx"]["percent"] == 0.9
    assert files["03_株洲.xlsx"]["region"] == "湖南省株洲市" and files["01_全部通过.xlsx"]["region"] == "全国（财政部）"
    # the table says the same
    code, out, _ = run(capsys, "validate", "-q", inbox)
    assert out.rstrip().splitlines()[-1] == ("共 11 个文件：1 个通过，4 个仅有警告，5 个有错误，1 个无法读取；"
                                              f"错误 {s['errors']} 条，警告 {s['warnings']} 条。另跳过 1 个非表格文件。")


def test_parallel_and_serial_runs_agree(capsys, inbox):
    _, one, _ = run(capsys, "validate", "--json", "-j", "1", inbox)
    _, two, _ = run(capsys, "validate", "--json", "-j", "2", inbox)
    strip = lambda text: [(f["file"], f["status"], [x["code"] for x in f["findings"]]) for f in json.loads(text)["files"]]
    assert strip(one) == strip(two)


def test_results_stream_to_the_outputs_as_they_arrive(monkeypatch, inbox):
    """The sinks see each result before the next file is read: nothing waits for the whole batch."""
    events = []
    real = batch.check_file

    def reading(path, **kw):
        events.append(("read", Path(path).name))
        return real(path, **kw)
    monkeypatch.setattr(batch, "check_file", reading)

    class Sink:
        def add(self, res):
            events.append(("out", Path(res["file"]).name))

        def close(self, tally):
            events.append(("close", tally.files))
    files, skipped = batch.collect([str(inbox)])
    batch.Batch(files, len(skipped), jobs=1).run([Sink()])
    assert events[:4] == [("read", "01_全部通过.xlsx"), ("out", "01_全部通过.xlsx"),
                          ("read", "02_仅有警告.xlsx"), ("out", "02_仅有警告.xlsx")]
    assert events[-1] == ("close", 11)


# The summary workbook -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def summary(inbox, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("summary") / "汇总.xlsx"
    assert cli.main(["validate", "-q", "--no-progress", "--bureau", "某某县财政局", "--summary", str(out), str(inbox)]) == 2
    return out


def test_summary_workbook_is_a_report(summary):
    wb = openpyxl.load_workbook(summary)
    assert wb.sheetnames == ["汇总", "问题清单", "已说明问题", "图表"]
    ws = wb["汇总"]
    assert ws["A1"].value.endswith("项目支出绩效自评表校验汇总") and "某某县财政局" in ws["A2"].value
    status = {ws.cell(3, c).value: ws.cell(4, c).value for c in range(2, 8)}
    assert status == {"通过": 1, "仅有警告": 4, "有错误": 5, "无法读取": 1, "合计": 11, "跳过文件": 1}
    grades = {ws.cell(5, c).value: ws.cell(6, c).value for c in range(2, 7)}
    assert grades == {"优": 8, "良": 1, "中": 0, "差": 0, "待定": 1}
    rates = {ws.cell(7, c).value: ws.cell(8, c).value for c in range(2, 8)}
    assert sum(rates.values()) == 10 and rates["低于60%"] == 1
    head = [c.value for c in ws[10]]
    assert head[:6] == ["序号", "文件", "主管部门", "单位", "项目", "规则"] and "满分" in head and "得分率" in head
    rows = {r[1]: dict(zip(head, r)) for r in ws.iter_rows(min_row=11, values_only=True)}
    assert len(rows) == 11
    sz = rows["苏州/04_苏州.xlsx"]
    assert (sz["总分"], sz["满分"], sz["得分率"], sz["规则"]) == (72, 80, 0.9, "江苏省苏州市")
    assert rows["03_株洲.xlsx"]["规则"] == "湖南省株洲市" and rows["11_旧格式.xls"]["状态"] == "无法读取"
    link = ws["B11"].hyperlink
    assert link is not None and (summary.parent / link.target).resolve() != summary  # a link to the file
    assert ws.freeze_panes == "A11" and ws.auto_filter.ref == "A10:P21"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
    findings = wb["问题清单"]
    fhead = [c.value for c in findings[3]]
    assert fhead == ["序号", "文件", "项目", "规则", "级别", "位置", "问题", "修改建议"]
    frows = [dict(zip(fhead, r)) for r in findings.iter_rows(min_row=4, values_only=True)]
    assert any(r["规则"] == "R04" and r["位置"] == f"{SHEET}!D6" for r in frows)
    assert any(r["规则"] == "P00" and r["文件"] == "11_旧格式.xls" for r in frows)
    assert findings.freeze_panes == "A4" and findings.auto_filter.ref.startswith("A3:H")
    assert len(wb["图表"]._charts) == 2


def test_summary_prints_on_whole_a4_pages(summary, calc, tmp_path):
    """Rendered by LibreOffice: A4 landscape; every page is one page wide (the last column's heading is
    on every page of a table), the charts' sheet is one page with both charts. PNGs kept for a look."""
    from tests.support.libreoffice import pdf_fonts, pdf_page_count, pdf_to_png
    pdf = calc.to_pdf(summary, tmp_path / "汇总.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "841.89 x 595.3" in info, info                       # A4 landscape
    assert any("CJK" in f["name"] and f.get("emb") in (True, "yes") for f in pdf_fonts(pdf))
    pages = []
    for n in range(1, pdf_page_count(pdf) + 1):
        pages.append(subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                                    capture_output=True, text=True, check=True).stdout)
    sheets = {"汇总": [], "问题清单": [], "已说明问题": [], "图表": []}
    for text in pages:
        name = text.strip().splitlines()[-1].split()[-1]       # the footer names the sheet (&A)
        sheets[name].append(text)
    assert len(sheets["汇总"]) == 1 and len(sheets["图表"]) == 1 and sheets["问题清单"] and sheets["已说明问题"]
    first = sheets["汇总"][0]
    assert "校验汇总" in first and "某某县财政局" in first and "苏州/04_苏州.xlsx" in first
    for name, last in (("汇总", "已说明"), ("问题清单", "修改建议"), ("已说明问题", "单位的说明")):
        for text in sheets[name]:
            assert "序号" in text and last in text, f"{name}: a page without its headings or cut in width"
    assert "等级分布" in sheets["图表"][0] and "执行率分布" in sheets["图表"][0]
    pngs = pdf_to_png(pdf, tmp_path / "page", dpi=50)
    assert all(p.stat().st_size > 5_000 for p in pngs)


def test_text_from_forms_stays_text_in_the_summary(capsys, tmp_path):
    inbox = tmp_path / "in"
    build(inbox / "=HYPERLINK(1).xlsx", national(**{"header.project_name": "=1+1", "header.unit": "@SUM(A1)"}))
    out = tmp_path / "汇总.xlsx"
    assert run(capsys, "validate", "--summary", out, inbox)[0] == 0
    ws = openpyxl.load_workbook(out)["汇总"]
    row = {c.column_letter: c for c in ws[11]}
    assert row["E"].value == "=1+1" and row["E"].data_type == "s"
    assert row["D"].value == "@SUM(A1)" and row["B"].value == "=HYPERLINK(1).xlsx" and row["B"].data_type == "s"
    code, text, _ = run(capsys, "validate", "--csv", inbox)
    assert code == 0
    assert cli.csv_text("=1+1") == "'=1+1" and cli.csv_text("县水利局") == "县水利局"


# The bureau's settings and the units' waivers --------------------------------------------------------

def codes_of(capsys, *argv) -> dict[str, list[str]]:
    code, out, err = run(capsys, "validate", "--json", "-j", "1", *argv)
    assert code in (0, 1, 2), err
    return {Path(f["file"]).name: sorted({x["code"] for x in f["findings"]}) for f in json.loads(out)["files"]}


def test_a_bureau_file_selects_rules_changes_severity_and_thresholds(capsys, inbox, tmp_path):
    base = codes_of(capsys, inbox)
    assert "R03" in base["07_占位文字.xlsx"] and "R02" in base["06_执行率低满分.xlsx"]
    toml = tmp_path / "jixiao.toml"
    toml.write_text('[validation]\nexclude_rules = ["R03", "T"]\nerrors = ["I11"]\n\n'
                    '[validation.rules.R02]\nmax_rate = 0.4\n\n[summary]\nbureau = "某某县财政局"\n', encoding="utf-8")
    code, out, _ = run(capsys, "validate", "--json", "-j", "1", "--config", toml, inbox)
    files = by_name(json.loads(out)["files"])
    assert files["07_占位文字.xlsx"]["status"] == "通过"                     # R03 switched off
    assert not any(x["code"].startswith("T") for f in files.values() for x in f["findings"])
    i11 = [x for x in files["02_仅有警告.xlsx"]["findings"] if x["code"] == "I11"]
    assert i11 and i11[0]["severity"] == "错误" and files["02_仅有警告.xlsx"]["status"] == "有错误"
    assert "R02" not in [x["code"] for x in files["06_执行率低满分.xlsx"]["findings"]]   # 50% is above 40%
    # found in the current folder too (never inside the folder being checked)
    monkeypatch_cwd = tmp_path
    import os
    old = os.getcwd()
    os.chdir(monkeypatch_cwd)
    try:
        code, out, _ = run(capsys, "validate", "--json", "-j", "1", inbox / "07_占位文字.xlsx")
    finally:
        os.chdir(old)
    assert json.loads(out)["files"][0]["status"] == "通过"


@pytest.mark.parametrize("text, message", [
    ('[validation]\nexclude_rules = ["Z99"]\n', "不是规则代码"),
    ('[validation.rules.R02]\nmax_rate = "一半"\n', "应为数字"),
    ('[validation.rules.R02]\nmin_rate = 0.5\n', "没有设置项“min_rate”（可设：max_rate）"),
    ('[validation]\nerrors = ["I11"\n', "格式有误"),
    ('[checks]\n', "不认识的设置节 checks"),
    ('[validation.severity]\nI11 = "致命"\n', "应为“错误”或“警告”"),
])
def test_a_bad_bureau_file_is_refused_before_any_work(capsys, inbox, tmp_path, text, message):
    toml = tmp_path / "jixiao.toml"
    toml.write_text(text, encoding="utf-8")
    out = tmp_path / "汇总.xlsx"
    code, stdout, err = run(capsys, "validate", "--config", toml, "--summary", out, inbox)
    assert code == 2 and message in err and str(toml) in err and stdout == "" and not out.exists()


def add_comment(path: Path, cell: str, text: str) -> Path:
    from openpyxl.comments import Comment
    wb = openpyxl.load_workbook(path)
    wb[SHEET][cell].comment = Comment(text, "单位")
    wb.save(path)
    return path


def test_a_waiver_in_a_cell_comment_is_honoured_and_listed(capsys, tmp_path):
    inbox = tmp_path / "in"
    form = build(inbox / "超额.xlsx", PLANTED["02_仅有警告.xlsx"])
    add_comment(form, "D15", "jixiao: 忽略 I11 原因：指标值按省厅下达的口径设定，不能调高")
    out = tmp_path / "汇总.xlsx"
    code, text, _ = run(capsys, "validate", "--json", "--summary", out, inbox)
    res = json.loads(text)["files"][0]
    assert code == 0 and res["status"] == "通过" and res["findings"] == []
    assert [(w["code"], w["cell"], w["waiver"]) for w in res["waived"]] == [
        ("I11", "I15", "指标值按省厅下达的口径设定，不能调高")]
    assert json.loads(text)["summary"]["waived"] == 1
    waived = list(openpyxl.load_workbook(out)["已说明问题"].iter_rows(min_row=4, values_only=True))
    assert len(waived) == 1 and waived[0][3] == "I11" and waived[0][7] == "指标值按省厅下达的口径设定，不能调高"
    # the bureau may refuse waivers for a rule
    toml = tmp_path / "jixiao.toml"
    toml.write_text('[waivers]\nexclude_rules = ["I11"]\n', encoding="utf-8")
    code, text, _ = run(capsys, "validate", "--json", "--config", toml, inbox)
    assert [x["code"] for x in json.loads(text)["files"][0]["findings"]] == ["I11"]
    # a waiver without a reason is not honoured, and says so
    add_comment(form, "D15", "jixiao: 忽略 I11")
    code, text, _ = run(capsys, "validate", "--json", inbox)
    assert sorted(x["code"] for x in json.loads(text)["files"][0]["findings"]) == ["I11", "P06"]


def test_missing_forms_by_department_from_a_list_of_expected_projects(capsys, inbox, tmp_path):
    listing = tmp_path / "应报项目.csv"
    listing.write_text("项目名称,实施单位,主管部门\n农村饮水安全巩固提升工程,县农村供水服务中心,县水利局\n"
                       "城区污水处理厂运营补贴,县污水处理厂,县住建局\n乡村道路养护,县公路中心,县交通局\n",
                       encoding="utf-8-sig")
    code, out, _ = run(capsys, "validate", "-q", "--expected", listing, inbox)
    assert "整批问题" in out and "主管部门“县住建局”缺少 1 份自评表：城区污水处理厂运营补贴（县污水处理厂）" in out
    assert "县交通局" in out and "县水利局”缺少" not in out
    code, out, _ = run(capsys, "validate", "--json", "--expected", listing, inbox)
    assert [f["code"] for f in json.loads(out)["summary"]["batch_findings"]] == ["X02", "X02"]
    bad = tmp_path / "清单.csv"
    bad.write_text("名称,单位\nx,y\n", encoding="utf-8")
    code, out, err = run(capsys, "validate", "--expected", bad, inbox)
    assert code == 2 and "至少有“项目名称”一列" in err and out == ""


# The ribbon's 批量校验 -----------------------------------------------------------------------------------

def test_the_ribbon_function_headless_gives_the_command_lines_counts(inbox, tmp_path):
    from jixiao.addin import actions
    path, tally = actions.review_folder(inbox, jobs=1)
    assert path.parent == inbox.parent and path.name.startswith("收到的表格-校验汇总-") and path.exists()
    assert tally.files == 11 and tally.status == {"通过": 1, "仅有警告": 4, "有错误": 5, "无法读取": 1}
    again, _ = actions.review_folder(inbox, jobs=1)
    assert again != path and again.name.endswith("（2）.xlsx")            # never overwrites
    rows = list(openpyxl.load_workbook(path)["汇总"].iter_rows(min_row=11, values_only=True))
    assert len(rows) == 11
    path.unlink()
    again.unlink()


def test_the_batch_button_asks_for_a_folder_and_opens_the_summary(inbox, tmp_path, monkeypatch):
    """Through XlwingsBook on the fake Excel: Excel's folder picker, a message, the summary opened."""
    import xlwings
    from jixiao.addin import actions
    from tests.support.inbox import BASES  # noqa: F401 - the fixture forms' data
    from tests.fixtures.actions.fake_xlwings import FakeBook

    form = build(tmp_path / "open.xlsx", national())
    fake = FakeBook(form)

    class Dialog:
        Title, AllowMultiSelect, picked = "", True, None

        def Show(self):
            return -1 if self.picked else 0

        def SelectedItems(self, i):
            return str(self.picked)
    dialog = Dialog()
    fake.app.api = type("Api", (), {"FileDialog": lambda self, kind: dialog if kind == 4 else None})()
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: fake))
    actions.on_button("jx_batch_validate")                      # cancelled
    assert fake.app.alerts[-1]["prompt"] == "没有选择文件夹，未校验。" and fake.app.opened == []
    dialog.picked = inbox
    actions.on_button("jx_batch_validate")
    assert dialog.Title == "选择收回的绩效自评表所在的文件夹"
    prompt = fake.app.alerts[-1]["prompt"]
    assert "共 11 个文件：1 个通过，4 个仅有警告，5 个有错误，1 个无法读取" in prompt and fake.app.alerts[-1]["mode"] == "info"
    opened = Path(fake.app.opened[-1])
    assert opened.exists() and opened.parent == inbox.parent and str(opened) in prompt
    opened.unlink()


def test_the_ribbons_check_honours_a_waiver_too(tmp_path):
    from jixiao.addin.actions import validate
    from jixiao.addin.books import open_book
    form = build(tmp_path / "超额.xlsx", PLANTED["02_仅有警告.xlsx"])
    assert [f.code for f in validate(open_book(form)).findings] == ["I11"]
    add_comment(form, "F15", "jixiao：忽略 I11 原因：按省厅口径")
    assert validate(open_book(form)).findings == []


def test_rendered_profiles_are_cached_and_refreshed_when_the_file_changes(tmp_path, monkeypatch):
    from jixiao.engine import profiles
    monkeypatch.setenv("JIXIAO_CACHE_DIR", str(tmp_path / "cache"))
    src = (profiles.BUILTIN_DIR / "national.yaml.j2").read_text(encoding="utf-8")
    mine = tmp_path / "p" / "hunan.yaml.j2"
    mine.parent.mkdir()
    mine.write_text(src.replace("name: national", "name: hunan").replace('年度项目支出绩效自评表"', '年度湖南"'),
                    encoding="utf-8")
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(mine.parent))
    first = profiles._cached_render(mine, 2025)
    [entry] = list((tmp_path / "cache").iterdir())
    import json
    assert json.loads(entry.read_text(encoding="utf-8"))["data"] == first
    assert profiles._cached_render(mine, 2025) == first                         # from the cache
    mine.write_text(mine.read_text(encoding="utf-8").replace("region: 全国（财政部）", "region: 湖南省"), encoding="utf-8")
    assert profiles._cached_render(mine, 2025)["region"] == "湖南省"             # the file changed: rendered again
    entry.write_text("{not json", encoding="utf-8")
    assert profiles._cached_render(mine, 2025)["region"] == "湖南省"             # a broken entry is ignored
    monkeypatch.setenv("JIXIAO_CACHE_DIR", "off")
    from jixiao.engine.data import cache_dir
    assert cache_dir() is None and profiles._cached_render(mine, 2026)["fiscal_year"] == 2026


def test_data_files_are_read_through_the_same_cache(tmp_path, monkeypatch):
    from jixiao.engine.data import load_yaml
    monkeypatch.setenv("JIXIAO_CACHE_DIR", str(tmp_path / "cache"))
    words = tmp_path / "words.yaml"
    words.write_text("a: [1, 2]\n", encoding="utf-8")
    assert load_yaml(words) == {"a": [1, 2]}
    [entry] = list((tmp_path / "cache").iterdir())
    entry.write_text(entry.read_text(encoding="utf-8").replace("[1, 2]", "[9]"), encoding="utf-8")
    assert load_yaml(words) == {"a": [9]}                                      # read from the copy
    words.write_text("a: [3]  # changed\n", encoding="utf-8")
    assert load_yaml(words) == {"a": [3]}                                      # the file changed: parsed again


def test_summary_passes_the_ooxml_validator(summary):
    from tests.support import ooxml
    assert ooxml.validate(summary) == []
