"""Running the rules: every registered rule (the modules under rules/ register themselves with
`core.rule`) on a form, in code order, as the bureau's config selects and grades them, with the
unit's waivers (cell comments "jixiao: 忽略 CODE 原因……") taken out and kept apart."""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator

from . import rules  # noqa: F401 - registers every rule
from .config import DEFAULT, Config, Waiver, for_profile, parse_waivers
from .core import GROUP_ORDER, REGISTRY, Context, Finding, Rule, row_of
from ..model import Form
from ..profiles import Profile


def validate_form(form: Form, profile: Profile, codes: Iterable[str] | None = None, report: list | None = None,
                  report_file: str = "", config: Config | None = None) -> list[Finding]:
    """Every finding of every rule that applies to the profile (or only `codes`), in code order;
    with `report` (paragraphs of a 自评报告, `jixiao.engine.document`) also where it disagrees;
    findings the unit waived (with a reason, where the config allows it) are left out."""
    return run_rules(context(form, profile, config, report, report_file), codes)


def context(form: Form, profile: Profile, config: Config | None = None, report: list | None = None,
            report_file: str = "") -> Context:
    """A rule context with the bureau's config over the profile's ``validation:`` settings."""
    return Context(form, profile, report, report_file, config=for_profile(config or DEFAULT, profile))


def run_rules(ctx: Context, codes: Iterable[str] | None = None) -> list[Finding]:
    """The rules on a prepared context (whose `result` callers may reuse for the scores). Waived
    findings go to `ctx.waived` (each with its reason in `Finding.waiver`)."""
    wanted = set(codes) if codes is not None else None
    config = ctx.config if ctx.config is not None else DEFAULT
    findings: list[Finding] = []
    for r in iter_rules():
        if (wanted is not None and r.code not in wanted) or not r.applies(ctx.profile):
            continue
        if wanted is None and not config.enabled(r.code):
            continue
        severity = config.severity_of(r.code, r.severity)
        ctx.rule_code = r.code
        hits = list(r.check(ctx))
        if r.exclusive and hits:
            findings = []
        for hit in hits:
            sheet, _, cell = hit.where.rpartition("!")
            findings.append(Finding(r.code, severity, hit.message, hit.fix or r.fix, sheet, cell,
                                    hit.file or ctx.form.source))
        if r.exclusive and hits:
            break
    ctx.rule_code = ""
    waivers = form_waivers(ctx.form)
    if not waivers or not config.waivers:
        return findings
    kept: list[Finding] = []
    for f in findings:
        w = _waiver_for(f, waivers) if config.waivable(f.code) else None
        if w is None:
            kept.append(f)
        else:
            ctx.waived.append(replace(f, waiver=w.reason))
    return kept


def form_waivers(form: Form) -> list[Waiver]:
    out = []
    for addr, text in form.comments.items():
        sheet, _, cell = addr.rpartition("!")
        out += parse_waivers(sheet, cell, text)
    return out


def _waiver_for(f: Finding, waivers: list[Waiver]) -> Waiver | None:
    row = row_of(f.cell)
    if not row:
        return None
    for w in waivers:
        if w.reason and f.code in w.codes and w.sheet == f.sheet and w.row == int(row):
            return w
    return None


_ORDER: list = [0, []]    # (registry size, the rules in code order), sorted once


def iter_rules() -> Iterator[Rule]:
    if _ORDER[0] != len(REGISTRY):
        _ORDER[:] = [len(REGISTRY), sorted(REGISTRY.values(), key=lambda r: (GROUP_ORDER.index(r.code[0]), r.code))]
    return iter(_ORDER[1])
