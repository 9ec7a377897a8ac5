"""What a report template gets: the form's numbers as the report prints them, and the sentences
drafted from them.

Every number comes from the form as read (`jixiao.engine.reader`) and from the engine's result on it
(`jixiao.engine.scoring.score_form`, through the validator's `Context`, which leaves out rows whose
一级指标 is unknown): nothing is re-typed. A number that cannot be computed is printed as 待定, never
as 0. Texts copied from the form stay text: the template renders them (`outline`) as runs of text,
whatever characters they hold.

Template variables (all strings unless said otherwise; see templates/profiles/*.report.j2)
    year (int), region, form_title, project, unit, header{key}, texts{key}, labels{key}
    funds            national family: initial, budget, executed, weight, rate, score, rows[label, initial,
                     budget, executed], adjusted (bool), short (bool), over (bool), known (bool); else None
    amounts          Suzhou: initial, adjustment, adjusted, appropriated, paid, carry, balance, carryover,
                     recovered, rate; subitems[name, budget, actual]; else None
    total, grade, max_total, score_rate, categories[label, weight, weight_rule, score]
    indicators, met, unmet, over, waiting: lists of indicator dicts (name, level1, level2, target, actual,
                     weight, score, completion, status, reason, level, sentence)
    counts{all, met, unmet, waiting}
    draft            ready sentences: funds, execution, result, categories, summary, unmet[], over[],
                     waiting[], problems[]
    ask(text)        a 【请补充：text】 prompt for what the form cannot know
"""
from __future__ import annotations

from dataclasses import dataclass

from jixiao.engine.excel import is_blank, is_number, xround
from jixiao.engine.model import Form
from jixiao.engine.profiles import Profile
from jixiao.engine.scoring import QUALITATIVE_DIR, budget_rate, rate_indicator, suzhou_amounts
from jixiao.engine.validation.core import Context, amount, fmt, pct

PENDING = "待定"
PROMPT_OPEN, PROMPT_CLOSE = "【请补充：", "】"
CHECK_OPEN = "【请核对："


@dataclass(frozen=True)
class Prompt:
    """A place for what the form cannot know, shown as 【请补充：text】."""

    text: str

    def __str__(self) -> str:
        return f"{PROMPT_OPEN}{self.text}{PROMPT_CLOSE}"


def ask(text) -> Prompt:
    return Prompt(str(text))


def text(value) -> str:
    """A cell's value as the report prints it: text as typed, a number as Excel shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value).strip()


def money(value) -> str:
    return amount(value) if is_number(value) else PENDING


def wan(shown: str) -> str:
    """A printed amount with its unit: "470万元", or 待定 alone."""
    return shown if shown == PENDING else f"{shown}万元"


def rate(value) -> str:
    return pct(value) if is_number(value) else PENDING


def score(value) -> str:
    return fmt(value) if is_number(value) else PENDING


def weight(value) -> str:
    return f"{float(value):g}" if is_number(value) else PENDING


def actual_text(ind, profile: Profile) -> str:
    """An indicator's 实际完成值 as printed: Suzhou's 预算执行率 (computed from the amounts) as a percent."""
    if is_number(ind.actual) and ind.name and ind.name == rate_indicator(profile):
        return rate(ind.actual)
    return text(ind.actual)


def project_name(form: Form) -> str:
    h = form.header
    if not is_blank(h.get("project_name")):
        return text(h["project_name"])
    parts = [text(h[k]) for k in ("special_name", "subitem_name") if not is_blank(h.get(k))]
    return "—".join(parts)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else "、".join(items[:-1]) + "和" + items[-1]


def _sentence(s: str) -> str:
    s = s.rstrip()
    return s if not s or s[-1] in "。！？；】" else s + "。"


class Facts:
    """The report's data for one form; `context()` is what a template sees."""

    def __init__(self, form: Form, profile: Profile, ctx: Context | None = None):
        self.form, self.profile = form, profile
        self.ctx = ctx or Context(form, profile)
        self.result = self.ctx.result
        self.subject = str(profile.data.get("report_subject") or "本项目")   # who the drafted sentences speak of

    # numbers -------------------------------------------------------------------------------------
    def funds(self) -> dict | None:
        if self.profile.layout == "suzhou" or not self.form.funds:
            return None
        total, res, p = self.form.funds_total, self.result, self.profile
        w = self.form.funds_weight if is_number(self.form.funds_weight) else (p.funds_weight if p.funds_scored else None)
        known = res.exec_rate is not None
        return {
            "initial": money(total.initial), "budget": money(total.budget), "executed": money(total.executed),
            "weight": weight(w), "rate": rate(res.exec_rate), "score": score(res.exec_score),
            "rows": [{"label": r.label.replace("其中：", "").strip() or r.key, "initial": money(r.initial),
                      "budget": money(r.budget), "executed": money(r.executed),
                      "filled": any(is_number(v) for v in (r.initial, r.budget, r.executed))}
                     for r in self.form.funds[1:]],
            "known": known, "scored": p.funds_scored,
            "short": known and res.exec_rate < float((p.data.get("funds") or {}).get("low_rate_explanation_below", 1.0)),
            "over": is_number(total.executed) and is_number(total.budget) and float(total.executed) > float(total.budget),
            "adjusted": is_number(total.initial) and is_number(total.budget) and float(total.initial) != float(total.budget),
        }

    def amounts(self) -> dict | None:
        if self.profile.layout != "suzhou":
            return None
        a = self.form.amounts
        derived = suzhou_amounts(a)
        adjusted = derived["adjusted"]
        balance = a.get("balance") if is_number(a.get("balance")) else derived["balance"]
        carry = derived["carry"]
        r = budget_rate(a, self.profile)
        return {"initial": money(a.get("initial")), "adjustment": money(a.get("adjustment")),
                "adjusted": money(adjusted), "appropriated": money(a.get("appropriated")), "paid": money(a.get("paid")),
                "balance": money(balance), "carry": money(carry), "carryover": money(a.get("carryover")),
                "recovered": money(a.get("recovered")), "rate": rate(r), "known": r is not None,
                "short": r is not None and r < 1.0,
                "subitems": [{"name": text(s.name), "budget": money(s.budget), "actual": money(s.actual)}
                             for s in self.form.subitems]}

    def categories(self) -> list[dict]:
        res = self.result
        out = []
        for cat in self.profile.categories:
            if cat.key not in res.category_weights:
                continue
            out.append({"label": cat.label, "weight": weight(res.category_weights[cat.key]),
                        "weight_rule": weight(cat.weight),
                        "differs": xround(res.category_weights[cat.key] - cat.weight, 2) != 0,
                        "score": score(res.category_scores.get(cat.key))})
        return out

    def indicators(self) -> list[dict]:
        ctx, form = self.ctx, self.form
        out = []
        for group in ctx.groups:
            head = form.indicators[group[0]]
            g_weight, g_score = ctx.rows[group[0]].weight, ctx.rows[group[0]].score
            for i in group:
                ind, r = form.indicators[i], ctx.rows[i]
                others = [text(form.indicators[j].name) for j in group if j != i and form.indicators[j].name]
                if r.waiting or r.fraction is None:
                    status = "waiting"
                elif r.fraction >= 1 - 1e-9:
                    status = "met"
                elif r.completion is not None and r.completion > 1:
                    status = "over"         # a band rule deducts for exceeding the target too far
                else:
                    status = "unmet"
                out.append({
                    "name": text(ind.name) or "（未命名指标）", "level1": text(ind.level1).split("\n")[0],
                    "level2": text(ind.level2), "target": text(ind.target), "actual": actual_text(ind, self.profile),
                    "weight": weight(g_weight), "score": score(g_score), "shared_with": others,
                    "completion": rate(r.completion) if r.completion is not None else "",
                    "qualitative": r.direction == QUALITATIVE_DIR, "level": r.level, "level_assumed": r.level_assumed,
                    "status": status, "far_over": r.over, "reason": text(ind.explanation or head.explanation
                                                                          if len(group) > 1 else ind.explanation),
                    "needs_level": r.level_needed, "unparsed_target": r.unparsed_target,
                    "missing_actual": is_blank(ind.actual) and not is_number(ind.actual_value),
                })
        return out

    # sentences -----------------------------------------------------------------------------------
    def _indicator_sentence(self, d: dict) -> str:
        parts = [f"“{d['name']}”年度指标值为“{d['target']}”" if d["target"] else f"“{d['name']}”未填写年度指标值"]
        if d["missing_actual"]:
            parts.append("实际完成值未填写")
        else:
            parts.append(f"实际完成值为“{d['actual']}”")
        if d["qualitative"] and d["level"]:
            parts.append(f"完成档次为“{d['level']}”")
        elif d["completion"]:
            parts.append(f"完成率{d['completion']}")
        if d["status"] == "waiting":
            why = ("定性指标的完成情况与指标值不同，尚未选择完成档次" if d["needs_level"] else
                   "年度指标值读不出数字，尚未填写指标值（数值）" if d["unparsed_target"] else "尚未计分")
            return "，".join(parts) + f"；{why}，得分{PENDING}。"
        share = f"与{_join([f'“{n}”' for n in d['shared_with']])}共用分值{d['weight']}分，本组" if d["shared_with"] else ""
        parts.append(f"{share}得分{d['score']}分" + ("" if share else f"（分值{d['weight']}分）"))
        return "，".join(parts) + "。"

    def _reason(self, d: dict, what: str) -> str | Prompt:
        return _sentence(d["reason"]) if d["reason"] else ask(what)

    def draft(self, funds: dict | None, amounts: dict | None, inds: list[dict], cats: list[dict]) -> dict:
        p, year = self.profile, self.form.year
        out: dict = {}
        if funds is not None:
            s = (f"{year}年度，{self.subject}年初预算数{wan(funds['initial'])}，全年预算数{wan(funds['budget'])}，"
                 f"全年执行数{wan(funds['executed'])}")
            rows = [r for r in funds["rows"] if r["filled"]]
            if rows:
                s += "。其中，" + "；".join(r["label"] + "、".join(f"{what}{wan(r[key])}" for key, what in (
                    ("initial", "年初预算数"), ("budget", "全年预算数"), ("executed", "全年执行数")) if r[key] != PENDING)
                    for r in rows)
            out["funds"] = s + "。"
            if not funds["known"]:
                out["execution"] = [f"全年预算数未填写或为0，预算执行率和执行率得分{PENDING}。",
                                    ask("全年预算数（调整后预算数）")]
            else:
                s = f"预算执行率为{funds['rate']}"
                s += f"，执行率得分{funds['score']}分（分值{funds['weight']}分）" if funds["scored"] else ""
                items: list = [s + "。"]
                if funds["short"]:
                    items += ["预算执行率未达到100%。", ask("预算执行率未达到100%的原因及改进措施")]
                if funds["over"]:
                    items += ["全年执行数超过全年预算数。", ask("超支的原因")]
                if funds["adjusted"]:
                    items += ["全年预算数与年初预算数不同，年内预算有调整。", ask("预算调整的原因和依据")]
                out["execution"] = items
        if amounts is not None:
            s = (f"{year}年度，{self.subject}年初预算数{wan(amounts['initial'])}，调整后预算数{wan(amounts['adjusted'])}"
                 f"，财政拨款数{wan(amounts['appropriated'])}，实际支付数{wan(amounts['paid'])}，预算执行率为{amounts['rate']}")
            if amounts["subitems"]:
                s += "。其中，" + "；".join(f"{x['name']}预算数{wan(x['budget'])}、实际支付{wan(x['actual'])}"
                                          for x in amounts["subitems"])
            out["funds"] = s + "。"
            items = []
            if not amounts["known"]:
                items += [f"年初预算数未填写，预算执行率{PENDING}。", ask("年初预算数及调整预算数")]
            elif amounts["short"]:
                items += ["预算执行率未达到100%。", ask("预算执行率未达到100%的原因及改进措施")]
            out["execution"] = items
        total = score(self.result.total)
        if self.result.total is None:
            out["result"] = f"{self.subject}尚有指标未计分，总分和等级{PENDING}。"
        elif p.layout == "suzhou":
            ratio = rate(self.result.total / p.max_total) if p.max_total else PENDING
            out["result"] = (f"经自评，项目绩效实现情况自评得分{total}分（满分{p.max_total:g}分），得分率{ratio}，"
                             f"自评等级为“{self.result.grade}”。")
        else:
            out["result"] = f"经自评，{self.subject}总分{total}分（满分{p.max_total:g}分），自评等级为“{self.result.grade}”。"
        parts = []
        if funds is not None and funds["scored"]:
            parts.append(f"预算执行率得分{funds['score']}分（分值{funds['weight']}分）")
        for c in cats:
            w = f"分值{c['weight']}分" + (f"，规定分值{c['weight_rule']}分" if c["differs"] else "")
            parts.append(f"{c['label']}得分{c['score']}分（{w}）")
        out["categories"] = ("其中，" + "；".join(parts) + "。") if parts else ""
        met = [d for d in inds if d["status"] == "met"]
        unmet = [d for d in inds if d["status"] in ("unmet", "over")]
        waiting = [d for d in inds if d["status"] == "waiting"]
        s = f"{self.subject}共设置绩效指标{len(inds)}项，其中{len(met)}项达到年度指标值"
        s += f"，{len(unmet)}项未达到或未完全达到" if unmet else "，全部达到年度指标值" if not waiting else ""
        s += f"，{len(waiting)}项尚未计分（{PENDING}）" if waiting else ""
        out["summary"] = s + "。"
        out["unmet"] = []
        for d in unmet:
            item = [self._indicator_sentence(d)]
            if d["status"] == "over":
                item.append("完成值超过年度指标值过多，按规则扣分。")
            item += ["偏差原因：", self._reason(d, f"“{d['name']}”未完成的原因及改进措施")]
            out["unmet"].append(item)
        out["over"] = []
        for d in inds:
            if d["far_over"] and d["status"] == "met":
                out["over"].append([f"“{d['name']}”完成率{d['completion']}，超过年度指标值较多。", "原因分析：",
                                    self._reason(d, f"“{d['name']}”超额完成的原因；如因年初指标值设定偏低，请说明")])
        out["waiting"] = [[self._indicator_sentence(d)] for d in waiting]
        problems = []
        if funds is not None and funds["known"] and funds["short"]:
            problems.append([f"预算执行率为{funds['rate']}，未达到100%。", ask("资金未能按计划支出的原因")])
        for d in unmet:
            problems.append([f"“{d['name']}”未达到年度指标值" + (f"（完成率{d['completion']}）" if d["completion"] else "") + "。",
                             "原因：", self._reason(d, f"“{d['name']}”未完成的原因")])
        out["problems"] = problems
        return out

    def context(self) -> dict:
        form, p = self.form, self.profile
        funds, amounts, inds, cats = self.funds(), self.amounts(), self.indicators(), self.categories()
        labels = {s["key"]: s.get("label", s["key"]) for s in (p.data.get("header") or []) + (p.data.get("texts") or [])}
        return {
            "year": form.year, "region": text(p.data.get("region")), "form_title": p.title,
            "project": project_name(form) or ask("项目名称"), "subject": self.subject,
            "unit": text(form.header.get("unit") or form.header.get("department")),
            "header": {k: text(v) for k, v in form.header.items()},
            "texts": {s["key"]: text(form.texts.get(s["key"])) for s in p.data.get("texts") or []},
            "labels": labels, "funds": funds, "amounts": amounts,
            "total": score(self.result.total), "grade": self.result.grade or PENDING, "max_total": weight(p.max_total),
            "categories": cats, "indicators": inds,
            "met": [d for d in inds if d["status"] == "met"],
            "unmet": [d for d in inds if d["status"] in ("unmet", "over")],
            "over": [d for d in inds if d["far_over"] and d["status"] == "met"],
            "waiting": [d for d in inds if d["status"] == "waiting"],
            "counts": {"all": len(inds), "met": sum(d["status"] == "met" for d in inds),
                       "unmet": sum(d["status"] in ("unmet", "over") for d in inds),
                       "waiting": sum(d["status"] == "waiting" for d in inds)},
            "draft": self.draft(funds, amounts, inds, cats),
            "ask": ask,
        }
