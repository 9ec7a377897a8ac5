"""`jixiao import`: a 自评表 of any layout into a live jixiao template of the recognised profile.

    jixiao import OLD.xlsx [OLD2.xls ...] --out DIR [--profile NAME|FILE] [--force] [--drop-scores]

Each form the file holds (one per sheet; read by `jixiao.engine.forms`, by headings when the file is
not a jixiao workbook) is written by the template builder into DIR as a new workbook of the profile
the layout chose (or --profile): header, funds, goals, indicators, weights, explanations, levels.
The scores the unit published become *reported* scores: typed into the score cells (and 执行率, 执行率
得分, 总分, 等级), where `jixiao validate` compares them with the rules; every other cell keeps its
formula. --drop-scores leaves them out (every score computed by the template).

Nothing is lost silently: the written workbook is read back by the contract reader and compared
with the form that was read; any value the template has no place for (a header field of another
region, a Sichuan 评价结论, a column the form added) is listed, as are the cells the heading reader
could not place. Existing files are replaced only with --force; files are written atomically.
Exit codes: 0 written, everything kept; 1 written, some values listed as not kept; 2 nothing written
for a file that could not be read or whose 一级指标 the profile does not know.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from jixiao.engine.errors import JixiaoError
from jixiao.engine.excel import is_blank, is_number
from jixiao.engine.files import safe_name
from jixiao.engine.safetext import printable
from jixiao.engine.forms import ReadForm, read_forms
from jixiao.engine.model import Form
from jixiao.engine.profiles import Profile, profile_argument
from jixiao.engine.reader import SZ_OUTPUTS, read_form_and_profile
from jixiao.engine.targets import to_number

from .builder import build_workbook
from .fill import _check_output, output_name, refuse_existing

HEADER_NAMES = {"project_name": "项目名称", "department": "主管部门", "unit": "实施单位", "special_name": "专项名称",
                "subitem_name": "支出方向名称（子项）", "total_investment": "项目总投资", "period": "项目总实施期",
                "total_investment_fiscal": "其中：财政拨款", "project_year": "项目年份", "leader": "项目负责人",
                "finance_leader": "财务负责人", "report_code": "报表编号", "reporting_unit": "填报单位",
                "report_date": "填报日期"}
TEXT_NAMES = {"goal_expected": "预期目标", "goal_actual": "实际完成情况", "funds_reason": "资金执行情况的原因说明",
              "conclusion": "评价结论", "problems": "存在问题", "suggestions": "改进措施", "overview": "项目概况"}


def buildable(form: Form, profile: Profile) -> Form:
    """The form as the builder takes it. A row whose 一级指标 the profile does not know cannot be
    placed in its template: that is an error naming the rows, not a silent drop."""
    unknown = []
    for ind in form.indicators:
        try:
            profile.category(ind.level1)
        except JixiaoError:
            unknown.append(f"{ind.cells.get('level1') or ind.cells.get('name', '')}“{ind.level1 or '（空）'}”")
    if unknown:
        labels = "、".join(c.label for c in profile.categories)
        raise JixiaoError(f"以下指标行的一级指标不是规则“{profile.name}”中的一级指标（{labels}），无法写入模板："
                          f"{'、'.join(unknown[:8])}{' 等' if len(unknown) > 8 else ''}；可用 --profile 指定其他规则")
    return form


def _same(a, b) -> bool:
    if is_blank(a) and is_blank(b):
        return True
    if isinstance(a, str) and is_number(b) or isinstance(b, str) and is_number(a):   # "74.68%" and 0.7468
        a, b = (to_number(x) if isinstance(x, str) else x for x in (a, b))
    if is_number(a) and is_number(b):
        return abs(float(a) - float(b)) < 1e-9
    return str(a).strip() == str(b).strip()


def not_kept(src: Form, back: Form, keep_scores: bool) -> list[str]:
    """What the form held that the written template does not: one Chinese line each."""
    out = []
    for key, value in src.header.items():
        if not is_blank(value) and not _same(value, back.header.get(key)):
            out.append(f"表头“{HEADER_NAMES.get(key, key)}”（{src.cells.get('header.' + key, '')}）“{value}”：模板中没有这一栏")
    for key, value in src.texts.items():
        if str(value or "").strip() and not _same(value, back.texts.get(key)):
            out.append(f"“{TEXT_NAMES.get(key, key)}”（{src.cells.get('texts.' + key, '')}）：模板中没有这一栏")
    rows = {r.key: r for r in back.funds}
    for fr in src.funds:
        got = rows.get(fr.key)
        for f, label in (("initial", "年初预算数"), ("budget", "全年预算数"), ("executed", "全年执行数")):
            value = getattr(fr, f)
            if not is_blank(value) and (got is None or not _same(value, getattr(got, f))):
                out.append(f"资金“{fr.label or fr.key}”的{label}（{fr.cells.get(f, '')}）{value}：模板中没有这一行")
    if not is_blank(src.funds_weight) and src.funds and not _same(src.funds_weight, back.funds_weight):
        out.append(f"预算执行率分值（{src.cells.get('funds_weight', '')}）{src.funds_weight}")
    for key, value in src.amounts.items():
        if key in SZ_OUTPUTS and back.amounts.get(key) is None:
            continue                      # computed by the template's formula from the amounts kept
        if not is_blank(value) and not _same(value, back.amounts.get(key)):
            out.append(f"金额 {key}（{src.cells.get('amounts.' + key, '')}）{value}")
    names = {(s.name, s.budget, s.actual) for s in back.subitems}
    for s in src.subitems:
        if (s.name, s.budget, s.actual) not in names and not any(
                _same(s.name, n) and _same(s.budget, b) and _same(s.actual, a) for n, b, a in names):
            out.append(f"子项“{s.name}”（{s.cells.get('name', '')}）")
    fields = ["level2", "name", "target", "actual", "weight", "explanation", "level"]
    if keep_scores:
        fields.append("reported_score")
    for i, ind in enumerate(src.indicators):
        other = back.indicators[i] if i < len(back.indicators) else None
        for f in fields:
            value = getattr(ind, f)
            if f == "weight" and ind.shares_weight:
                continue
            if not is_blank(value) and (other is None or not _same(value, getattr(other, f))):
                out.append(f"第{i + 1}个指标“{ind.name}”的 {f}（{ind.cells.get(f, ind.cells.get('name', ''))}）“{value}”")
    if keep_scores:
        for key in ("exec_rate", "exec_score", "total", "grade"):
            value = src.reported.get(key)
            if not is_blank(value) and not _same(value, back.reported.get(key)):
                out.append(f"表内的{ {'exec_rate': '执行率', 'exec_score': '执行率得分', 'total': '总分', 'grade': '等级'}[key]}"
                           f"（{src.cells.get(key, '')}）“{value}”")
    return out


def write_template(rf: ReadForm, target: Path, overwrite: bool, keep_scores: bool = True,
                   form: Form | None = None, profile: Profile | None = None) -> list[str]:
    """Build `form` (default: the form read) into `target`; returns what was not kept."""
    form = buildable(form or rf.form, profile or rf.profile)
    prof = profile or rf.profile
    if not keep_scores:
        form = replace(form, reported={}, indicators=[replace(i, reported_score=None) for i in form.indicators])
    build_workbook(prof, form, "native", typed_scores=keep_scores).save(target, overwrite=overwrite)
    back, _ = read_form_and_profile(target)
    lost = not_kept(form, back, keep_scores)
    lost += [f"{at}“{text}”：表头识别时未能放置" for at, text in rf.reading.unplaced]
    return lost


def import_file(path: Path, out: Path, profile: str | None, overwrite: bool, keep_scores: bool) -> list[tuple[Path, ReadForm, list[str]]]:
    forms = read_forms(path, profile=profile)
    plans = []
    for rf in forms:
        buildable(rf.form, rf.profile)
        name = output_name(rf.profile, rf.form, {})
        if len(forms) > 1:        # the sheet's name comes from the file: made safe like any name
            name = safe_name(f"{name[:-5]}（{rf.reading.sheet}）", ".xlsx")
        plans.append((rf, out / name))
    _check_output(out, [t for _, t in plans], overwrite)
    if not overwrite:
        refuse_existing(out, [t for _, t in plans])
    return [(target, rf, write_template(rf, target, overwrite, keep_scores)) for rf, target in plans]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jixiao import",
                                     description="把任意样式的绩效自评表（.xlsx/.xls/.et/.ods）转成 jixiao 模板（按识别出的规则），"
                                                 "保留表内全部内容；原表的得分作为手填得分写入，校验时与规则比较")
    parser.add_argument("paths", nargs="+", type=Path, metavar="FILE", help="要转换的自评表文件")
    parser.add_argument("--out", type=Path, required=True, help="输出文件夹")
    parser.add_argument("--profile", help="指定规则：名称，或本地区规则配置文件的路径（默认按表头识别）")
    parser.add_argument("--force", action="store_true", help="替换输出文件夹中的同名文件（默认不覆盖）")
    parser.add_argument("--drop-scores", action="store_true", help="不保留原表的得分、总分和等级（全部由模板公式计算）")
    args = parser.parse_args(argv)
    code = 0
    try:
        profile = profile_argument(args.profile) if args.profile else None
    except JixiaoError as exc:
        print(f"错误：{printable(str(exc))}", file=sys.stderr)
        return 2
    for path in args.paths:
        try:
            done = import_file(path, args.out, profile, args.force, not args.drop_scores)
        except (JixiaoError, FileExistsError) as exc:
            print(printable(f"错误：{exc if isinstance(exc, JixiaoError) and exc.where else f'{path}：{exc}'}"),
                  file=sys.stderr)
            code = 2
            continue
        for target, rf, lost in done:
            print(printable(f"{target}\n  来自 {path}{'［' + rf.reading.sheet + '］' if rf.reading.sheet and len(done) > 1 else ''}："
                            f"{rf.reading.reason}"))
            if lost:
                code = max(code, 1)
                print(f"  以下 {len(lost)} 项未能写入模板：")
                for line in lost:
                    print(printable(f"    {line}"))
            else:
                print("  表内内容已全部写入模板。")
    return code


if __name__ == "__main__":
    sys.exit(main())
