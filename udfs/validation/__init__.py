"""Validation rules for filled self-evaluation forms (domain.md §4), in the style of sqlfluff's rules:
each has a stable code, a severity (错误 / 警告), a one-line summary, a rationale and a fix hint, and
reports Findings located at a sheet and cell with a Chinese message. The same rules serve the
ribbon's 一键校验 and `jixiao validate`. docs/validation-rules.md is generated from the registry
(`python -m udfs.validation`).
"""
from .core import ERROR, WARNING, Finding, Rule, iter_rules, validate_form
from .docs import markdown

__all__ = ["ERROR", "WARNING", "Finding", "Rule", "iter_rules", "validate_form", "markdown", "get_rule"]


def get_rule(code: str) -> Rule:
    for r in iter_rules():
        if r.code == code:
            return r
    raise KeyError(code)
