"""Native formulas that read a 年度指标值 or 实际完成值 written as text, step by step, in any spreadsheet
with no add-in: the helper columns of a template. Each step is one cell; the steps and their values
are exactly those of `jixiao.engine.targets.sheet_reading` (its docstring says what is read and what
is left as 待定), and the tests recalculate templates in LibreOffice and Gnumeric and compare every
step with it.

The words come from the vocabulary (templates/vocabulary.yaml) through named lists on the hidden
sheet 参数 (`lists()`): add a word there, rebuild, and the formulas read it. Array steps are
single-cell array formulas over JX_P_SEQ (1 … SHEET_TEXT_LIMIT), the positions of the characters.
Only functions every spreadsheet has: MID FIND EXACT MATCH INDEX SUBSTITUTE SUM SMALL MAX VALUE …
"""
from __future__ import annotations

from dataclasses import dataclass

from jixiao.engine.targets import MAX_DIGITS, SHEET_TEXT_LIMIT, STATUS_WORDS, V, clean

CHAIN = 60          # SUBSTITUTEs per cell (Excel allows 64 nested functions)
NUMBER_DECIMALS = 10  # see jixiao.engine.scoring.read_actual
PAD = 5             # characters looked at before a position: MID(REPT("@",PAD)&s, …)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
QUANTITY, WORDS, NUMBER, UNREAD = STATUS_WORDS["quantity"], STATUS_WORDS["words"], STATUS_WORDS["number"], \
    STATUS_WORDS["unread"]
_CLASS = {">=": "GE", ">": "GT", "=": "EQ", "<=": "LE", "<": "LT"}
_CLASS_DIRECTION = {"GE": "正向", "GT": "正向", "EQ": "等于", "LE": "反向", "LT": "反向"}


def _replacements() -> list[tuple[str, str]]:
    """The replacements read from 参数 (control characters are written as CHAR(n) in the formula)."""
    return [pair for pair in V.replace if len(pair[0]) != 1 or ord(pair[0]) >= 32]


NEVER = "\ue0ff"  # stands in an empty list: a private-use character no text holds (FIND of "" finds anything)


def lists() -> list[tuple[str, list, str]]:
    """(defined name, values, 说明) of every list the reading formulas use, for the sheet 参数."""
    forms = V.scale_pct_forms()
    rf = _replacements()
    out = [
        ("JX_P_SEQ", list(range(1, SHEET_TEXT_LIMIT + 1)), "字符位置（读文字的公式逐字查看）"),
        ("JX_P_RF", [a for a, _ in rf], "读文字第1步：被替换的写法"),
        ("JX_P_RT", [b for _, b in rf], "读文字第1步：替换为"),
        ("JX_P_CW", [w for w, _ in V.words], "读文字第2步：比较词（长的在前）"),
        ("JX_P_CM", [m for _, m in V.words], "读文字第2步：比较词的记号"),
        ("JX_P_SPF", [f for f, _, _ in forms], "数字后的数量级和百分号"),
        ("JX_P_SPL", [len(f) for f, _, _ in forms], "其字数"),
        ("JX_P_SPS", [s for _, s, _ in forms], "数量级（10的幂）"),
        ("JX_P_SPP", [p for _, _, p in forms], "百分号（10的幂）"),
        ("JX_P_UNS", list(V.units_not_scales), "以数量级字开头的单位（千克不是“千”）"),
        ("JX_P_UNSL", [len(u) for u in V.units_not_scales], "其字数"),
        ("JX_P_TITLES", [o for o, _ in V.titles], "书名号（文件名中的数字不读）"),
        ("JX_P_BREAKS", list(V.clause_breaks), "分句的标点"),
        ("JX_P_AFTERM", sorted(V.after_markers), "只能写在数字后面的比较词的记号"),
    ]
    for comparator, cls in _CLASS.items():
        markers = sorted(m for m, c in V.comparator_of_marker.items() if c == comparator)
        out.append((f"JX_P_MK_{cls}", markers, f"比较“{comparator}”的记号"))
    return [(name, values or [NEVER], note) for name, values, note in out]


def cells() -> list[tuple[str, str, str]]:
    """(defined name, text, 说明) of the single-cell strings the formulas look characters up in."""
    not_units = "".join(sorted(set(V.not_units) | set("0123456789") | set(V.markers) | set(V.range_dashes)))
    return [("JX_P_DASHES", "".join(V.range_dashes), "区间的连接号"),
            ("JX_P_NOTUNIT", not_units, "数字后不算单位的字符"),
            ("JX_P_DATEAFTER", "".join(V.date_after), "数字后是这些字时是日期"),
            ("JX_P_YEARAFTER", "".join(V.year_after), "四位数后是这些字时是年份")]


@dataclass(frozen=True)
class TextRefs:
    """The cells of one text's reading steps (e.g. source="E13", cleaned="T13" …)."""

    source: str
    cleaned: list[str]   # one or more cells: the replacement chain, CHAIN SUBSTITUTEs a cell
    marked: list[str]    # the comparator-word chain
    n: str
    e1: str
    p1: str
    k1: str
    e2: str
    p2: str
    k2: str
    ranged: str
    d1: str
    d2: str
    low: str
    status: str


STEPS = ("n", "e1", "p1", "k1", "e2", "p2", "k2", "ranged", "d1", "d2", "low", "status")
STEP_LABELS = {"cleaned": "整理后", "marked": "比较词记号", "n": "数的个数", "e1": "数1止", "p1": "数1起", "k1": "数1单位",
               "e2": "数2止", "p2": "数2起", "k2": "数2单位", "ranged": "区间", "d1": "数1", "d2": "数2", "low": "下限",
               "status": "读法"}


def chain_cells(count: int) -> int:
    return max(1, -(-count // CHAIN))


def _chain(start: str, pairs: list[tuple[str, str]], names: tuple[str, str], offset: int) -> str:
    expr = start
    for i, (old, _new) in enumerate(pairs, offset + 1):
        if len(old) == 1 and ord(old) < 32:
            expr = f'SUBSTITUTE({expr},CHAR({ord(old)}),"")'
        else:
            expr = f"SUBSTITUTE({expr},INDEX({names[0]},{i}),INDEX({names[1]},{i}))"
    return expr


def cleaned(t: TextRefs) -> list[str]:
    """Step 1: the vocabulary's replacements, CHAIN to a cell. A number cell has no text to read."""
    out, previous, rf_index = [], t.source, 0
    pairs = list(V.replace)
    for n, cell in enumerate(t.cleaned):
        expr = previous
        for old, _new in pairs[n * CHAIN:(n + 1) * CHAIN]:
            if len(old) == 1 and ord(old) < 32:
                expr = f'SUBSTITUTE({expr},CHAR({ord(old)}),"")'
            else:
                rf_index += 1
                expr = f"SUBSTITUTE({expr},INDEX(JX_P_RF,{rf_index}),INDEX(JX_P_RT,{rf_index}))"
        out.append(f'=IFERROR(IF(ISNUMBER({t.source}),"",{expr}),"")' if n == 0 else f'=IFERROR({expr},"")')
        previous = cell
    return out


def marked(t: TextRefs) -> list[str]:
    """Step 2: comparator words, longest first, become their markers."""
    out, previous = [], t.cleaned[-1]
    for n, cell in enumerate(t.marked):
        part = list(V.words)[n * CHAIN:(n + 1) * CHAIN]
        expr = _chain(previous, part, ("JX_P_CW", "JX_P_CM"), n * CHAIN)
        out.append(f"={expr}")
        previous = cell
    return out


def _ch(s: str, k: int) -> str:
    """The character at position (JX_P_SEQ + k) of text s, as an array ("" beyond either end)."""
    if k >= 0:
        return f"MID({s},JX_P_SEQ{'+' + str(k) if k else ''},1)"
    return f'MID(REPT("@",{PAD})&{s},JX_P_SEQ+{PAD + k},1)'


def _dg(s: str, k: int) -> str:
    c = _ch(s, k)
    return f'(ISNUMBER(FIND({c},"0123456789"))*({c}<>""))'


def _token_end(s: str) -> str:
    return f'{_dg(s, 0)}*(1-{_dg(s, 1)})*(1-({_ch(s, 1)}=".")*{_dg(s, 2)})'


def _token_start(s: str) -> str:
    return f'{_dg(s, 0)}*(1-{_dg(s, -1)})*(1-({_ch(s, -1)}=".")*{_dg(s, -2)})'


def _nondate_end(s: str) -> str:
    nxt = _ch(s, 1)
    four = "*".join([_dg(s, 0), _dg(s, -1), _dg(s, -2), _dg(s, -3), f"(1-{_dg(s, -4)})",
                     f'(1-({_ch(s, -4)}=".")*{_dg(s, -5)})'])
    date = (f"ISNUMBER(FIND({nxt},JX_P_DATEAFTER))*({nxt}<>\"\")"
            f"+ISNUMBER(FIND({nxt},JX_P_YEARAFTER))*({nxt}<>\"\")*{four}")
    return f"{_token_end(s)}*(1-({date}))"


def _form_at(s: str, at: str) -> str:
    return (f"IF(SUM(EXACT(MID({s},{at},JX_P_UNSL),JX_P_UNS)*1)>0,0,"
            f"IFERROR(MATCH(TRUE,EXACT(MID({s},{at},JX_P_SPL),JX_P_SPF),0),0))")


def _form_len(k: str) -> str:
    return f"IF({k}>0,INDEX(JX_P_SPL,{k}),0)"


def steps(t: TextRefs, as_target: bool) -> dict[str, str]:
    """Formulas of the positional steps (single-cell array formulas), by step name."""
    s, src = t.marked[-1], t.source
    digits = "{0,1,2,3,4,5,6,7,8,9}"
    n = (f'=IF(ISNUMBER({src}),0,IF({t.cleaned[-1]}="",0,IF(COUNT(FIND({digits},{s}))=0,0,'
         f"IF(LEN({s})>{SHEET_TEXT_LIMIT},-1,SUM({_nondate_end(s)})))))")
    e1 = f"=IF({t.n}>0,MATCH(1,{_nondate_end(s)},0),0)"
    p1 = f"=IF({t.n}>0,MAX({_token_start(s)}*(JX_P_SEQ<={t.e1})*JX_P_SEQ),0)"
    k1 = f"=IF({t.n}>0,{_form_at(s, f'{t.e1}+1')},0)"
    e2 = f"=IF({t.n}>=2,SMALL({_nondate_end(s)}*JX_P_SEQ+(1-{_nondate_end(s)})*100000,2),0)"
    p2 = f"=IF({t.e2}>0,MAX({_token_start(s)}*(JX_P_SEQ<={t.e2})*JX_P_SEQ),0)"
    k2 = f"=IF({t.e2}>0,{_form_at(s, f'{t.e2}+1')},0)"
    at1 = f"({t.e1}+1+{_form_len(t.k1)})"
    dash = f"MID({s},{at1},1)"
    ranged = f'=IF({t.n}=2,AND({dash}<>"",ISNUMBER(FIND({dash},JX_P_DASHES)),{t.p2}={at1}+1)*1,0)'

    d1 = f'=IF({t.n}>0,MID({s},{t.p1},{t.e1}-{t.p1}+1),"")'
    d2 = f'=IF({t.e2}>0,MID({s},{t.p2},{t.e2}-{t.p2}+1),"")'
    low = f"=IF({t.ranged}=1,IF({_scaled(t.d2, '0')}<{_scaled(t.d1, '0')},{t.d2},{t.d1}),{t.d1})"

    def bad_token(tok: str) -> str:
        return f'OR(LEN({tok})-LEN(SUBSTITUTE({tok},".",""))>1,LEN(SUBSTITUTE({tok},".",""))>{MAX_DIGITS})'

    prev = f'MID("@"&{s},{t.p1},1)'
    scale = "INDEX(JX_P_SPS,{})"
    # every argument of OR/AND is evaluated: guard with IF what fails on a missing second number
    conflict = (f"IF(AND({t.ranged}=1,{t.k1}>0,{t.k2}>0),AND({scale.format(t.k1)}<>0,{scale.format(t.k2)}<>0,"
                f"{scale.format(t.k1)}<>{scale.format(t.k2)}),FALSE)")
    unread = [f"{t.n}>2", f"AND({t.n}=2,{t.ranged}=0)", bad_token(t.d1), bad_token(t.d2),
              f'{prev}="-"', f'{prev}="."', f'ISNUMBER(FIND({prev},"{LETTERS}"))',
              f"SUM(ISNUMBER(FIND(JX_P_TITLES,{s}))*1)>0", conflict]
    if as_target:
        present = [f"(SUM(ISNUMBER(FIND(JX_P_MK_{c},{s}))*1)>0)" for c in _CLASS.values()]
        unread += [f"SUM(ISNUMBER(FIND(JX_P_BREAKS,LEFT({s},LEN({s})-1)))*1)>0",
                   f"SUM(ISNUMBER(FIND(JX_P_AFTERM,LEFT({s},{t.p1}-1)))*1)>0",
                   f"{'+'.join(present)}>1"]
    status = (f'=IF(ISNUMBER({src}),"{NUMBER}",IF({t.cleaned[-1]}="","",IF({t.n}=0,"{WORDS}",'
              f'IF({t.n}<0,"{UNREAD}",IF(OR({",".join(unread)}),"{UNREAD}","{QUANTITY}")))))')
    return {"n": n, "e1": e1, "p1": p1, "k1": k1, "e2": e2, "p2": p2, "k2": k2, "ranged": ranged,
            "d1": d1, "d2": d2, "low": low, "status": status}


# Values -------------------------------------------------------------------------------------------

def _frac_len(tok: str) -> str:
    return f'IF(ISNUMBER(FIND(".",{tok})),LEN({tok})-FIND(".",{tok}),0)'


def _scaled(tok: str, power: str) -> str:
    """VALUE(digits without the point) * or / 10^k with k = power - decimals: rounded once."""
    k = f"({power}-{_frac_len(tok)})"
    whole = f'VALUE(SUBSTITUTE({tok},".",""))'
    return f"IF({k}>=0,{whole}*10^{k},{whole}/10^(-{k}))"


def _power(t: TextRefs, column: str) -> str:
    """The scale (JX_P_SPS) or percent (JX_P_SPP) power: a range's form after its high bound wins."""
    one = f"IF({t.k1}>0,INDEX({column},{t.k1}),0)"
    two = f"IF({t.k2}>0,INDEX({column},{t.k2}),0)"
    return f"IF(AND({t.ranged}=1,{two}<>0),{two},{one})"


def percent_power(t: TextRefs) -> str:
    return f'=IF({t.status}="{QUANTITY}",{_power(t, "JX_P_SPP")},0)'


def scale_power(t: TextRefs) -> str:
    return f'=IF({t.status}="{QUANTITY}",{_power(t, "JX_P_SPS")},0)'


def _low_high(t: TextRefs, power: str) -> tuple[str, str]:
    a, b = _scaled(t.d1, power), _scaled(t.d2, power)
    return f"IF({t.ranged}=1,MIN({a},{b}),{a})", f"IF({t.ranged}=1,MAX({a},{b}),{a})"


def target_direction(t: TextRefs, plain: str) -> str:
    """正向/反向/等于 from the comparator (a range is 正向, a bare number the profile's plain_number),
    定性 for words, "" for a blank or unread text."""
    s = t.marked[-1]
    by_class = f'"{plain}"'
    for cls in reversed(list(_CLASS.values())):
        by_class = f'IF(SUM(ISNUMBER(FIND(JX_P_MK_{cls},{s}))*1)>0,"{_CLASS_DIRECTION[cls]}",{by_class})'
    return (f'=IF({t.status}="{NUMBER}","{plain}",IF({t.status}="{WORDS}","定性",'
            f'IF({t.status}="{QUANTITY}",IF({t.ranged}=1,"正向",{by_class}),"")))')


def target_value(t: TextRefs, high: bool, pct: str) -> str:
    """The number the target is scored against, in the scale it is written in (the scale word
    cancels; the percent sign does not): a range at its low or high bound."""
    low, hi = _low_high(t, pct)
    return f'=IF({t.status}="{NUMBER}",{t.source},IF({t.status}="{QUANTITY}",{hi if high else low},""))'


@dataclass(frozen=True)
class TargetCells:
    """The target's results the actual's conversion needs."""

    value: str        # TV: the target number in its written scale
    percent: str      # TP: -2 for a percent target
    scale: str        # TS: 4 for a target in 万


def _end_after(t: TextRefs) -> str:
    at1 = f"({t.e1}+1+{_form_len(t.k1)})"
    at2 = f"({t.e2}+1+{_form_len(t.k2)})"
    return f"IF({t.ranged}=1,{at2},{at1})"


def actual_written(t: TextRefs) -> str:
    """The actual's (low) number as written, with no scale or percent applied."""
    return f'=IF({t.status}="{NUMBER}",{t.source},IF({t.status}="{QUANTITY}",{_scaled(t.low, "0")},""))'


def _actual_forms(t: TextRefs) -> tuple[str, str, str, str]:
    """(plain, bare, low-bound digits, scale+percent power) of a text actual."""
    s = t.marked[-1]
    sp, pp = _power(t, "JX_P_SPS"), _power(t, "JX_P_SPP")
    plain = f"AND({sp}=0,{pp}=0)"
    nxt = f"MID({s},{_end_after(t)},1)"
    bare = f'AND({plain},OR({nxt}="",ISNUMBER(FIND({nxt},JX_P_NOTUNIT))))'
    return plain, bare, t.low, f"({sp}+{pp})"


def actual_assumed(t: TextRefs, written: str, target: TargetCells) -> str:
    """The unit rules of jixiao.engine.scoring (`_unit_rules`): "百分点" where a plain number above 1
    against a percent target is read as percentage points; "元" where a bare number at least
    10^(scale-1) times a target in 万/亿 is read in 元; else ""."""
    plain, bare, _, _ = _actual_forms(t)
    tv, tp, ts = target.value, target.percent, target.scale
    number, quantity = f'{t.status}="{NUMBER}"', f'{t.status}="{QUANTITY}"'
    percent = f"AND({tp}<0,OR({number},{plain}),{written}>1)"
    # IF, not AND: AND evaluates every argument, and a blank target cannot divide
    yuan = f"IF(AND({ts}>0,OR({number},{bare}),ISNUMBER({tv})),IF({tv}>0,{written}/{tv}>=10^({ts}-1),FALSE),FALSE)"
    return (f'=IF(OR({number},{quantity}),IF({percent},"{ASSUMED["percent"]}",'
            f'IF({yuan},"{ASSUMED["scale"]}","")),"")')


def actual_value(t: TextRefs, written: str, target: TargetCells, assumed: str) -> str:
    """The actual in the target's written scale (the unit rules as `actual_assumed` says)."""
    _, bare, low, power = _actual_forms(t)
    tp, ts, x = target.percent, target.scale, t.source
    text_value = (f'IF({assumed}="{ASSUMED["percent"]}",{_scaled(low, tp)},'
                  f'IF({assumed}="{ASSUMED["scale"]}",{_scaled(low, f"-{ts}")},'
                  f"IF({bare},{written},{_scaled(low, f'{power}-{ts}')})))")
    # a number cell is a double, not digits: the conversion is rounded to 10 decimals so that every
    # spreadsheet stores the same double (93.1/100 is 0.931, not 0.9309999999999999)
    number_value = (f'IF({assumed}="{ASSUMED["percent"]}",ROUND({x}/10^(-{tp}),{NUMBER_DECIMALS}),'
                    f'IF({assumed}="{ASSUMED["scale"]}",ROUND({x}/10^{ts},{NUMBER_DECIMALS}),{x}))')
    return f'=IF({t.status}="{NUMBER}",{number_value},IF({t.status}="{QUANTITY}",{text_value},""))'


ASSUMED = {"percent": "百分点", "scale": "元"}


def level_of_words(actual_cleaned: str) -> str:
    """The score of the qualitative level an actual names exactly (JX_P_LEVEL_NAME holds the cleaned
    names of the profile's levels), or ""."""
    return (f'=IF({actual_cleaned}="","",IFERROR(INDEX(JX_P_LEVEL_SCORE,'
            f'MATCH(TRUE,EXACT(JX_P_LEVEL_NAME,{actual_cleaned}),0)),""))')


# The values these formulas compute (cached in the file; the tests compare them with spreadsheets) -

ARRAY_STEPS = frozenset({"n", "e1", "p1", "k1", "e2", "p2", "k2", "status", "direction", "level"})


def _partials(text: str, pairs: list[tuple[str, str]]) -> list[str]:
    """The text after each CHAIN-long part of a replacement chain but the last (the chain's own cells)."""
    out = []
    for n in range(chain_cells(len(pairs)) - 1):
        for old, new in pairs[n * CHAIN:(n + 1) * CHAIN]:
            text = text.replace(old, new)
        out.append(text)
    return out


def step_values(value, as_target: bool) -> dict:
    """The value of every step cell of one text, as the formulas compute it."""
    from jixiao.engine.targets import sheet_reading
    r = sheet_reading(value, as_target)
    source = "" if r.status in ("number", "blank") or value is None else (
        ("TRUE" if value else "FALSE") if isinstance(value, bool) else str(value))
    chains = {f"cleaned{n}": v for n, v in enumerate(_partials(source, list(V.replace)), 1)}
    chains |= {f"marked{n}": v for n, v in enumerate(_partials(r.cleaned, list(V.words)), 1)}
    return {**chains, "cleaned": r.cleaned, "marked": r.marked, "n": r.n, "e1": r.e1, "p1": r.p1, "k1": r.k1, "e2": r.e2,
            "p2": r.p2, "k2": r.k2, "ranged": r.ranged, "d1": r.d1, "d2": r.d2, "low": r.low,
            "status": STATUS_WORDS[r.status]}


def row_values(target, actual, rule, profile) -> dict:
    """Every reading cell of one row: step values of the target ("t_…") and the actual ("a_…"), and
    the results: t_direction, t_value, t_percent, t_scale, a_written, a_assumed, a_value, a_level."""
    from jixiao.engine import scoring
    from jixiao.engine.targets import sheet_reading
    out = {f"t_{k}": v for k, v in step_values(target, True).items()}
    out.update({f"a_{k}": v for k, v in step_values(actual, False).items()})
    t = scoring.read_target(target, rule, scoring.SHEET)
    out.update(t_direction=t.direction, t_value="" if t.value is None else t.value,
               t_percent=t.percent_power, t_scale=t.scale_power)
    r = sheet_reading(actual, False)
    a = scoring.read_actual(actual, t, target, scoring.SHEET)
    if r.status in ("number", "quantity"):
        out["a_written"] = r.cell if r.status == "number" else r.bounds(-(r.scale_power + r.percent_power))[0]
    else:
        out["a_written"] = ""
    out["a_assumed"] = ASSUMED.get(a.assumed, "")
    out["a_value"] = "" if a.value is None else a.value
    level = profile.level(actual) if out["a_cleaned"] else None
    out["a_level"] = level.score if level else ""
    return out
