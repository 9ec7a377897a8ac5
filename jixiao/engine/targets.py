"""Read indicator targets (年度指标值) and actual values (实际完成值) written as free text.

Pure Python. Nothing here raises on user input: text that cannot be read as a number is a
QUALITATIVE (定性) Target. The words come from the vocabulary (templates/vocabulary.yaml), the one
place the native formulas of the templates read them from too.

Reading a text
    1. clean():  the vocabulary's replacements in order (full-width ０-９ ％ ＞ …, dashes, spaces and
       control characters removed, 百分比 -> %).
    2. the engine masks what it never reads as a value: document titles 《…》, dates written
       2021-12-31 (or with / .), thousands separators between digit groups ("11,723" -> 11723).
    3. mark(): every comparator word, longest first, becomes its marker (≥ > = ≤ <, and private-use
       characters for the words that only count after the number and for the weak 达到).
    4. numbers: a token is digits with at most one decimal part ("12.5"); a token followed by 月, 日
       or 号, or a four-digit token followed by 年, is a date and skipped ("2021年12月31日前");
       "≥15年", "3个月" are quantities. A token right after a Latin letter or a "." is part of a
       code ("ISO9001") and skipped; a "-" right before it is a sign.
       quantity := token [scale] [% | ‰] ( [unit] dash token [scale] [% | ‰] )? [unit]
       scale: 百万 千万 万 亿 千 (not 千克, 千米 … which are units); dash: - ~ 至 到 (a range:
       "2-3次", "30万-50万/家"; one scale or percent sign written once applies to both bounds).
       A unit starts with any character that is not a digit, a marker, a dash or one of the
       vocabulary's not_units ("60以上" and "60" are bare numbers, "60元" has a unit).
    5. comparator of a quantity that is not a range: the marker nearest to it within its clause
       (clauses end at , ; 。 、 ! ? and at the neighbouring quantities); at equal distance a marker
       before the number wins over one after it, and the weak 达到 loses to any other.

parse_target takes the first quantity, parse_actual the one that best matches the target (same kind
of percent, then the same scale word, then the same unit).

What the sheet reads (`sheet_reading`)
    The native formulas of a template read a subset of this grammar, exactly: no masking step, one
    quantity (a number or a range) and nothing else that looks like a number but dates; for a target,
    no comparator words of two different kinds, no clause break but at the very end, no `after` word
    before the number; no document title beside a number; at most 15 digits; at most SHEET_TEXT_LIMIT
    characters after cleaning (a text without any digit is read as words at any length). On that subset the sheet's reading equals parse_target / parse_actual (tests prove it
    by recalculating templates in LibreOffice and Gnumeric); on any other text the sheet shows 待定.

Values
    Scaling is exact: a value is its digits as an integer times or divided by a power of ten, rounded
    once to a float ("74.68%" gives exactly 0.7468), which is what the sheet's formulas compute too.
    A number cell (int, float, Decimal; not bool) is quantitative with comparator None and unit "".
    Non-finite numbers (nan, inf, or a value too large for a float) are not readable values.

canonical() spacing rules
    qualitative: the stripped original text.
    quantitative: [symbol + " "] + number + scale word + ["%" | "‰"] + [" " + unit]
    symbol is one of ≥ > = ≤ < (none for bare numbers and ranges); a range is written with an
    en dash. Examples: "≥ 20 个", "≥ 95%", "≤ 15%", "= 5859 平方米", "2–3 次", "≥ 1亿",
    "≥ 30万 /个", "100%". parse_target(t.canonical()) gives back t's comparator and value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

from .vocabulary import EQ, GE, GT, LE, LT, vocabulary

__all__ = [
    "QUANTITATIVE", "QUALITATIVE", "GE", "GT", "EQ", "LE", "LT", "RANGE",
    "Target", "parse_target", "parse_actual", "to_number", "clean", "mark", "same_text",
    "sheet_reading", "SheetReading", "SHEET_TEXT_LIMIT", "MAX_DIGITS",
]

QUANTITATIVE = "quantitative"
QUALITATIVE = "qualitative"
RANGE = "range"
SHEET_TEXT_LIMIT = 200  # characters (after cleaning) of a text with digits that the sheet's formulas look at
MAX_DIGITS = 15         # digits of a number read exactly (Excel's precision)

_SYMBOL = {GE: "≥", GT: ">", EQ: "=", LE: "≤", LT: "<"}
_DIRECTION = {GE: "正向", GT: "正向", RANGE: "正向", LE: "反向", LT: "反向", EQ: "等于"}
V = vocabulary()

_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_BREAKS = re.compile("|".join(map(re.escape, V.clause_breaks)))
_LATIN = re.compile(r"[A-Za-z]")
_NOT_UNIT = set(V.not_units) | set("0123456789") | set(V.markers) | set(V.range_dashes)
_UNIT_WORDS = ("平方公里", "平方千米", "平方米", "立方米", "千瓦时", "千瓦", "千米", "千克", "公里", "公斤", "公顷",
               "人次", "户次", "批次", "场次", "件次", "家次", "车次", "架次", "小时", "分钟", "个月", "个工作日",
               "工作日", "学时", "课时")
_ATOM = (rf"(?:{'|'.join(map(re.escape, _UNIT_WORDS))}|[A-Za-z]+(?:[23](?![0-9.]))?"
         rf"|[^{re.escape(''.join(sorted(_NOT_UNIT)))}])")
_UNIT = re.compile(rf"/?{_ATOM}(?:/{_ATOM})*|/")
_STRICT_NUMBER = re.compile(r"(?P<sign>[-+])?(?P<n1>[0-9]+(?:\.[0-9]+)?)(?P<sp>[^0-9]*)")
_THOUSANDS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")
_DATE = re.compile(r"(?<![0-9.])[0-9]{4}([-/.])[0-9]{1,2}\1[0-9]{1,2}(?![0-9])")


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
        if self.unit in V.percent:
            body += self.unit
        elif self.unit:
            body += " " + self.unit
        symbol = _SYMBOL.get(self.comparator)
        return f"{symbol} {body}" if symbol else body

    @property
    def direction(self) -> str | None:
        """正向 for GE/GT/RANGE, 反向 for LE/LT, 等于 for EQ, None otherwise."""
        return _DIRECTION.get(self.comparator) if self.kind == QUANTITATIVE else None

    @property
    def percent_power(self) -> int:
        """-2 for a percent, -3 for a per-mille value, else 0."""
        return V.percent.get(self.unit, 0) if self.kind == QUANTITATIVE else 0

    @property
    def scale_power(self) -> int:
        return V.scales.get(self.scale_word, 0)

    @property
    def bare(self) -> bool:
        """A number written with no scale word, percent sign or unit ("60")."""
        return self.kind == QUANTITATIVE and not self.scale_word and not self.unit


def _qualitative(text: str) -> Target:
    return Target(text, QUALITATIVE, None, None, None, "", "", "")


def _is_number(x) -> bool:
    return isinstance(x, (int, float, Decimal)) and not isinstance(x, bool)


def _finite(d: Decimal) -> float | None:
    try:
        f = float(d)
    except (OverflowError, ValueError):
        return None
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


# Steps 1-3 ----------------------------------------------------------------------------------------

def clean(text) -> str:
    """Step 1: the vocabulary's replacements, in order (what the sheet's first helper column holds)."""
    s = "" if text is None else str(text)
    for old, new in V.replace:
        if old in s:
            s = s.replace(old, new)
    return s


def mark(s: str) -> str:
    """Step 3: comparator words, longest first, become their markers."""
    for word, marker in V.words:
        if word in s:
            s = s.replace(word, marker)
    return s


def same_text(a, b) -> bool:
    """Whether two cells read the same once cleaned ("合 规" and "合规")."""
    return clean(a) == clean(b)


def scaled(digits: str, power: int) -> float | None:
    """digits x 10**power, rounded once: what the sheet computes as VALUE(the digits without any
    point) * or / 10^k, k = power - (characters after the first point)."""
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("-")
    point = digits.find(".")
    n = int(digits.replace(".", "") or "0")
    k = power - (len(digits) - point - 1 if point >= 0 else 0)
    try:
        value = float(n * 10 ** k) if k >= 0 else n / 10 ** (-k)
    except OverflowError:
        return None
    return sign * value if math.isfinite(value) else None


# Step 4: tokens and quantities ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    date: bool


def _tokens(s: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(s):
        after = s[m.end():m.end() + 1]
        date = after in V.date_after or (after in V.year_after and len(m.group()) == 4 and m.group().isdigit())
        out.append(_Token(m.start(), m.end(), m.group(), date))
    return out


def _scale_pct(s: str, at: int) -> tuple[str, str, int]:
    """(scale word, percent sign, position after them) at s[at:]."""
    scale = ""
    if not s.startswith(V.units_not_scales, at):
        scale = next((w for w in sorted(V.scales, key=len, reverse=True) if s.startswith(w, at)), "")
    at += len(scale)
    pct = s[at] if at < len(s) and s[at] in V.percent else ""
    return scale, pct, at + len(pct)


@dataclass(frozen=True)
class _Quantity:
    start: int
    end: int
    comparator: str | None   # RANGE or None (a comparator word is found later)
    low: float
    high: float | None
    unit: str                # the percent sign or the unit
    scale: str
    number_text: str


def _quantities(s: str, tokens: list[_Token]) -> list[_Quantity]:
    """Every quantity in the (cleaned, masked, marked) text, in order."""
    toks = [t for t in tokens if not t.date and t.text.count(".") <= 1]
    found: list[_Quantity] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        i += 1
        prev = s[t.start - 1] if t.start else ""
        if prev == "." or (prev.isascii() and prev.isalpha()):
            continue  # ISO9001, .5
        sign = "-" if prev == "-" else ""
        scale1, pct1, at = _scale_pct(s, t.end)
        end, comparator, number_text = at, None, sign + t.text
        scale, pct, high = scale1, pct1, None
        low = scaled(number_text, V.scales.get(scale1, 0) + V.percent.get(pct1, 0))
        unit_between = _UNIT.match(s, at)
        dash_at = unit_between.end() if unit_between else at
        if (i < len(toks) and dash_at < len(s) and s[dash_at] in V.range_dashes and toks[i].start == dash_at + 1):
            t2 = toks[i]
            scale2, pct2, end2 = _scale_pct(s, t2.end)
            scale, pct = scale2 or scale1, pct2 or pct1
            low = scaled(number_text, V.scales.get(scale1 or scale, 0) + V.percent.get(pct, 0))
            high = scaled(t2.text, V.scales.get(scale2 or scale, 0) + V.percent.get(pct, 0))
            if scale1 and scale2 and scale1 != scale2:  # "500万-1亿"
                number_text, scale = f"{number_text}{scale1}-{t2.text}{scale2}", ""
            else:
                number_text = f"{number_text}-{t2.text}"
            comparator, end = RANGE, end2
            i += 1
            if low is not None and high is not None:
                low, high = min(low, high), max(low, high)
        if low is None or (comparator == RANGE and high is None):
            continue
        unit = _UNIT.match(s, end)
        if unit:
            end = unit.end()
        found.append(_Quantity(t.start - len(sign), end, comparator, low, high,
                               pct or (unit.group() if unit else ""), scale, number_text))
    return found


def _comparator(s: str, start: int, end: int, lo: int, hi: int) -> str | None:
    """The comparator marker nearest to s[start:end] within s[lo:hi] (see the module docstring)."""
    best = None
    for at in range(lo, hi):
        marker = s[at]
        if marker not in V.comparator_of_marker:
            continue
        weak = marker in V.weak_markers
        if at < start and marker not in V.after_markers:
            key = (start - at - 1, weak, 0)
        elif at >= end:
            key = (at - end, weak, 1)
        else:
            continue
        if best is None or key < best[0]:
            best = (key, V.comparator_of_marker[marker])
    return best[1] if best else None


def _engine_text(text: str) -> str:
    s = clean(text)
    for open_, close in V.titles:
        s = re.sub(rf"{re.escape(open_)}[^{re.escape(close)}]*{re.escape(close)}?", open_ + close, s)
    s = _DATE.sub("#", s)
    s = _THOUSANDS.sub("", s)
    return mark(s)


def _targets(text: str) -> list[Target]:
    s = _engine_text(text)
    found = _quantities(s, _tokens(s))
    breaks = [m.start() for m in _BREAKS.finditer(s)]
    out = []
    for i, q in enumerate(found):
        comparator = q.comparator
        if comparator is None:
            lo = max([0] + [b + 1 for b in breaks if b < q.start] + ([found[i - 1].end] if i else []))
            hi = min([len(s)] + [b for b in breaks if b >= q.end] + ([found[i + 1].start] if i + 1 < len(found) else []))
            comparator = _comparator(s, q.start, q.end, lo, hi)
        out.append(Target(text, QUANTITATIVE, comparator, q.low, q.high, q.unit, q.scale, q.number_text))
    return out


def _parse(text, choose) -> Target:
    if _is_number(text):
        return _from_number(text)
    text = "" if text is None else str(text)
    if not clean(text):
        return _qualitative("")
    quantities = _targets_of(text)
    return choose(list(quantities)) if quantities else _qualitative(text)


@lru_cache(maxsize=8192)
def _targets_of(text: str) -> tuple[Target, ...]:
    """`_targets`, remembered: the same targets and actuals recur across a batch of forms (and one
    form's texts are read by the scoring, the rules and the helper columns). Targets are immutable."""
    return tuple(_targets(text))


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
        target_pct = target.unit in V.percent

        def match(q: Target) -> int:
            return (4 * ((q.unit in V.percent) == target_pct)
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
    s = _THOUSANDS.sub("", clean(text))
    m = _STRICT_NUMBER.fullmatch(s)
    if not m:
        return None
    sp = m["sp"]
    scale, pct, end = _scale_pct(sp, 0)
    if end != len(sp) or sp.startswith(V.units_not_scales):
        return None
    sign = "-" if m["sign"] == "-" else ""
    return scaled(sign + m["n1"], V.scales.get(scale, 0) + V.percent.get(pct, 0))


# What the sheet's formulas read ----------------------------------------------------------------------
#
# The template's helper columns read each text cell in these steps (positions are 1-based, as in the
# sheet); jixiao.templates.formulas writes the same steps as formulas, and the tests compare every
# step's value with LibreOffice's and Gnumeric's.

STATUS_WORDS = {"blank": "", "number": "数", "words": "文", "quantity": "量", "unread": "待定"}


def _ch(s: str, i: int) -> str:
    return s[i - 1] if 1 <= i <= len(s) else ""


def _dg(s: str, i: int) -> bool:
    return _ch(s, i) in _DIGITS and _ch(s, i) != ""


_DIGITS = "0123456789"


def _token_start(s: str, i: int) -> bool:
    return _dg(s, i) and not _dg(s, i - 1) and not (_ch(s, i - 1) == "." and _dg(s, i - 2))


def _token_end(s: str, i: int) -> bool:
    return _dg(s, i) and not _dg(s, i + 1) and not (_ch(s, i + 1) == "." and _dg(s, i + 2))


def _date_end(s: str, i: int) -> bool:
    """A token ending at i is a date: followed by 月/日/号, or four digits followed by 年."""
    nxt = _ch(s, i + 1)
    four = all(_dg(s, i - k) for k in range(4)) and not _dg(s, i - 4) and not (_ch(s, i - 4) == "." and _dg(s, i - 5))
    return nxt != "" and (nxt in V.date_after or (nxt in V.year_after and four))


def _form_at(s: str, at: int) -> int:
    """1-based index of the scale/percent form (Vocabulary.scale_pct_forms) written at position `at`,
    0 for none; a unit word such as 千克 is not a scale."""
    if any(s.startswith(u, at - 1) for u in V.units_not_scales):
        return 0
    for k, (form, _, _) in enumerate(V.scale_pct_forms(), 1):
        if s.startswith(form, at - 1):
            return k
    return 0


@dataclass(frozen=True)
class SheetReading:
    """How the native formulas read one text cell: the values of its helper cells, step by step.
    The tests check that the reading equals parse_target / parse_actual wherever status is not
    "unread", and that the formulas, recalculated by LibreOffice and Gnumeric, give these values.

    status: "blank"; "number" (a number cell); "words" (no number but dates: qualitative);
    "quantity"; or "unread" (outside what the formulas read: the sheet shows 待定)."""

    status: str
    cleaned: str = ""
    marked: str = ""
    n: int = 0             # non-date tokens (-1: a text with digits longer than SHEET_TEXT_LIMIT)
    e1: int = 0            # end and start of the first non-date token, the scale/percent form after it
    p1: int = 0
    k1: int = 0
    e2: int = 0            # the same for the second token (a range's high bound)
    p2: int = 0
    k2: int = 0
    ranged: int = 0        # 1: the two tokens are a range ("2-3次")
    comparator: str | None = None     # RANGE, a comparator, or None (a bare number / no word)
    bare: bool = False                # no scale word, no percent sign, no unit
    cell: float | None = None         # a number cell's value

    @property
    def read(self) -> bool:
        return self.status != "unread"

    @property
    def d1(self) -> str:
        """The first number as written ("93.1")."""
        return self.marked[self.p1 - 1:self.e1] if self.n > 0 else ""

    @property
    def d2(self) -> str:
        return self.marked[self.p2 - 1:self.e2] if self.e2 > 0 else ""

    @property
    def low(self) -> str:
        """The digits of a range's lower bound ("50-30" is read at 30), else the first number."""
        return self.d2 if self.ranged and scaled(self.d2, 0) < scaled(self.d1, 0) else self.d1

    @property
    def digits(self) -> str:
        return self.d1

    @property
    def high_digits(self) -> str:
        return self.d2 if self.comparator == RANGE else ""

    @property
    def low_digits(self) -> str:
        return self.low

    def _forms(self) -> list[tuple[str, int, int]]:
        """The forms after the high bound (a range), then after the low bound: a scale word or a
        percent sign written once applies to both bounds."""
        forms = V.scale_pct_forms()
        ks = (self.k2, self.k1) if self.comparator == RANGE else (self.k1,)
        return [forms[k - 1] for k in ks if k]

    @property
    def scale_power(self) -> int:
        return next((f[1] for f in self._forms() if f[1]), 0)

    @property
    def percent_power(self) -> int:
        return next((f[2] for f in self._forms() if f[2]), 0)

    @property
    def scale(self) -> str:
        power = self.scale_power
        return next((w for w, e in V.scales.items() if e == power), "") if power else ""

    @property
    def pct(self) -> str:
        power = self.percent_power
        return next((p for p, e in V.percent.items() if e == power), "") if power else ""

    def bounds(self, power: int = 0) -> tuple[float, float | None]:
        """The number(s) x 10**(scale + percent + power), each rounded once: (low, high)."""
        if self.status == "number":
            return self.cell, None
        k = self.scale_power + self.percent_power + power
        a = scaled(self.digits, k)
        if self.comparator != RANGE:
            return a, None
        b = scaled(self.high_digits, k)
        return min(a, b), max(a, b)


def _sheet_quantity(cleaned: str, s: str, as_target: bool) -> SheetReading:
    if not any(c in _DIGITS for c in s):
        return SheetReading("words", cleaned, s)     # any length: no number at all
    if len(s) > SHEET_TEXT_LIMIT:
        return SheetReading("unread", cleaned, s, n=-1)
    ends = [i for i in range(1, len(s) + 1) if _token_end(s, i) and not _date_end(s, i)]
    n = len(ends)
    if n == 0:
        return SheetReading("words", cleaned, s)     # dates only ("12月31日前完成")
    starts = [i for i in range(1, len(s) + 1) if _token_start(s, i)]
    e1 = ends[0]
    p1 = max(i for i in starts if i <= e1)
    k1 = _form_at(s, e1 + 1)
    e2 = ends[1] if n >= 2 else 0
    p2 = max(i for i in starts if i <= e2) if e2 else 0
    k2 = _form_at(s, e2 + 1) if e2 else 0
    at1 = e1 + 1 + (len(V.scale_pct_forms()[k1 - 1][0]) if k1 else 0)
    reading = SheetReading("quantity", cleaned, s, n, e1, p1, k1, e2, p2, k2)

    def unread() -> SheetReading:
        return replace(reading, status="unread")

    ranged = n == 2 and _ch(s, at1) != "" and _ch(s, at1) in V.range_dashes and p2 == at1 + 1
    reading = replace(reading, ranged=int(ranged))
    if n > 2 or (n == 2 and not ranged):
        return unread()
    if any(s[p - 1:e].count(".") > 1 or e - p + 1 - s[p - 1:e].count(".") > MAX_DIGITS
           for p, e in ((p1, e1), (p2, e2)) if p):
        return unread()
    prev = _ch(s, p1 - 1)
    if prev in ("-", ".") or (prev.isascii() and prev.isalpha()) or any(o in s for o, _ in V.titles):
        return unread()
    if ranged and k1 and k2 and V.scale_pct_forms()[k1 - 1][1] and V.scale_pct_forms()[k2 - 1][1] \
            and V.scale_pct_forms()[k1 - 1][1] != V.scale_pct_forms()[k2 - 1][1]:
        return unread()  # two different scale words: "500万-1亿"
    comparator = RANGE if ranged else None
    if as_target:
        if any(b in s[:-1] for b in V.clause_breaks) or any(m in s[:p1 - 1] for m in V.after_markers):
            return unread()
        kinds = {V.comparator_of_marker[m] for m in V.comparator_of_marker if m in s}
        if len(kinds) > 1:
            return unread()
        if not ranged and kinds:
            comparator = kinds.pop()
    end = (e2 + 1 + (len(V.scale_pct_forms()[k2 - 1][0]) if k2 else 0)) if ranged else at1
    reading = replace(reading, comparator=comparator)
    nxt = _ch(s, end)
    bare = not reading.scale_power and not reading.percent_power and (nxt == "" or nxt in _NOT_UNIT)
    if ranged and (k1 or k2):
        bare = False
    return replace(reading, bare=bare)


def sheet_reading(value, as_target: bool = True) -> SheetReading:
    """How the template's native formulas read a target (as_target) or an actual cell."""
    if (isinstance(value, (str, int, float)) and not isinstance(value, bool)) or value is None:
        return _sheet_reading(value, as_target)  # (True would share the key of 1)
    return _sheet_reading_uncached(value, as_target)


@lru_cache(maxsize=8192)
def _sheet_reading(value, as_target: bool) -> SheetReading:
    """sheet_reading, remembered (a row's texts are read by the pre-fill, the view and the scoring)."""
    return _sheet_reading_uncached(value, as_target)


def _sheet_reading_uncached(value, as_target: bool) -> SheetReading:
    if _is_number(value):
        t = _from_number(value)
        return SheetReading("number", cell=t.value, bare=True) if t.kind == QUANTITATIVE else SheetReading("unread")
    cleaned = ("TRUE" if value else "FALSE") if isinstance(value, bool) else clean(value)  # as Excel shows it
    if not cleaned:
        return SheetReading("blank", cleaned)
    return _sheet_quantity(cleaned, mark(cleaned), as_target)
