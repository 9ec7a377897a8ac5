"""Validation rules for filled self-evaluation forms (domain.md §4), in the style of sqlfluff's rules:
each has a stable code, a severity (错误 / 警告), a one-line summary, a rationale and a fix hint, and
reports Findings located at a sheet and cell with a Chinese message. The same rules serve the
ribbon's 一键校验 and `jixiao validate`. docs/validation-rules.md is generated from the registry
(`python -m jixiao.engine.validation`).
"""
from .core import ERROR, WARNING, Finding, Rule
from .runner import iter_rules, validate_form

__all__ = ["ERROR", "WARNING", "Finding", "Rule", "iter_rules", "validate_form", "validate_path", "markdown",
           "get_rule"]


def validate_path(path):
    """Read a workbook file and validate it: (form, profile, findings). Raises WorkbookError (Chinese
    message naming the file) when the file cannot be read as a jixiao form."""
    from ..reader import read_form_and_profile
    form, profile = read_form_and_profile(path)
    return form, profile, validate_form(form, profile)


def markdown() -> str:
    """docs/validation-rules.md (jixiao.engine.validation.docs)."""
    from .docs import markdown as _markdown
    return _markdown()


def get_rule(code: str) -> Rule:
    for r in iter_rules():
        if r.code == code:
            return r
    raise KeyError(code)
