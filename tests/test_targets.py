"""Tests for jixiao.engine.targets: free-text 年度指标值 / 实际完成值 parsing."""

from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from jixiao.engine.targets import (
    EQ, GE, GT, LE, LT, QUALITATIVE, QUANTITATIVE, RANGE, Target, parse_actual, parse_target, to_number,
)


def q(text, comparator, value, unit="", scale_word="", number_text="", high=None):
    return Target(text, QUANTITATIVE, comparator, value, high, unit, scale_word, number_text)


def ql(text):
    return Target(text, QUALITATIVE, None, None, None, "", "", "")


BOOK = "按照《株洲市关于加快推进智能制造的若干措施（试行）》文件实施"

TARGETS = [
    ("20个以上", q("20个以上", GE, 20.0, "个", "", "20")),
    ("≥95%", q("≥95%", GE, 0.95, "%", "", "95")),
    ("90%以上", q("90%以上", GE, 0.9, "%", "", "90")),
    ("不低于30万/个", q("不低于30万/个", GE, 300000.0, "/个", "万", "30")),
    ("=5859平方米", q("=5859平方米", EQ, 5859.0, "平方米", "", "5859")),
    ("2-3次", q("2-3次", RANGE, 2.0, "次", "", "2-3", high=3.0)),
    ("15%及其以下", q("15%及其以下", LE, 0.15, "%", "", "15")),
    ("1亿以上", q("1亿以上", GE, 1e8, "", "亿", "1")),
    ("≤5%", q("≤5%", LE, 0.05, "%", "", "5")),
    ("5%以内", q("5%以内", LE, 0.05, "%", "", "5")),
    ("100%", q("100%", None, 1.0, "%", "", "100")),
    ("合规", ql("合规")),
    ("健全", ql("健全")),
    (BOOK, ql(BOOK)),
    ("比去年有所上升", ql("比去年有所上升")),
    ("获得", ql("获得")),
    ("＞１５％", q("＞１５％", GT, 0.15, "%", "", "15")),
    (" ≥ 20 个 ", q(" ≥ 20 个 ", GE, 20.0, "个", "", "20")),
    ("≥100百分比", q("≥100百分比", GE, 1.0, "%", "", "100")),
    ("=8000人次", q("=8000人次", EQ, 8000.0, "人次", "", "8000")),
    ("=85%", q("=85%", EQ, 0.85, "%", "", "85")),
    ("5859平方米", q("5859平方米", None, 5859.0, "平方米", "", "5859")),
    # beyond the must-pass list
    ("≥50个", q("≥50个", GE, 50.0, "个", "", "50")),
    ("<3次", q("<3次", LT, 3.0, "次", "", "3")),
    ("不超过15%", q("不超过15%", LE, 0.15, "%", "", "15")),
    ("大于或等于8", q("大于或等于8", GE, 8.0, "", "", "8")),
    ("超过100人", q("超过100人", GT, 100.0, "人", "", "100")),
    ("2至3次", q("2至3次", RANGE, 2.0, "次", "", "2-3", high=3.0)),
    ("2～3次", q("2～3次", RANGE, 2.0, "次", "", "2-3", high=3.0)),
    ("30-50万元", q("30-50万元", RANGE, 300000.0, "元", "万", "30-50", high=500000.0)),
    ("11,723人次", q("11,723人次", None, 11723.0, "人次", "", "11723")),
    ("5‰以下", q("5‰以下", LE, 0.005, "‰", "", "5")),
    ("2次/年", q("2次/年", None, 2.0, "次/年", "", "2")),
    ("20家企业以上", q("20家企业以上", GE, 20.0, "家", "", "20")),
    ("达到90%以上", q("达到90%以上", GE, 0.9, "%", "", "90")),
    ("诊断评估不低于1万/个 系统解决方案设计不低于5万/个",
     q("诊断评估不低于1万/个 系统解决方案设计不低于5万/个", GE, 10000.0, "/个", "万", "1")),
    ("2021年完成", ql("2021年完成")),
    ("12月31日前完成", ql("12月31日前完成")),
    ("2021-12-31前完成", ql("2021-12-31前完成")),
    ("通过ISO9001认证", ql("通过ISO9001认证")),
    ("二十个以上", ql("二十个以上")),   # Chinese numerals are not read
    ("5859㎡", q("5859㎡", None, 5859.0, "㎡", "", "5859")),  # units are kept as written
    ("≤30个工作日", q("≤30个工作日", LE, 30.0, "个工作日", "", "30")),
    ("1000.00-0", q("1000.00-0", RANGE, 0.0, "", "", "1000.00-0", high=1000.0)),  # not a date
    ("2021.12.31前", ql("2021.12.31前")),
    ("10千克", q("10千克", None, 10.0, "千克", "", "10")),
    ("3千万元", q("3千万元", None, 3e7, "元", "千万", "3")),
]


@pytest.mark.parametrize("text,expected", TARGETS, ids=[t for t, _ in TARGETS])
def test_parse_target(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize("blank", [None, "", "   ", "\u3000"])
def test_blank_is_qualitative_with_empty_text(blank):
    assert parse_target(blank) == ql("")
    assert parse_actual(blank) == ql("")


@pytest.mark.parametrize("cell,value,number_text", [
    (15, 15.0, "15"), (15.0, 15.0, "15"), (74.68, 74.68, "74.68"), (Decimal("1.50"), 1.5, "1.50"),
    (-3, -3.0, "-3"), (0, 0.0, "0"),
])
def test_number_cells(cell, value, number_text):
    t = parse_target(cell)
    assert t == q(str(cell), None, value, "", "", number_text)
    assert parse_actual(cell) == t


@pytest.mark.parametrize("cell", [True, float("nan"), float("inf"), Decimal("NaN"), Decimal("sNaN")])
def test_unreadable_cells_are_qualitative(cell):
    assert parse_target(cell).kind == QUALITATIVE


@pytest.mark.parametrize("text,canonical", [
    ("20个以上", "≥ 20 个"), ("≥95%", "≥ 95%"), ("15%及其以下", "≤ 15%"), ("=5859平方米", "= 5859 平方米"),
    ("2-3次", "2–3 次"), ("1亿以上", "≥ 1亿"), ("100%", "100%"), ("合规", "合规"),
    ("不低于30万/个", "≥ 30万 /个"), ("＞１５％", "> 15%"), ("<3次", "< 3 次"), ("30-50万元", "30–50万 元"),
    ("500万-1亿", "500万–1亿"), ("  合规 ", "合规"), (15.0, "15"), ("5‰以下", "≤ 5‰"), ("30%-50%", "30–50%"),
])
def test_canonical(text, canonical):
    assert parse_target(text).canonical() == canonical


@pytest.mark.parametrize("text,direction", [
    ("≥95%", "正向"), (">1", "正向"), ("2-3次", "正向"), ("≤5%", "反向"), ("<1", "反向"), ("=85%", "等于"),
    ("100%", None), ("合规", None),
])
def test_direction(text, direction):
    assert parse_target(text).direction == direction


ACTUALS = [
    ("15个", "20个以上", (None, 15.0, "个")),
    ("100%及时发放", "100%", (None, 1.0, "%")),
    ("8757人次", "=8000人次", (None, 8757.0, "人次")),
    ("74.68%", "100%", (None, 0.7468, "%")),
    ("2-3次", "2-3次", (RANGE, 2.0, "次")),
    ("企业满意度90%以上", "90%以上", (GE, 0.9, "%")),
    ("项目总投资规模1亿以上", "1亿以上", (GE, 1e8, "")),
    ("支持了15家企业智能技术改造，30万-50万/家", "不低于30万/个", (RANGE, 300000.0, "/家")),
    ("完成2021年度任务12个", "≥10个", (None, 12.0, "个")),
    ("共8家，满意度98%", "≥90%", (None, 0.98, "%")),
    ("共8家，满意度98%", "≥5家", (None, 8.0, "家")),
    ("服务11,723人次", None, (None, 11723.0, "人次")),
    ("共8家，满意度98%", "合规", (None, 8.0, "家")),
]


@pytest.mark.parametrize("text,target,expected", ACTUALS, ids=[f"{a}|{t}" for a, t, _ in ACTUALS])
def test_parse_actual(text, target, expected):
    a = parse_actual(text, parse_target(target) if target is not None else None)
    assert a.kind == QUANTITATIVE and a.text == text
    assert (a.comparator, a.value, a.unit) == expected


def test_actual_qualitative():
    assert parse_actual("均按文件要求实施", parse_target("合规")) == ql("均按文件要求实施")
    assert parse_actual("均按文件要求实施") == ql("均按文件要求实施")


def test_percent_is_exact():
    assert parse_actual("74.68%").value == 0.7468
    assert parse_target("0.7%").value == 0.007
    assert parse_target("1.1万").value == 11000.0
    assert to_number("74.68%") == 0.7468


@pytest.mark.parametrize("text,value", [
    ("470", 470.0), (" 470.5 ", 470.5), ("１５", 15.0), ("1,234.5", 1234.5), ("１，２３４", 1234.0),
    ("95%", 0.95), ("95％", 0.95), ("470万", 4700000.0), ("1.5亿", 1.5e8), ("-3", -3.0), (470, 470.0),
    (4.5, 4.5), (Decimal("2.5"), 2.5),
    ("470万元", None), ("15个", None), ("abc", None), ("", None), (None, None), (True, None),
    ("≥95%", None), ("1 000", 1000.0), ("2-3", None), (float("nan"), None),
])
def test_to_number(text, value):
    assert to_number(text) == value


# --- properties -------------------------------------------------------------------------------

numbers = st.one_of(
    st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
)


@given(st.text())
def test_never_raises_on_text(text):
    for t in (parse_target(text), parse_actual(text), parse_actual(text, parse_target("≥95%"))):
        assert t.kind in (QUANTITATIVE, QUALITATIVE)
        assert isinstance(t.canonical(), str)
    to_number(text)


@given(numbers)
def test_never_raises_on_numbers(n):
    parse_target(n)
    parse_actual(n, parse_target("20个以上"))
    to_number(n)


non_negative = st.one_of(
    st.integers(min_value=0, max_value=10**12),
    st.decimals(min_value=0, max_value=10**9, places=2).map(lambda d: f"{d:.2f}"),
)


@given(non_negative)
def test_number_with_yishang_is_ge(n):
    t = parse_target(f"{n}个以上")
    assert (t.kind, t.comparator, t.value, t.unit) == (QUANTITATIVE, GE, float(n), "个")


def _assert_round_trip(t):
    again = parse_target(t.canonical())
    assert (again.kind, again.comparator, again.value, again.high) == (t.kind, t.comparator, t.value, t.high)


@given(st.text())
def test_round_trip_of_any_text(text):
    t = parse_target(text)
    if t.kind == QUANTITATIVE:
        _assert_round_trip(t)


prefix = st.sampled_from(["", "≥", ">", "=", "≤", "<", "不低于", "不超过", "大于", "低于", "至少", "最多"])
suffix = st.sampled_from(["", "以上", "以下", "及其以下", "以内", "及以上"])
num = st.one_of(st.integers(0, 10**9).map(str),
                st.decimals(min_value=0, max_value=10**6, places=2).map(lambda d: f"{d:.2f}"))
scale = st.sampled_from(["", "万", "亿", "千", "百万", "千万"])
unit = st.sampled_from(["", "%", "‰", "个", "人次", "平方米", "/个", "元/个", "次/年", "kg", "家"])


@given(prefix, num, st.one_of(st.none(), num), scale, unit, suffix)
def test_round_trip_of_generated_targets(pre, n1, n2, sc, un, suf):
    text = pre + n1 + (f"-{n2}" if n2 else "") + sc + un + suf
    t = parse_target(text)
    assert t.kind == QUANTITATIVE
    _assert_round_trip(t)


@given(st.one_of(st.integers(-10**15, 10**15), st.floats(allow_nan=False, allow_infinity=False),
                 st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**9, max_value=10**9)))
def test_round_trip_of_number_cells(n):
    _assert_round_trip(parse_target(n))


# What the sheet's formulas read (sheet_reading) equals what the engine reads --------------------

from jixiao.engine.targets import sheet_reading  # noqa: E402


def _agree(text, as_target=True):
    """On every text the sheet reads, its own reading equals the engine's."""
    r = sheet_reading(text, as_target)
    if not r.read or r.status in ("blank",):
        return r
    engine = parse_target(text) if as_target else parse_actual(text)
    if r.status == "words":
        assert engine.kind == QUALITATIVE, text
        return r
    assert engine.kind == QUANTITATIVE, text
    low, high = r.bounds()
    assert (low, high) == (engine.value, engine.high), text
    if as_target:
        assert r.comparator == engine.comparator, text
    assert r.scale == engine.scale_word or r.status == "number", text
    assert r.pct == (engine.unit if engine.unit in ("%", "‰") else ""), text
    assert r.bare == engine.bare, text
    return r


SHEET_READS = ["≥120公里", "20个以上", "≥95%", "≤5%", "不超过10次", "合规", "118公里", "26个", "93.1%", "6.5%", "12次",
               "2-3次", "30万-50万/家", "≥15年", "3个月", "12个月内", "＞１５％", " ≥ 20 个 ", "≥100百分比", "1亿以上",
               "=5859平方米", "15%及其以下", "不低于30万/个", "达到90%以上", "2021年完成率≥95%", "≤30个工作日", "100%",
               "10千克", "3千万元", "5‰以下", "2至3次", "30%-50%", "30%-50万", "30万-50%", "≥95%。", "2021年12月31日前完成",
               "按照《株洲市关于加快推进智能制造的若干措施（试行）》文件实施", "很长的文字" * 100]
SHEET_UNREAD = ["11,723人次", "诊断评估不低于1万/个 系统解决方案设计不低于5万/个", "按照《办法》≥95%", "ISO9001",
                "-5%", "≥95%，≤99%", "以上20个项目", "2021-12-31前完成", "1.2.3", "2次-3次", "500万-1亿",
                "x" * 201 + "5"]


@pytest.mark.parametrize("text", SHEET_READS)
def test_the_sheet_reads_what_real_forms_write(text):
    assert _agree(text).read


@pytest.mark.parametrize("text", SHEET_UNREAD)
def test_the_sheet_leaves_the_rest_to_the_engine(text):
    assert not sheet_reading(text).read


@given(st.text())
def test_sheet_agrees_with_engine_on_any_text(text):
    _agree(text)
    _agree(text, as_target=False)


grammar_alphabet = st.sampled_from(list("0123456789.%‰-~万亿千百个次人元/年月日号至到以上下内不低于超过≥≤<>=,，。 （）《》ISOkgm²²"))


@given(st.lists(grammar_alphabet, max_size=14).map("".join))
def test_sheet_agrees_with_engine_on_grammar_soup(text):
    _agree(text)
    _agree(text, as_target=False)


@given(prefix, num, st.one_of(st.none(), num), scale, unit, suffix)
def test_the_sheet_reads_generated_targets(pre, n1, n2, sc, un, suf):
    text = pre + n1 + (f"-{n2}" if n2 else "") + sc + un + suf
    r = _agree(text)
    if len(n1.replace(".", "")) <= 15 and (not n2 or len(n2.replace(".", "")) <= 15) and not (pre and suf and pre != suf):
        pass  # most of these are read; the grammar test above covers the exact subset
    assert r.status in ("quantity", "unread")
