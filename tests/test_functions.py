"""Every JX_ function callable from Python with its documented arguments, giving the seeds' numbers;
bad arguments give an Excel-style error text with a Chinese reason, never an exception."""
import pytest

from jixiao.udfs import functions as f


def test_execrate_and_execscore():
    assert f.JX_EXECRATE(470, 470) == 1.0
    assert f.JX_EXECSCORE(470, 470) == 10.0
    assert f.JX_EXECSCORE(0.8125, 1) == 8.13
    assert f.JX_EXECSCORE(0.8125, 1, 20) == 16.25
    assert f.JX_EXECSCORE("470", "470") == 10.0       # numbers typed as text still count


def test_target_canonical_form():
    assert f.JX_TARGET("20个以上") == "≥ 20 个"
    assert f.JX_TARGET("≤5%") == "≤ 5%"
    assert f.JX_TARGET("合规") == "定性：合规"


def test_completion_and_score():
    assert f.JX_COMPLETION("20个以上", "15个") == 0.75
    assert f.JX_SCORE("20个以上", "15个", 10) == 7.5
    assert f.JX_SCORE("=8000人次", "8757人次", 13, "suzhou", "结果目标") == 13.0
    assert f.JX_SCORE("100%", "74.68%", 8, "suzhou", "投入目标") == 0.0
    assert f.JX_SCORE("合规", "合规", 4, "suzhou", "投入目标") == 4.0
    assert f.JX_SCORE("合规", "较好", 4, "suzhou", "投入目标") == 3.2   # the level typed as the actual
    assert f.JX_SCORE("比去年有所上升", "x", 10, None, None, None, "部分达成") == 7.0
    assert f.JX_SCORE("20个以上", None, 10) == ""                     # nothing entered yet


def test_scores_range_form_scores_a_whole_table_with_shared_weights():
    out = f.JX_SCORES(["20个以上", "2-3次", "按照文件实施", "100%"],
                      ["15个", "2-3次", "均按文件要求实施", "100%及时发放"],
                      [10, None, 10, 15], "zhuzhou", ["产出指标", None, None, None])
    assert out == [[7.5], [""], ["待定"], [15.0]]   # qualitative, actual worded otherwise: waits for a level
    out = f.JX_SCORES(["20个以上", "2-3次", "按照文件实施", "100%"],
                      ["15个", "2-3次", "均按文件要求实施", "100%及时发放"],
                      [10, None, 10, 15], "zhuzhou", ["产出指标", None, None, None], None, [None, None, "达成", None])
    assert out == [[7.5], [""], [10.0], [15.0]]


def test_scores_range_form_ignores_spare_rows():
    """Rows with nothing typed (the template's spare rows) neither score nor join the group above."""
    assert f.JX_SCORES(["≥10", None], ["10", None], [5, None]) == [[5.0], [""]]
    assert f.JX_SCORES(["≥10", None, "≥20", None], ["10", None, "20", None], [25, None, 25, None]) == \
        [[25.0], [""], [25.0], [""]]


def test_total_and_grade():
    assert f.JX_TOTAL([10, 7.5, 10, 15, 15, 10, 5, 5, 10]) == 87.5
    assert f.JX_TOTAL([[10], [None], [""], [7.125]]) == 17.13
    assert f.JX_TOTAL([[10], ["待定"], [7.5]]) == "待定（1项未计分）"   # never a total lower than the rules give
    assert f.JX_GRADE("待定（1项未计分）") == "待定"
    assert f.JX_GRADE(98) == "优" and f.JX_GRADE(72, "suzhou") == "优" and f.JX_GRADE(63.99, "suzhou") == "中" and f.JX_GRADE(None) == ""


@pytest.mark.parametrize("call, prefix", [
    (lambda: f.JX_EXECRATE("470万元", 470), "#VALUE! 全年执行数须为数字"),
    (lambda: f.JX_EXECRATE(470, 0), "#DIV/0! 全年预算数须大于0"),
    (lambda: f.JX_EXECSCORE(1, 1, "十"), "#VALUE! 分值须为数字"),
    (lambda: f.JX_SCORE("20个以上", "15个", 10, "nowhere"), "#VALUE! 找不到规则配置"),
    (lambda: f.JX_SCORE("20个以上", "15个", 10, "national", "投入目标"), "#VALUE! 规则“national”中没有一级指标"),
    (lambda: f.JX_COMPLETION("合规", "合规"), "#N/A 定性指标没有完成率"),
    (lambda: f.JX_SCORES(["a"], ["b", "c"], [1]), "#VALUE! 指标值、完成值、分值三列的行数须相同"),
    (lambda: f.JX_TOTAL([1, "x"]), "#VALUE! 得分中有非数字"),
    (lambda: f.JX_GRADE("优秀"), "#VALUE! 总分须为数字"),
])
def test_bad_arguments_give_error_text_not_exceptions(call, prefix):
    assert str(call()).startswith(prefix)


def test_every_function_has_a_chinese_docstring():
    for name in ("JX_EXECRATE", "JX_EXECSCORE", "JX_TARGET", "JX_COMPLETION", "JX_SCORE", "JX_SCORES",
                 "JX_TOTAL", "JX_GRADE"):
        doc = getattr(f, name).__doc__
        assert doc and any("\u4e00" <= ch <= "\u9fff" for ch in doc), name


def test_function_reference_doc_is_current():
    from pathlib import Path
    doc = Path(__file__).resolve().parent.parent / "docs" / "functions.md"
    assert doc.read_text(encoding="utf-8") == f.reference(), "run: python -m jixiao.udfs.functions > docs/functions.md"


def test_contract_doc_is_current():
    from pathlib import Path
    from jixiao.engine import contract
    doc = Path(__file__).resolve().parent.parent / "docs" / "workbook-contract.md"
    assert doc.read_text(encoding="utf-8") == contract.document(), "run: python -m jixiao.engine.contract > docs/workbook-contract.md"


def udf_names() -> set[str]:
    return {name for name in dir(f) if name.startswith("JX_") and callable(getattr(f, name))}


def test_no_workbook_name_shadows_a_worksheet_function():
    """A workbook-level defined name equal to a UDF name wins over the function (LibreOffice evaluates
    JX_TOTAL(…) as the name: Err:508; Excel cannot tell them apart in OOXML either)."""
    from jixiao.engine import contract
    from jixiao.engine.profiles import available_profiles, load_profile

    functions = udf_names()
    assert {"JX_TOTAL", "JX_GRADE", "JX_SCORES"} <= functions
    names = {n.name for n in contract.NAMES}
    for profile in available_profiles():
        prof = load_profile(profile, 2026)
        names |= {contract.field_name(h["key"]) for h in prof.data.get("header") or []}
        names |= {contract.field_name(t["key"]) for t in prof.data.get("texts") or []}
        names |= {n for n, _, _ in contract.params(prof)}
    assert not names & functions, names & functions
