"""The engine against the seeds' numbers, Excel rounding, and properties that must always hold."""
import pytest
from hypothesis import given, settings, strategies as st

from jixiao.engine import scoring as engine
from jixiao.engine.excel import xround, xrounddown
from jixiao.engine.model import Form, FundsRow, Indicator
from jixiao.engine.profiles import load_profile

NATIONAL = load_profile("national", 2020)
ZHUZHOU = load_profile("zhuzhou", 2020)
SUZHOU = load_profile("suzhou", 2021)


@pytest.mark.parametrize("x, digits, expected", [
    (8.125, 2, 8.13), (2.675, 2, 2.68), (1.005, 2, 1.01), (-8.125, 2, -8.13),
    (0.5, 0, 1.0), (-0.5, 0, -1.0), (7.4999, 2, 7.5), (74.676, 2, 74.68), (0.746758, 4, 0.7468),
])
def test_xround_is_excel_round(x, digits, expected):
    assert xround(x, digits) == expected


def test_python_round_differs_where_excel_does_not():
    assert round(8.125, 2) == 8.12 and xround(8.125, 2) == 8.13


def test_xrounddown():
    assert xrounddown(26 / 3, 2) == 8.66 and xrounddown(-1.239, 2) == -1.23


# --- seeds ---------------------------------------------------------------------------------------

def test_zhuzhou_funds_470_of_470_is_100_percent_and_10_points():
    assert engine.exec_rate(470, 470, ZHUZHOU) == 1.0
    assert engine.exec_score(470, 470, ZHUZHOU) == 10.0


def test_exec_score_rounds_like_excel():
    assert engine.exec_score(0.8125, 1, NATIONAL) == 8.13


def test_exec_score_capped_at_weight_and_never_negative():
    assert engine.exec_score(600, 470, NATIONAL) == 10.0
    assert engine.exec_score(-5, 470, NATIONAL) == 0.0
    assert engine.exec_rate(1, 0, NATIONAL) is None and engine.exec_score(1, 0, NATIONAL) is None


def zhuzhou_quantity_group():
    return [Indicator("产出指标", "数量指标", "智能制造奖励、补助项目", "20个以上", "15个", 10,
                      explanation="提高了每个项目的补助额度"),
            Indicator("产出指标", "数量指标", "智能制造培训", "2-3次", "2-3次", shares_weight=True)]


def test_zhuzhou_20_or_more_with_15_scores_7_50():
    form = Form("zhuzhou", 2020, indicators=zhuzhou_quantity_group())
    result = engine.score_form(form, ZHUZHOU)
    assert result.rows[0].fraction == 0.75 and result.rows[1].fraction == 1.0
    assert result.rows[0].score == 7.5 and result.rows[1].score is None  # one 分值 over both rows


def test_shared_weight_mean_method_is_a_profile_setting():
    from dataclasses import replace
    mean = replace(ZHUZHOU, shared_weight_method="mean")
    result = engine.score_form(Form("zhuzhou", 2020, indicators=zhuzhou_quantity_group()), mean)
    assert result.rows[0].score == 8.75


def test_zhuzhou_grade_98_is_you():
    assert engine.grade(98, ZHUZHOU) == "优"


@pytest.mark.parametrize("total, label", [(100, "优"), (90, "优"), (89.99, "良"), (89.995, "优"),
                                          (80, "良"), (79.99, "中"), (60, "中"), (59.99, "差"), (0, "差")])
def test_grade_bands_inclusive_lower_bounds(total, label):
    assert engine.grade(total, NATIONAL) == label


def test_suzhou_weights_split_26_over_3():
    assert engine.equal_split(26, 3, 2, "middle") == [8.66, 8.68, 8.66]
    assert engine.equal_split(6, 2) == [3.0, 3.0] and engine.equal_split(26, 2) == [13.0, 13.0]


def suzhou_form(**over) -> Form:
    rows = [
        ("投入目标", "资金使用合规性", "合规", 4, "合规"), ("投入目标", "财务制度健全性", "健全", 2, "健全"),
        ("投入目标", "专款专用率", "100%", 4, "100%"), ("投入目标", "政府采购规范性", "规范", 2, "规范"),
        ("投入目标", "预算执行率", "100%", 8, "74.68%"), ("投入目标", "资金节约率", "15%及其以下", 2, "15%及其以下"),
        ("产出目标", "装修面积", "=5859平方米", 8.66, "5859平方米"),
        ("产出目标", "项目布展面积", "=3234平方米", 8.68, "3234平方米"),
        ("产出目标", "竣工完成度", "=100%", 8.66, "100%"),
        ("结果目标", "参观人数", "=8000人次", 13, "8757人次"), ("结果目标", "参观满意度", "=85%", 13, "100%"),
        ("影响力目标", "运营管理体制建立建全", "获得", 3, "获得"),
        ("影响力目标", "获评国家级工业互联网体验中心", "获得", 3, "获得"),
    ]
    return Form("suzhou", 2021, indicators=[Indicator(c, "", n, t, a, w) for c, n, t, w, a in rows])


def test_suzhou_8757_of_8000_is_full_13():
    result = engine.score_form(suzhou_form(), SUZHOU)
    row = result.rows[9]
    assert row.completion == pytest.approx(1.094625) and row.score == 13.0


def test_suzhou_exec_rate_74_68_scores_0_under_its_own_rule():
    result = engine.score_form(suzhou_form(), SUZHOU)
    assert result.rows[4].score == 0.0  # 25.32 points short x 5% > 100% of the weight
    assert result.total == 72.0 and sum(result.category_weights.values()) == pytest.approx(80)


def test_suzhou_band_rules():
    out, res = SUZHOU.category("产出目标").rule, SUZHOU.category("结果目标").rule
    assert engine.fraction(0.99, out) == pytest.approx(0.95)
    assert engine.fraction(1.30, out) == 1.0 and engine.fraction(1.40, out) == pytest.approx(0.90)
    assert engine.fraction(1.99, res) == 1.0 and engine.fraction(2.10, res) == pytest.approx(0.90)
    assert engine.fraction(0.70, out) == 0.0


def test_suzhou_qualitative_levels():
    cat = SUZHOU.category("影响力目标")
    for level, share in [("好", 1.0), ("较好", 0.8), ("一般", 0.6), ("较差", 0.4), ("差", 0.2)]:
        row = engine.score_row(Indicator("影响力目标", "", "x", "获得", "获得", 3, level=level), SUZHOU, cat)
        assert row.fraction == share


def test_missing_actual_scores_zero_once_started_blank_before():
    ind = Indicator("产出指标", "数量指标", "x", "20个以上", None, 10)
    cat = NATIONAL.category("产出指标")
    assert engine.score_row(ind, NATIONAL, cat, started=False).fraction is None
    assert engine.score_row(ind, NATIONAL, cat, started=True).fraction == 0.0


def test_reverse_indicator_deviation_and_ratio_rules():
    from dataclasses import replace
    rule = NATIONAL.category("产出指标").rule
    assert engine.completion("反向", 100, 150, rule) == 0.5     # deviation: 5.00 of 10
    assert engine.completion("反向", 100, 250, rule) == 0
    assert engine.completion("反向", 100, 80, rule) == 1.0
    ratio = replace(rule, reverse="ratio")
    assert xround(engine.completion("反向", 100, 150, ratio) * 10, 2) == 6.67


def test_equal_with_zero_target():
    rule = NATIONAL.category("产出指标").rule
    assert engine.completion("等于", 0, 0, rule) == 1.0 and engine.completion("等于", 0, 1, rule) == 0.0


def test_whole_national_form_total_and_grade():
    form = Form("national", 2020, funds=[FundsRow("total", "年度资金总额", 500, 470, 470)],
                indicators=zhuzhou_quantity_group() + [
                    Indicator("效益指标", "社会效益指标", "企业智能制造水平", "比去年有所上升", "比去年有所上升", 30),
                    Indicator("满意度指标", "服务对象满意度指标", "企业满意度", "90%以上", "企业满意度90%以上", 10)])
    result = engine.score_form(form, NATIONAL)
    assert (result.exec_score, result.total, result.grade) == (10.0, 57.5, "差")
    assert result.rows[2].level_assumed  # qualitative with no level chosen: scored as 达成, and said so


def test_overachievement_flag():
    row = engine.score_row(Indicator("产出指标", "", "x", "≥100", 125, 10), NATIONAL, NATIONAL.category("产出指标"))
    assert row.over and row.fraction == 1.0


# --- properties ----------------------------------------------------------------------------------

amounts = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
weights = st.sampled_from([1, 2, 2.5, 3, 5, 8.66, 10, 13, 15, 20, 30])
targets_pos = st.floats(min_value=0.01, max_value=1e5, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(t=targets_pos, a=amounts, w=weights, profile=st.sampled_from([NATIONAL, SUZHOU]),
       direction=st.sampled_from(["正向", "反向", "等于"]))
def test_score_within_zero_and_weight(t, a, w, profile, direction):
    cat = profile.categories[-1]
    row = engine.score_row(Indicator(cat.label, "", "x", t, a, w, direction=direction), profile, cat)
    score = engine.group_score(w, [row.fraction], profile)
    assert 0 <= score <= w


@settings(max_examples=300, deadline=None)
@given(t=targets_pos, a1=amounts, a2=amounts, w=weights)
def test_positive_score_rises_with_actual_and_reverse_falls(t, a1, a2, w):
    lo, hi = sorted((a1, a2))
    cat = NATIONAL.category("产出指标")

    def score(a, d):
        row = engine.score_row(Indicator(cat.label, "", "x", t, a, w, direction=d), NATIONAL, cat)
        return engine.group_score(w, [row.fraction], NATIONAL)
    assert score(lo, "正向") <= score(hi, "正向")
    assert score(lo, "反向") >= score(hi, "反向")


@settings(max_examples=300, deadline=None)
@given(x=st.floats(min_value=-10, max_value=110), y=st.floats(min_value=-10, max_value=110),
       profile=st.sampled_from([NATIONAL, SUZHOU]))
def test_grade_never_drops_as_total_rises(x, y, profile):
    order = {b.label: i for i, b in enumerate(profile.grades)}  # 0 = best
    lo, hi = sorted((x, y))
    assert order[engine.grade(hi, profile)] <= order[engine.grade(lo, profile)]


@settings(max_examples=200, deadline=None)
@given(total=st.integers(min_value=1, max_value=100), n=st.integers(min_value=1, max_value=12))
def test_equal_split_sums_exactly(total, n):
    parts = engine.equal_split(total, n)
    assert xround(sum(parts), 2) == total and max(parts) - min(parts) <= 0.01 * n


def test_range_target_bound_is_a_profile_setting():
    from dataclasses import replace
    cat = NATIONAL.category("产出指标")
    ind = Indicator("产出指标", "", "培训", "2-4次", "3次", 10)
    assert engine.score_row(ind, NATIONAL, cat).fraction == 1.0            # reached at the low bound
    high = replace(cat, rule=replace(cat.rule, range_target="high"))
    assert engine.score_row(ind, NATIONAL, high).fraction == 0.75          # 3 of 4


def test_spare_rows_never_score_even_in_a_started_form():
    form = Form("zhuzhou", 2020, indicators=[
        Indicator("产出指标", "数量指标", "奖励项目", "20个以上", 20, 10),
        Indicator("产出指标", "数量指标", shares_weight=True)])           # the blank form's second row
    result = engine.score_form(form, ZHUZHOU)
    assert result.started and result.rows[1].fraction is None and result.rows[0].score == 10.0


def test_qualitative_default_level_only_when_the_actual_reads_as_the_target():
    cat = NATIONAL.category("效益指标")
    same = engine.score_row(Indicator("效益指标", "", "x", "合规", "合规", 5), NATIONAL, cat)
    other = engine.score_row(Indicator("效益指标", "", "x", "合规", "不合规", 5), NATIONAL, cat)
    chosen = engine.score_row(Indicator("效益指标", "", "x", "合规", "不合规", 5, level="未达成"), NATIONAL, cat)
    assert (same.fraction, same.level_assumed) == (1.0, True)
    assert (other.fraction, other.level_needed) == (None, True)
    assert chosen.fraction == 0.3
    from dataclasses import replace
    assert engine.score_row(Indicator("效益指标", "", "x", "合规", "不合规", 5),
                            replace(NATIONAL, unselected_applies="filled"), cat).fraction == 1.0


def test_reverse_completion_never_negative():
    rule = NATIONAL.category("产出指标").rule
    assert engine.completion("反向", 10, 25, rule) == 0.0


def test_blank_target_is_not_qualitative():
    row = engine.score_row(Indicator("产出指标", "", "x", None, "5个", 10), NATIONAL, NATIONAL.category("产出指标"))
    assert row.direction == "" and row.fraction == 0.0


@pytest.mark.parametrize("target, actual, weight, expected", [
    ("≥50万元", 60, 50, 50.0),              # a bare number is in the target's scale: 60万元
    ("≥50万元", "45万元", 50, 45.0),
    ("≥50万元", "450000元", 50, 45.0),
    ("≤20万元", 25, 30, 22.5),              # an overrun of 25% on a reverse target
    ("1亿以上", "项目总投资规模1.2亿", 10, 10.0),
    ("≥1亿", "8000万", 10, 8.0),
])
def test_amounts_compare_in_the_targets_scale(target, actual, weight, expected):
    cat = NATIONAL.category("产出指标")
    row = engine.score_row(Indicator("产出指标", "成本指标", "x", target, actual, weight), NATIONAL, cat)
    assert engine.group_score(weight, [row.fraction], NATIONAL) == expected


def test_helper_columns_hold_numbers_as_written():
    """The template's 指标值（数值）/完成值（数值）are pre-filled only where its formulas cannot read a text the
    rules read, in the target's written scale, as a user would type them."""
    assert engine.helper_values(Indicator("产出指标", "", "x", "≥50万元", "45万元"), NATIONAL) == (None, None, None)
    assert engine.helper_values(Indicator("产出指标", "", "x", "不低于30万/个", "30万-50万/家"), NATIONAL) == \
        (None, None, None)
    two = "诊断评估不低于1万/个 系统解决方案设计不低于5万/个"
    assert engine.helper_values(Indicator("产出指标", "", "x", two, "1.2万/个"), NATIONAL) == ("正向", 1.0, None)
    assert engine.helper_values(Indicator("产出指标", "", "x", "≥50万元", "完成45万元，占90%"), NATIONAL) == \
        (None, None, 45.0)
    assert engine.helper_values(Indicator("产出指标", "", "x", "≥50万元", "45万元", direction="反向"), NATIONAL) == \
        ("反向", None, None)
