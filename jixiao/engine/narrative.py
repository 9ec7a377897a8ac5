"""What a narrative text (a 自评报告 paragraph) says about the form's numbers, and where it disagrees.

Used by rule T07 on a report (`jixiao validate --report`) and by the report writer, which marks
disagreements in the unit's own text it copies (【请核对：…】). Every number the form is compared
with comes from the engine (`scoring.score_form`), never from a second copy of the rules.

How a number is read
    The text is split into sentences (。；！？ and line ends) and clauses (，：、 and brackets). A
    number is read with what follows it: 万元/元/亿元/千元 (money), % (percent), 分 (points) or any
    other unit word. Ranges ("2-3次") and dates ("2021年12月") are never claims.

What it is about
    The *subject* is the nearest thing named before it in the sentence:
    an indicator (its 三级指标 name), a 一级指标 (its label) or the funds (执行率). The *keyword* is the
    nearest word before it in its clause: 年初预算 / 全年预算 / 预算 / 执行 / 支付 / 拨付 / 结转 ...
    for money, 执行率 or 完成率 for percentages, 满分 / 分值 / 权重 / 总分 / 得分 for points.

What it must equal (at the precision written: "75%" agrees with 74.68%)
    money        the form's amounts for the keyword (national: the funds rows; Suzhou: its amounts,
                 sub-items and their sums), at the precision written
    (points are compared exactly to two decimals: "8分" does not agree with 7.50)
    执行率 %      the execution rate (Suzhou: 财政拨款数 ÷ 调整后预算)
    完成率 %      the indicator's completion
    总分 分       the total by the rules, or as typed / shown on the form
    得分 / 分值 分 the subject's score (by the rules, or as typed / shown) / its weight
    other units  the indicator's target (either bound of a range) or actual, in the target's unit;
                 without a named indicator, a sentence that quotes an indicator's target (8000人次)
                 must give its actual for any other number in that unit
    等级          the grade by the rules, or as typed / shown.
A number inside quotation marks that quote the form's own text ("“20个以上”") is a citation, not a
claim, and a sentence of the profile's notes (the form's 注/备注) states rules, not results. Anything not
tied to the form by these rules is left alone: the check never guesses.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .excel import is_blank, is_number, xround
from .model import Form
from .profiles import Profile
from .scoring import FormResult, budget_rate, suzhou_amounts
from .targets import QUALITATIVE, RANGE, parse_target

MONEY_UNITS = {"亿元": 1e-4, "万元": 1.0, "千元": 10.0, "元": 1e4}   # factor from 万元
_SENTENCE = re.compile(r"[。；;！!？?\n]+")
_CLAUSE = re.compile(r"[，,：:、（）()【】\[\]]")
_NUMBER = re.compile(
    r"(?<![0-9.\-])(?P<sign>-)?(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)\s*"
    r"(?P<range>[-~～至到—–][0-9])?")
_QUOTE = re.compile(r"[“\"「『]([^”\"」』]{1,2000})[”\"」』]")

# Keyword -> what a number after it is about. Longest words are matched first.
_MONEY = "money"
_KEYWORDS: dict[str, tuple[str, str]] = {
    "年初预算": (_MONEY, "initial"), "调整后预算": (_MONEY, "budget"), "全年预算": (_MONEY, "budget"),
    "预算数": (_MONEY, "any_budget"), "预算": (_MONEY, "any_budget"), "调整": (_MONEY, "adjustment"),
    "调整预算": (_MONEY, "adjustment"),
    "执行数": (_MONEY, "executed"), "执行": (_MONEY, "executed"), "支出": (_MONEY, "executed"),
    "使用": (_MONEY, "executed"), "支付": (_MONEY, "paid"), "拨付": (_MONEY, "appropriated"),
    "拨款": (_MONEY, "appropriated"), "到位": (_MONEY, "appropriated"), "结转": (_MONEY, "carry"),
    "结余": (_MONEY, "carry"), "收回": (_MONEY, "carry"), "总投资": (_MONEY, "investment"),
    "执行率": ("rate", ""), "完成率": ("completion", ""), "完成比例": ("completion", ""),
    "完成程度": ("completion", ""), "指标值": ("target", ""), "目标值": ("target", ""), "实际": ("target", ""),
    "完成值": ("target", ""),
    "满分": ("points", "max"), "总分值": ("points", "max"), "分值": ("points", "weight"), "权重": ("points", "weight"),
    "总分": ("points", "total"), "总得分": ("points", "total"), "自评总分": ("points", "total"),
    "自评得分": ("points", "total"), "综合得分": ("points", "total"), "得分合计": ("points", "total"),
    "合计得分": ("points", "total"), "得分": ("points", "score"), "自评分": ("points", "score"),
    "计分": ("points", "score"), "扣": ("points", "deduct"),
}
_KEYWORD_RE = re.compile("|".join(re.escape(k) for k in sorted(_KEYWORDS, key=len, reverse=True)))
_FUNDS_WORDS = ("预算执行率", "执行率", "预算执行")


@dataclass
class Claim:
    value: float          # as written, in its unit (percent as a percent: 75 for 75%)
    decimals: int
    unit: str             # 万元 / % / 分 / 人次 ... ("" when none)
    start: int            # position in the sentence
    text: str             # as written


@dataclass
class Disagreement:
    paragraph: int        # index of the paragraph among those checked
    sentence: str
    claim: str            # the number as written, with its unit
    what: str             # what it was taken to be about ("参观人数的实际完成值")
    form: str             # what the form says ("8757人次")


@dataclass
class _Indicator:
    names: list[str]
    unit: str
    values: list[float]            # target (both bounds of a range) and actual, in the target's unit
    percent: bool
    completion: float | None
    weight: float | None
    scores: list[float]
    label: str


@dataclass
class Facts:
    """The form's numbers a text may name, from the form and the engine's result on it."""

    money: dict[str, list[float]] = field(default_factory=dict)   # keyword group -> amounts in 万元
    rate: float | None = None
    rate_known: bool = False       # the form has an execution rate (national funds, Suzhou amounts)
    exec_scores: list[float] = field(default_factory=list)
    funds_weight: float | None = None
    totals: list[float] = field(default_factory=list)
    total_known: bool = True
    max_totals: list[float] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)
    grade_labels: list[str] = field(default_factory=list)
    categories: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)  # label -> weights, scores
    category_order: list[str] = field(default_factory=list)
    indicators: list[_Indicator] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)           # the form's own texts
    rule_texts: list[str] = field(default_factory=list)          # the profile's notes (rules, not claims)
    names: list[tuple[str, str, int]] = field(default_factory=list)  # (mention, kind, index), longest first


def _n(value) -> float | None:
    return float(value) if is_number(value) else None


def _nums(*values) -> list[float]:
    return [float(v) for v in values if is_number(v)]


def facts_of(form: Form, profile: Profile, result: FormResult) -> Facts:
    """What the form says, for `disagreements`. `result` is `scoring.score_form` on the same form's
    scored rows, aligned with `form.indicators` (None where a row was not scored)."""
    f = Facts()
    money: dict[str, list[float]] = {}

    def add(group: str, *values):
        money.setdefault(group, []).extend(_nums(*values))

    if profile.layout == "suzhou":
        a = form.amounts
        derived = suzhou_amounts(a)
        adjusted = derived["adjusted"]
        add("initial", a.get("initial"))
        add("budget", adjusted, a.get("initial"))
        add("any_budget", a.get("initial"), adjusted, *[s.budget for s in form.subitems])
        add("adjustment", a.get("adjustment"), adjusted)
        add("appropriated", a.get("appropriated"))
        add("paid", a.get("paid"), *[s.actual for s in form.subitems])
        add("executed", a.get("paid"), a.get("appropriated"), *[s.actual for s in form.subitems])
        add("carry", derived["balance"], derived["carry"], a.get("carryover"), a.get("recovered"), a.get("balance"), a.get("carry"))
        subs = [s for s in form.subitems]
        add("any_budget", sum(_nums(*[s.budget for s in subs])) if subs else None)
        add("executed", sum(_nums(*[s.actual for s in subs])) if subs else None)
        f.rate = budget_rate(a, profile)
        f.rate_known = True
    else:
        total = form.funds_total
        for row in form.funds:
            add("row:" + re.sub(r"^其中[:：]", "", row.label or "").strip(), row.initial, row.budget, row.executed)
        if total is not None:
            add("initial", total.initial)
            add("budget", total.budget)
            add("any_budget", total.initial, total.budget, *[r.initial for r in form.funds], *[r.budget for r in form.funds])
            add("adjustment", total.budget)
            add("executed", total.executed, *[r.executed for r in form.funds])
            add("paid", total.executed, *[r.executed for r in form.funds])
            add("appropriated", total.budget, total.executed, *[r.budget for r in form.funds],
                *[r.executed for r in form.funds])
            add("carry", *[v for r in form.funds[1:] if "结" in (r.label or "") for v in (r.initial, r.budget, r.executed)])
        f.rate = result.exec_rate
        f.rate_known = profile.funds_scored and total is not None
        f.exec_scores = _nums(result.exec_score, form.reported.get("exec_score"), form.shown.get("exec_score"))
        f.funds_weight = _n(form.funds_weight) if is_number(form.funds_weight) else (
            profile.funds_weight if profile.funds_scored else None)
    add("investment", form.header.get("total_investment"), form.header.get("total_investment_fiscal"))
    f.money = money
    f.totals = _nums(result.total, form.reported.get("total"), form.shown.get("total"))
    f.total_known = result.total is not None
    f.max_totals = [profile.max_total]
    f.grade_labels = [g.label for g in profile.grades]
    f.grades = [g for g in (result.grade, _grade_text(form.reported.get("grade")), _grade_text(form.shown.get("grade"))) if g]
    for cat in profile.categories:
        weights = [cat.weight] + ([result.category_weights[cat.key]] if cat.key in result.category_weights else [])
        scores = [result.category_scores[cat.key]] if cat.key in result.category_scores else []
        f.categories[cat.label] = (weights, scores)
    groups = form.weight_groups()
    head_of = {i: g[0] for g in groups for i in g}
    names: list[tuple[str, str, int]] = []
    for i, ind in enumerate(form.indicators):
        row = result.rows[i] if i < len(result.rows) else None
        if row is None:
            continue
        head = form.indicators[head_of[i]]
        hrow = result.rows[head_of[i]]
        target = parse_target(ind.target)
        unit = "" if target.kind == QUALITATIVE else target.unit
        percent = unit in ("%", "‰")
        values = _nums(row.target_value, row.actual_value)
        if target.comparator == RANGE and target.high is not None and not target.scale_word:
            values.append(target.high)
        if target.scale_word:      # "1亿以上", "不低于30万/个": numbers in a scale, not compared
            unit, values = "", []
        f.indicators.append(_Indicator(
            names=[ind.name] if ind.name else [], unit=unit, values=values, percent=percent,
            completion=row.completion, weight=_n(head.weight),
            scores=_nums(hrow.score, head.reported_score, head.shown_score), label=ind.name or ""))
        if ind.name and len(ind.name.strip()) >= 2:
            names.append((_norm(ind.name.strip()), "indicator", len(f.indicators) - 1))
    for k, cat in enumerate(profile.categories):
        names.append((cat.label, "category", k))
        f.category_order.append(cat.label)
    for word in _FUNDS_WORDS:
        names.append((word, "funds", 0))
    f.names = sorted(names, key=lambda n: -len(n[0]))
    cites = [*(str(v) for v in form.header.values() if not is_blank(v)), *(str(v) for v in form.texts.values() if v)]
    for ind in form.indicators:
        cites += [str(v) for v in (ind.name, ind.target, ind.actual, ind.explanation) if not is_blank(v)]
    f.citations = [_norm(c) for c in cites if c.strip()]
    f.rule_texts = [_norm(str(n)) for n in profile.data.get("notes") or [] if str(n).strip()]
    return f


def _grade_text(value) -> str:
    if is_blank(value):
        return ""
    return re.sub(r"^\s*(自评)?等级\s*[:：]?\s*", "", str(value)).strip()


def _norm(text: str) -> str:
    """NFKC (１５ -> 15, ％ -> %), keeping the Chinese comma: "4，100%" is two numbers, not 4100."""
    return unicodedata.normalize("NFKC", text.replace("，", "\ue000")).replace("\ue000", "，")


# Reading numbers ---------------------------------------------------------------------------------

def _unit_after(s: str, end: int) -> str:
    rest = s[end:end + 8]
    for unit in ("%", "‰", *MONEY_UNITS):
        if rest.startswith(unit):
            return unit
    if rest.startswith("万") and not rest.startswith("万/"):
        return ""          # "30万" without 元: a scaled count, not read
    if rest.startswith("分") and not rest.startswith(("分钟", "分之", "分别", "分类", "分项", "分析")):
        return "分"
    return rest


def claims_in(sentence: str) -> list[Claim]:
    out = []
    for m in _NUMBER.finditer(sentence):
        if m.group("range"):
            continue
        before = sentence[max(0, m.start() - 1):m.start()]
        if before and before in "-~～至到—–第":
            continue                       # the high bound of a range, an ordinal
        unit = _unit_after(sentence, m.end())
        if unit[:1] in ("年", "月", "日", "号", "时", "期", "批", "届", "版", "级", "条", "款", "项", "类", "点") \
                and unit not in ("%", "分"):
            continue                       # dates, ordinals, list numbering: never claims
        text = m.group("num").replace(",", "")
        decimals = len(text.partition(".")[2])
        value = float(text) * (-1 if m.group("sign") else 1)
        known = unit in ("%", "‰", "分", *MONEY_UNITS)
        out.append(Claim(value, decimals, unit, m.start(), m.group(0).strip() + (unit if known else "")))
    return out


def _agrees(claim: Claim, form_value: float, scale: float = 1.0) -> bool:
    """The form's value, in the claim's unit, read at the precision the claim is written with; points
    (分) are exact to two decimals (the seed's 8 for 7.50 is the disagreement reviewers look for)."""
    x = form_value * scale
    if claim.unit == "分":
        return xround(x, 2) == xround(claim.value, 2)
    return xround(x, claim.decimals) == xround(claim.value, claim.decimals) or abs(x - claim.value) < 1e-9


def _show(values: list[float], unit: str, scale: float = 1.0) -> str:
    seen: list[str] = []
    for v in values:
        text = f"{xround(v * scale, 6):.6f}".rstrip("0").rstrip(".") + unit
        if text not in seen:
            seen.append(text)
    return "或".join(seen) if seen else "空"


# Checking ------------------------------------------------------------------------------------------

def _mentions(sentence: str, facts: Facts) -> list[tuple[int, int, str, int]]:
    """(start, end, kind, index) of every indicator, category and funds word named, longest first,
    never overlapping."""
    taken: list[tuple[int, int]] = []
    out = []
    for word, kind, index in facts.names:
        start = sentence.find(word)
        while start >= 0:
            end = start + len(word)
            if not any(a < end and start < b for a, b in taken):
                taken.append((start, end))
                out.append((start, end, kind, index))
            start = sentence.find(word, end)
    return sorted(out)


def _subject(mentions, at: int) -> tuple[str, list[int]] | None:
    """The nearest thing named before position `at`; all indicators of the same name."""
    before = [m for m in mentions if m[1] <= at]
    if not before:
        return None
    chosen = before[-1]
    if chosen[2] == "indicator":
        same = [m[3] for m in mentions if m[2] == "indicator" and m[0] == chosen[0]]
        return "indicator", same
    return chosen[2], [chosen[3]]


def _keyword(clause_text: str, clause_start: int, at: int, kinds: tuple[str, ...]) -> tuple[str, str] | None:
    best = None
    for m in _KEYWORD_RE.finditer(clause_text):
        if clause_start + m.end() <= at and _KEYWORDS[m.group()][0] in kinds:
            best = _KEYWORDS[m.group()]
    return best


def _row_named(sentence: str, at: int, facts: Facts) -> str | None:
    """The funds row (其中：当年财政拨款 …) a money amount at `at` speaks of: the row named last before it
    since the last "；" — "其中，当年财政拨款年初预算数260万元、全年预算数280万元；上年结转…" gives both
    amounts to 当年财政拨款 — or None (the total)."""
    start = max(sentence.rfind(ch, 0, at) for ch in "；;") + 1
    before = sentence[start:at]
    named = [(before.rfind(g[4:]), g) for g in facts.money if g.startswith("row:") and g[4:] and g[4:] in before]
    return max(named)[1] if named else None


def _clause_bounds(sentence: str, at: int) -> tuple[int, int]:
    starts = [m.end() for m in _CLAUSE.finditer(sentence, 0, at)]
    start = starts[-1] if starts else 0
    m = _CLAUSE.search(sentence, at)
    return start, m.start() if m else len(sentence)


def _cited(sentence: str, facts: Facts) -> list[tuple[int, int]]:
    spans = []
    for m in _QUOTE.finditer(sentence):
        inner = m.group(1).strip()
        if inner and any(inner in c for c in facts.citations):
            spans.append((m.start(), m.end()))
    return spans


def check_sentence(sentence: str, facts: Facts) -> list[tuple[Claim, str, str]]:
    """(claim, what it is about, what the form says) for every number of the sentence that names
    something on the form and disagrees with it."""
    s = _norm(sentence)
    out: list[tuple[Claim, str, str]] = []
    if any(s in t for t in facts.rule_texts):
        return out                        # the rules quoted (a form's 注/备注), not a claim
    cited = _cited(s, facts)
    mentions = _mentions(s, facts)
    claims = [c for c in claims_in(s) if not any(a <= c.start < b for a, b in cited)]
    for c in claims:
        lo, hi = _clause_bounds(s, c.start)
        clause = s[lo:hi]
        subject = _subject(mentions, c.start)
        problem = None
        if c.unit in MONEY_UNITS:
            kw = _keyword(clause, lo, c.start, (_MONEY,))
            row_kw = _row_named(s, c.start, facts)
            group = row_kw or (kw[1] if kw else None)
            if group and facts.money.get(group):
                scale = MONEY_UNITS[c.unit]
                if not any(_agrees(c, v, scale) for v in facts.money[group]):
                    problem = (_money_what(group), _show(facts.money[group], c.unit, scale))
        elif c.unit in ("%", "‰"):
            per = 100.0 if c.unit == "%" else 1000.0
            kw = _keyword(clause, lo, c.start, ("rate", "completion", "target"))
            if kw and kw[0] == "rate" and facts.rate_known:
                if facts.rate is None:
                    problem = ("执行率", "待定（无法计算）")
                elif not _agrees(c, facts.rate, per):
                    problem = ("执行率", _show([facts.rate], c.unit, per))
            elif subject and subject[0] == "indicator":
                inds = [facts.indicators[i] for i in subject[1]]
                if kw and kw[0] == "completion":
                    comps = [i.completion for i in inds if i.completion is not None]
                    if comps and not any(_agrees(c, v, per) for v in comps):
                        problem = (f"“{inds[0].label}”的完成率", _show(comps, c.unit, per))
                elif any(i.percent for i in inds):
                    values = [v for i in inds if i.percent for v in i.values]
                    values += [i.completion for i in inds if i.percent and i.completion is not None]
                    if values and not any(_agrees(c, v, per) for v in values):
                        problem = (f"“{inds[0].label}”的指标值或完成值", _show(values, c.unit, per))
        elif c.unit == "分":
            problem = _points(c, _keyword(clause, lo, c.start, ("points",)), subject, facts)
        elif c.unit:
            if subject and subject[0] == "indicator":
                inds = [facts.indicators[i] for i in subject[1] if facts.indicators[i].unit
                        and not facts.indicators[i].percent and c.unit.startswith(facts.indicators[i].unit)]
                values = [v for i in inds for v in i.values]
                if inds and values and not any(_agrees(c, v) for v in values):
                    c.text += inds[0].unit
                    problem = (f"“{inds[0].label}”的指标值或实际完成值", _show(values, inds[0].unit))
            elif subject is None:
                problem = _by_target(c, claims, facts)
        if problem:
            out.append((c, problem[0], problem[1]))
    out += [(c, "等级", "或".join(dict.fromkeys(facts.grades))) for c in _grade_claims(s, facts)]
    return out


def _money_what(group: str) -> str:
    if group.startswith("row:"):
        return f"“{group[4:]}”的金额"
    return {"initial": "年初预算数", "budget": "全年预算数", "any_budget": "预算数", "adjustment": "调整预算数",
            "executed": "执行（支付）数", "paid": "实际支付数", "appropriated": "拨付（拨款）数",
            "carry": "结余、结转数", "investment": "项目总投资"}.get(group, group)


def _points(c: Claim, kw, subject, facts: Facts):
    kind = kw[1] if kw else ""
    if kind == "deduct":
        return None
    if kind == "max":
        allowed = facts.max_totals + [w for ws, _ in facts.categories.values() for w in ws]
        allowed += [i.weight for i in facts.indicators if i.weight is not None] + _nums(facts.funds_weight)
        return None if any(_agrees(c, v) for v in allowed) else ("满分", _show(facts.max_totals, "分"))
    if kind == "total":
        if not facts.total_known:
            return ("总分", "待定（无法计算）")
        return None if any(_agrees(c, v) for v in facts.totals) else ("总分", _show(facts.totals, "分"))
    if subject is None:
        return None
    what, index = subject
    if what == "funds":
        label, weights, scores = "执行率", _nums(facts.funds_weight), facts.exec_scores
    elif what == "category":
        label = facts.category_order[index[0]]
        weights, scores = facts.categories[label]
        label = f"“{label}”"
    else:
        inds = [facts.indicators[i] for i in index]
        label = f"“{inds[0].label}”"
        weights = [i.weight for i in inds if i.weight is not None]
        scores = [s for i in inds for s in i.scores]
    values = weights if kind == "weight" else scores if kind == "score" else weights + scores
    if values and not any(_agrees(c, v) for v in values):
        return (label + {"weight": "的分值", "score": "的得分"}.get(kind, "的分值或得分"), _show(values, "分"))
    return None


def _by_target(c: Claim, claims: list[Claim], facts: Facts):
    """No indicator named: a sentence that gives an indicator's target in its unit speaks of it."""
    for ind in facts.indicators:
        if not ind.unit or ind.percent or not c.unit.startswith(ind.unit) or len(ind.values) < 2:
            continue
        target, actual = ind.values[0], ind.values[1]
        same_unit = [o for o in claims if o.unit.startswith(ind.unit)]
        if any(_agrees(o, target) for o in same_unit) and not _agrees(c, target) and not _agrees(c, actual):
            c.text += ind.unit
            return (f"“{ind.label}”的实际完成值", _show([actual], ind.unit))
    return None


def _grade_claims(s: str, facts: Facts) -> list[Claim]:
    if not facts.grades or not facts.grade_labels:
        return []
    labels = sorted(facts.grade_labels, key=len, reverse=True)
    out = []
    for m in re.finditer(r"等级", s):
        window = s[m.end():m.end() + 8]
        hit = re.match(r"\s*(?:为|是|评定为|评为|[:：])?\s*[“\"「]?(" + "|".join(map(re.escape, labels)) + ")", window)
        if hit and hit.group(1) not in facts.grades:
            out.append(Claim(0.0, 0, "", m.start(), f"“{hit.group(1)}”"))
    return out


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def disagreements(paragraphs: list[str], facts: Facts) -> list[Disagreement]:
    """Every disagreement between the paragraphs and the form, in order."""
    out = []
    for n, text in enumerate(paragraphs):
        for sentence in sentences(text):
            for claim, what, form in check_sentence(sentence, facts):
                out.append(Disagreement(n, sentence, claim.text, what, form))
    return out
