"""Running the rules: every registered rule (the modules under rules/ register themselves with
`core.rule`) on a form, in code order."""
from __future__ import annotations

from typing import Iterable, Iterator

from . import rules  # noqa: F401 - registers every rule
from .core import REGISTRY, Context, Finding, Rule
from ..model import Form
from ..profiles import Profile


def validate_form(form: Form, profile: Profile, codes: Iterable[str] | None = None, report: list | None = None,
                  report_file: str = "") -> list[Finding]:
    """Every finding of every rule that applies to the profile (or only `codes`), in code order;
    with `report` (paragraphs of a 自评报告, `jixiao.engine.document`) also where it disagrees."""
    return run_rules(Context(form, profile, report, report_file), codes)


def run_rules(ctx: Context, codes: Iterable[str] | None = None) -> list[Finding]:
    """The rules on a prepared context (whose `result` callers may reuse for the scores)."""
    wanted = set(codes) if codes is not None else None
    findings: list[Finding] = []
    for r in iter_rules():
        if (wanted is not None and r.code not in wanted) or not r.applies(ctx.profile):
            continue
        for hit in r.check(ctx):
            sheet, _, cell = hit.where.rpartition("!")
            findings.append(Finding(r.code, r.severity, hit.message, hit.fix or r.fix, sheet, cell,
                                    hit.file or ctx.form.source))
    return findings


def iter_rules() -> Iterator[Rule]:
    return iter(sorted(REGISTRY.values(), key=lambda r: ("PFWITS".index(r.code[0]), r.code)))
