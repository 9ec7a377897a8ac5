"""Read indicator targets (年度指标值) and actual values (实际完成值) written as free text.

Pure Python, standard library only. Nothing here raises on user input: text that cannot be read
as a number is a QUALITATIVE (定性) Target.

Normalisation (done before anything else)
    Unicode NFKC (１５ -> 15, ％ -> %, ＞＝ -> >=, full-width space -> space); "百分比" -> "%";
    every dash (– — ― ‐ − 〜) -> "-"; all blanks are removed (" ≥ 20 个 " -> "≥20个",
    "1 000" -> "1000"); thousands separators between digit groups of three are dropped
    ("11,723" -> 11723).  Book titles 《…》 and dates written as yyyy-mm-dd (or with / or .)
    are masked out, so their numbers are never taken as the value.

Grammar of one quantity (the tokenizer regex ``_QTY``)
    quantity := ["-"] NUM [SCALE] [PCT] [range] [UNIT]
    range    := [UNIT] DASH NUM [SCALE] [PCT]            DASH is - ~ 至 到
    NUM      := digits ["." digits]
    SCALE    := 百万 | 千万 | 万 | 亿 | 千   (千 not before 克/米/瓦: 千克 is a unit)
    PCT      := % | ‰                     (value is a fraction: 95% -> 0.95, 5‰ -> 0.005)
    UNIT     := ["/"] ATOM ("/" ATOM)*    ATOM is a known unit word (人次, 平方米, 小时 …), a run
                of Latin letters (m2, m3 allowed), or one CJK character that does not start a
                comparator word.
    A quantity whose unit starts with 年/月/日 is a date ("2021年", "12月31日") and is skipped.
    Ranges: "2-3次", "30万-50万/家", "30-50万" (one scale written once applies to both bounds);
    value is the low bound, high the high bound.

Comparators
    Words before or after the number: ≥ >= 不低于 不少于 不小于 至少 大于等于 达到 … (GE),
    > 大于 超过 高于 多于 (GT), = 等于 (EQ), ≤ <= 不高于 不超过 不多于 不大于 至多 最多 … (LE),
    < 小于 低于 少于 (LT).  Words only after the number: 以上 及以上 及其以上 或以上 (GE),
    以下 及以下 及其以下 或以下 以内 之内 (LE) — in Chinese practice 以上/以下 include the bound.
    Only words in the same clause count (clauses end at , ; 。 、 ! ? and at the neighbouring
    numbers).  The word nearest to the number wins; at equal distance a word before the number
    wins over one after it, and the weak 达到 loses to any other word.

Choosing the number
    parse_target takes the first quantity ("不低于1万/个 … 不低于5万/个" -> the 1万).
    parse_actual, given the target, takes the quantity that best matches it: same kind (percent or
    not) first, then the same scale word, then the same unit; the first one on ties.

Values
    Scaling is done in Decimal and converted to float once, so "74.68%" gives exactly 0.7468.
    A number cell (int, float, Decimal; not bool) is quantitative with comparator None and unit "".
    Non-finite numbers (nan, inf, or a value too large for a float) are not readable values.

canonical() spacing rules
    qualitative: the stripped original text.
    quantitative: [symbol + " "] + number + scale word + ["%" | "‰"] + [" " + unit]
    symbol is one of ≥ > = ≤ < (none for bare numbers and ranges); a range is written with an
    en dash.  Examples: "≥ 20 个", "≥ 95%", "≤ 15%", "= 5859 平方米", "2–3 次", "≥ 1亿",
    "≥ 30万 /个", "100%".  parse_target(t.canonical()) gives back t's comparator and value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

__all__ = [
    "QUANTITATIVE", "QUALITATIVE", "GE", "GT", "EQ", "LE", "LT", "RANGE",
    "Target", "parse_target", "parse_actual", "to_number",
]

QUANTITATIVE = "quantitative"
QUALITATIVE = "qualitative"
GE, GT, EQ, LE, LT, RANGE = ">=", ">", "=", "<=", "<", "range"

_SYMBOL = {GE: "≥", GT: ">", EQ: "=", LE: "≤", LT: "<"}
_DIRECTION = {GE: "正向", GT: "正向", RANGE: "正向", LE: "反向", LT: "反向", EQ: "等于"}

# Comparator words that may stand before or after the number.
_WORDS = {
    GE: ("≥", ">=", "≧", "⩾", "大于等于", "大于或等于", "不低于", "不少于", "不小于", "至少", "达到"),
    GT: (">", "大于", "超过", "高于", "多于"),
    EQ: ("=", "等于"),
    LE: ("≤", "<=", "≦", "⩽", "小于等于", "小于或等于", "不高于", "不超过", "不多于", "不大于",
         "至多", "最多"),
    LT: ("<", "小于", "低于", "少于"),
}
# Words that only make sense after the number ("以上20个项目" means "the 20 projects above").
_SUFFIX_WORDS = {
    GE: ("以上", "及以上", "及其以上", "或以上"),
    LE: ("以下", "及以下", "及其以下", "或以下", "以内", "之内"),
}
_WEAK_WORDS = {"达到"}

_COMPARATOR_OF = {w: c for table in (_WORDS, _SUFFIX_WORDS) for c, ws in table.items() for w in ws}
_SUFFIX_ONLY = {w for ws in _SUFFIX_WORDS.values() for w in ws}


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CMP_RE = re.compile(_alternation(_COMPARATOR_OF))

_SCALE_EXP = {"百万": 6, "千万": 7, "万": 4, "亿": 8, "千": 3}
_PCT_EXP = {"%": -2, "‰": -3}
_UNIT_WORDS = ("平方公里", "平方千米", "平方米", "立方米", "千瓦时", "千瓦", "千米", "千克", "公里",
               "公斤", "公顷", "人次", "户次", "批次", "场次", "件次", "家次", "车次", "架次", "小时",
               "分钟", "个月", "个工作日", "工作日", "学时", "课时")

_NUM = r"[0-9]+(?:\.[0-9]+)?"
_SCALE = r"百万|千万|万|亿|千(?![克米瓦])"
_PCT = r"%|‰"
_ATOM = (rf"(?:{_alternation(_UNIT_WORDS)}|[A-Za-z]+(?:[23](?![0-9.]))?"   # kg, m2 (from ㎡/m²)
         rf"|(?!{_CMP_RE.pattern}|[至到及或和与的])[\u4e00-\u9fff])")
_UNIT = rf"(?<![%‰])/?{_ATOM}(?:/{_ATOM})*"

_QTY = re.compile(rf"""
    (?<![A-Za-z0-9.])                     # not the tail of a code like ISO9001 or of a number
    (?P<sign>-)?(?P<n1>{_NUM})(?P<s1>{_SCALE})?(?P<p1>{_PCT})?
    (?:(?P<u1>{_UNIT})?(?P<dash>[-~至到])(?P<n2>{_NUM})(?P<s2>{_SCALE})?(?P<p2>{_PCT})?)?
    (?P<unit>{_UNIT})?
""", re.VERBOSE)

_STRICT_NUMBER = re.compile(rf"(?P<sign>[-+])?(?P<n1>{_NUM})(?:(?P<s1>{_SCALE})|(?P<p1>{_PCT}))?")
_CLAUSE_BREAK = re.compile(r"[,;。、!?]")
_DATE_UNIT_START = ("年", "月", "日")


@dataclass(frozen=True)
class Target:
    text: str                 # the original text (str() of the input)
    kind: str                 # QUANTITATIVE or QUALITATIVE
    comparator: str | None    # GE/GT/EQ/LE/LT/RANGE, or None for a bare number
    value: float | None       # scaled number; percent as a fraction; RANGE: the low bound
    high: float | None        # RANGE: the high bound, else None
    unit: str                 # "个", "%", "平方米", "/个", "" …
    scale_word: str           # "", "万", "亿", "千", "百万", "千万" as written
    number_text: str          # the number as written, normalized: "20", "2-3", "30"

    def canonical(self) -> str:
        """Readable normal form; see the module docstring for the spacing rules."""
        if self.kind != QUANTITATIVE:
            return self.text.strip()
        number = self.number_text
        if self.comparator == RANGE:
            low, high = re.fullmatch(r"(-?[^-]+)-(.+)", number).groups()
            number = f"{low}–{high}"
        body = number + self.scale_word
        if self.unit in _PCT_EXP:
            body += self.unit
        elif self.unit:
            body += " " + self.unit
        symbol = _SYMBOL.get(self.comparator)
        return f"{symbol} {body}" if symbol else body

    @property
    def direction(self) -> str | None:
        """正向 for GE/GT/RANGE, 反向 for LE/LT, 等于 for EQ, None otherwise."""
        return _DIRECTION.get(self.comparator) if self.kind == QUANTITATIVE else None


def _qualitative(text: str) -> Target:
    return Target(text, QUALITATIVE, None, None, None, "", "", "")


def _is_number(x) -> bool:
    return isinstance(x, (int, float, Decimal)) and not isinstance(x, bool)


def _finite(d: Decimal) -> float | None:
    f = float(d)
    return f if math.isfinite(f) else None


def _from_number(x) -> Target:
    d = x if isinstance(x, Decimal) else Decimal(x if isinstance(x, int) else repr(x))
    value = _finite(d)
    if value is None:
        return _qualitative(str(x))
    if isinstance(x, float) and d == d.to_integral_value():
        number_text = str(int(d))          # 15.0 from an Excel cell reads as "15"
    else:
        number_text = format(d, "f")
    return Target(str(x), QUANTITATIVE, None, value, None, "", "", number_text)


def _normalize(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).replace("百分比", "%")
    s = re.sub(r"[–—―‐‑‒−〜]+", "-", s)
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))", "", s)
    s = re.sub(r"[《〈][^》〉]*[》〉]?", "《》", s)                        # book titles
    return re.sub(r"(?<![0-9.])[0-9]{4}([-/.])[0-9]{1,2}\1[0-9]{1,2}(?![0-9])", "#", s)  # 2021-12-31


def _scaled(digits: str, scale: str, pct: str) -> float | None:
    d = Decimal(digits).scaleb(_SCALE_EXP.get(scale, 0) + _PCT_EXP.get(pct, 0))
    return _finite(d)


def _comparator(s: str, start: int, end: int, lo: int, hi: int) -> str | None:
    """The comparator word nearest to s[start:end] within s[lo:hi] (see module docstring)."""
    best = None
    for w in _CMP_RE.finditer(s, lo, hi):
        word = w.group()
        if w.end() <= start and word not in _SUFFIX_ONLY:
            key = (start - w.end(), word in _WEAK_WORDS, 0)
        elif w.start() >= end:
            key = (w.start() - end, word in _WEAK_WORDS, 1)
        else:
            continue
        if best is None or key < best[0]:
            best = (key, _COMPARATOR_OF[word])
    return best[1] if best else None


def _quantities(text: str) -> list[Target]:
    """Every quantity in the text, in order, each as a quantitative Target."""
    s = _normalize(text)
    found = []
    for m in _QTY.finditer(s):
        unit = m["unit"] or m["u1"] or ""
        if unit.startswith(_DATE_UNIT_START):
            continue
        sign, pct = m["sign"] or "", m["p2"] or m["p1"] or ""
        scale = m["s2"] or m["s1"] or ""
        low = _scaled(sign + m["n1"], m["s1"] or scale, pct)
        if low is None:
            continue
        number_text, high, comparator = sign + m["n1"], None, None
        if m["n2"]:
            high = _scaled(m["n2"], m["s2"] or scale, pct)
            if high is None:
                continue
            if m["s1"] and m["s2"] and m["s1"] != m["s2"]:   # "500万-1亿"
                number_text = f"{number_text}{m['s1']}-{m['n2']}{m['s2']}"
                scale = ""
            else:
                number_text = f"{number_text}-{m['n2']}"
            low, high, comparator = min(low, high), max(low, high), RANGE
        found.append((m.start(), m.end(), comparator, low, high, pct or unit, scale, number_text))
    targets = []
    for i, (start, end, comparator, low, high, unit, scale, number_text) in enumerate(found):
        if comparator is None:
            breaks_before = [b.end() for b in _CLAUSE_BREAK.finditer(s, 0, start)]
            next_break = _CLAUSE_BREAK.search(s, end)
            lo = max([0] + breaks_before + ([found[i - 1][1]] if i else []))
            hi = min([len(s)] + ([next_break.start()] if next_break else [])
                     + ([found[i + 1][0]] if i + 1 < len(found) else []))
            comparator = _comparator(s, start, end, lo, hi)
        targets.append(Target(text, QUANTITATIVE, comparator, low, high, unit, scale, number_text))
    return targets


def _parse(text, choose) -> Target:
    if _is_number(text):
        return _from_number(text)
    text = "" if text is None else str(text)
    if not text.strip():
        return _qualitative("")
    quantities = _quantities_of(text)
    return choose(list(quantities)) if quantities else _qualitative(text)


@lru_cache(maxsize=8192)
def _quantities_of(text: str) -> tuple[Target, ...]:
    """`_quantities`, remembered: the same targets and actuals recur across a batch of forms (and one
    form's texts are read by the scoring, the rules and the helper columns). Targets are immutable."""
    return tuple(_quantities(text))


def parse_target(text) -> Target:
    """年度指标值 -> Target (the first quantity in the text). Never raises."""
    try:
        return _parse(text, lambda qs: qs[0])
    except (ValueError, ArithmeticError, TypeError):   # safety net: a UDF must not crash
        return _qualitative("" if text is None else str(text))


def parse_actual(text, target: Target | None = None) -> Target:
    """实际完成值 -> Target; among several numbers the one that best matches the target. Never raises."""
    def choose(qs: list[Target]) -> Target:
        if target is None or target.kind != QUANTITATIVE:
            return qs[0]
        target_pct = target.unit in _PCT_EXP

        def match(q: Target) -> int:
            return (4 * ((q.unit in _PCT_EXP) == target_pct)
                    + 2 * (q.scale_word == target.scale_word)
                    + (q.unit == target.unit))
        return max(qs, key=match)          # max keeps the first of equal matches
    try:
        return _parse(text, choose)
    except (ValueError, ArithmeticError, TypeError):
        return _qualitative("" if text is None else str(text))


def to_number(text) -> float | None:
    """A cell that must hold one number: "470", " 470.5 ", "１５", "1,234.5", "95%" (0.95),
    "470万" (4700000). None when anything else remains ("470万元", "15个", "abc") or for blanks."""
    if _is_number(text):
        try:
            return _finite(Decimal(text if not isinstance(text, float) else repr(text)))
        except (ValueError, ArithmeticError):
            return None
    if not isinstance(text, str):
        return None
    m = _STRICT_NUMBER.fullmatch(_normalize(text))
    if not m:
        return None
    sign = "-" if m["sign"] == "-" else ""
    return _scaled(sign + m["n1"], m["s1"] or "", m["p1"] or "")
