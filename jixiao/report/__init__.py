"""The 绩效自评报告, drafted from a filled 自评表: a face, like the command line (it imports the engine;
the engine never imports it).

    report_document(form, profile)   the report, to save as .docx: the profile's outline (a Jinja2 template,
                                     `outline`) filled with the form's numbers and drafted sentences
                                     (`facts`), the 自评表 as a table (`table`), set in the typography
                                     of an official document (`word`)
    write_reports(form_path, out)    read a file's forms (jixiao.engine.forms), write a report .docx for each
    report_file(job)                 the same for one file of a batch: never raises, returns results

Numbers are the engine's; where the form cannot say what a report needs (概况, 经验, 原因 …) the report
holds a highlighted 【请补充：…】 prompt; where the unit's own text disagrees with the form (rule T07),
a 【请核对：…】 note follows the paragraph.
"""
from __future__ import annotations

import os
import traceback
from pathlib import Path

from jixiao.engine import narrative
from jixiao.engine.errors import JixiaoError
from jixiao.engine.files import atomic_output, safe_name
from jixiao.engine.safetext import shown_name
from jixiao.engine.model import Form
from jixiao.engine.profiles import Profile
from jixiao.engine.validation.core import Context

from .facts import CHECK_OPEN, PROMPT_CLOSE, Facts, Prompt
from .outline import Block, outline
from .table import build_grid

REPORT_SUFFIX = "-自评报告.docx"

__all__ = ["report_document", "write_report", "write_reports", "report_file", "report_path", "REPORT_SUFFIX"]


def _check_notes(blocks: list[Block], ctx: Context) -> None:
    """After a paragraph whose numbers disagree with the form (the unit's own text copied in), a
    【请核对：…】 note saying what the form has."""
    facts = narrative.facts_of(ctx.scored_form, ctx.profile, ctx.result)
    body = [b for b in blocks if b.kind == "body"]
    found = narrative.disagreements([b.text for b in body], facts)
    for d in found:
        note = f"文中“{d.claim}”与自评表中{d.what}（{d.form}）不一致"
        body[d.paragraph].runs.append(_Check(note))


class _Check(Prompt):
    def __str__(self) -> str:
        return f"{CHECK_OPEN}{self.text}{PROMPT_CLOSE}"


def report_document(form: Form, profile: Profile):
    """The report for a form, ready to `save(path)` (a `word.ReportDocument`)."""
    from .word import new_document, write_blocks

    ctx = Context(form, profile)
    blocks = outline(profile, Facts(form, profile, ctx).context())
    _check_notes(blocks, ctx)
    document = new_document()
    write_blocks(document, blocks, build_grid(form, profile, ctx))
    return document


def report_path(form_path, out_dir) -> Path:
    return Path(out_dir) / (Path(form_path).stem + REPORT_SUFFIX)


def _save(document, target: Path, overwrite: bool) -> Path:
    try:
        with atomic_output(target, overwrite=overwrite) as tmp:
            document.save(tmp)
    except FileExistsError:
        raise JixiaoError(f"“{shown_name(target)}”已经存在，没有覆盖；确要替换请加 --force") from None
    except OSError as exc:
        raise JixiaoError(f"无法写入“{shown_name(target)}”：{exc.strerror or exc}") from None
    return Path(target)


def write_reports(form_path, target: Path, overwrite: bool = False, profile: str | None = None) -> list[Path]:
    """Read every form in the file (`jixiao.engine.forms`: jixiao workbooks by their names, others by
    their headings; `profile` a registered name overriding the file's) and write a report for each:
    `target`, or for a file holding several forms "<name>-<sheet>-自评报告.docx" beside it. Each is
    written atomically; an existing file is replaced only with overwrite. Raises JixiaoError."""
    from jixiao.engine.forms import read_forms

    forms = read_forms(form_path, profile=profile)
    target = Path(target)
    out = []
    for rf in forms:
        path = target
        if len(forms) > 1:
            stem = target.name[:-len(REPORT_SUFFIX)] if target.name.endswith(REPORT_SUFFIX) else target.stem
            path = target.with_name(safe_name(f"{stem}-{rf.reading.sheet}", REPORT_SUFFIX))   # a sheet's name: from the file
        out.append(_save(report_document(rf.form, rf.profile), path, overwrite))
    return out


def write_report(form_path, target: Path, overwrite: bool = False, profile: str | None = None) -> Path:
    """The report of a file holding one form (the first report when it holds several)."""
    return write_reports(form_path, target, overwrite, profile)[0]


def report_file(job: tuple) -> list[dict]:
    """One file of a batch: (workbook, report file, overwrite[, profile]) -> one result per form (dicts
    with ok, report, error); never raises."""
    path, target, overwrite, *rest = job
    profile = rest[0] if rest else None
    try:
        if profile:
            from jixiao.engine.profiles import profile_argument
            profile = profile_argument(profile)     # registered in this (worker) process too
        written = write_reports(path, Path(target), overwrite, profile)
    except JixiaoError as exc:
        return [{"file": path, "ok": False, "error": str(exc) if exc.where else f"{path}：{exc.message}",
                 "traceback": ""}]
    except Exception as exc:  # noqa: BLE001 - reported per file, the batch goes on
        return [{"file": path, "ok": False, "error": f"{path}：内部错误（{type(exc).__name__}: {exc}）",
                 "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))}]
    return [{"file": path, "ok": True, "report": os.fspath(out), "error": "", "traceback": ""} for out in written]
