"""The main job: the fiscal year's self-evaluation workbooks, one template per profile, the two seeds'
forms filled in as examples, and the jixiao add-in (`build_templates.py`, `jixiao build`).

    python build_templates.py                      # this year, every profile, native formulas -> dist/<year>/
    python build_templates.py --year 2027 --profile national zhuzhou --formulas udf --out out/
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent / "examples"


def build(year: int, profiles: list[str], out: Path, mode: str, examples: bool = True, addin: bool = True,
          log=print) -> list[Path]:
    from .builder import build_workbook
    from .fill import fill
    from jixiao.engine.profiles import load_profile, profile_argument

    out_year = out / str(year)
    written: list[Path] = []
    profiles = list(dict.fromkeys(profile_argument(p) for p in profiles))  # a file path the user typed, or a name
    loaded = [load_profile(name, year) for name in profiles]  # fail on a bad profile before writing
    names = _template_names(profiles, loaded)
    for prof, name in zip(loaded, names):
        path = build_workbook(prof, mode=mode).save(out_year / name)
        written.append(path)
        log(f"模板  {path}")
    if examples:  # regenerating dist is this script's job: the examples are replaced
        for path in fill(sorted(EXAMPLES.glob("*.yaml")), out_year / "示例", mode=mode, overwrite=True):
            written.append(path)
            log(f"示例  {path}")
    if addin:
        try:
            from jixiao.addin.build import build_addin, make_macro_enabled
        except ImportError as exc:  # the add-in builder is optional only while it is being written
            log(f"跳过加载项（{exc}）")
        else:
            xlam = build_addin(out / "addin")
            written.append(xlam)
            log(f"加载项 {xlam}")
            for template in written[: len(loaded)]:
                xlsm = make_macro_enabled(template, template.with_suffix(".xlsm"))
                written.append(xlsm)
                log(f"宏模板 {xlsm}")
    return written


def _template_names(given: list[str], loaded: list) -> list[str]:
    """Each profile's template file name; two profiles must not write the same file (a copied profile
    that kept its file_name would silently replace the original's template)."""
    from jixiao.engine.errors import JixiaoError

    names: list[str] = []
    by_name: dict[str, str] = {}
    for arg, prof in zip(given, loaded):
        if not prof.data.get("file_name"):
            raise JixiaoError(f"规则配置“{arg}”缺少 file_name（生成的模板文件名）")
        name = f"{prof.data['file_name']}.xlsx"
        key = name.casefold()  # Windows: names differing only in case are one file
        if key in by_name:
            raise JixiaoError(f"规则配置“{by_name[key]}”和“{arg}”生成的文件名相同（{name}）：请修改其中一个的 file_name")
        by_name[key] = arg
        names.append(name)
    return names


def main(argv: list[str] | None = None) -> int:
    from .builder import MODES
    from jixiao.engine.errors import JixiaoError
    from jixiao.engine.profiles import available_profiles, default_year

    parser = argparse.ArgumentParser(prog="build_templates.py",
                                     description="生成某一年度的项目支出绩效自评表模板、示例和加载项")
    parser.add_argument("--year", type=int, default=default_year(), help="年度（默认今年）")
    parser.add_argument("--profile", nargs="+", action="extend",
                        help=f"规则配置名称或文件路径，可多个（默认全部：{'、'.join(available_profiles())}）")
    parser.add_argument("--out", type=Path, default=Path("dist"), help="输出目录（默认 dist）")
    parser.add_argument("--formulas", choices=MODES, default="native",
                        help="native：普通公式，任何表格软件都能计算（默认）；udf：调用 JX_ 函数（需加载项）")
    parser.add_argument("--no-examples", action="store_true", help="不生成示例表（templates/examples/ 中的 YAML 数据填好的表）")
    parser.add_argument("--no-addin", action="store_true", help="不生成加载项和宏模板")
    args = parser.parse_args(argv)
    if not 2000 <= args.year <= 2100:
        print(f"错误：年度“{args.year}”不合理，应在2000至2100之间", file=sys.stderr)
        return 2
    try:
        files = build(args.year, args.profile or available_profiles(), args.out, args.formulas,
                      examples=not args.no_examples, addin=not args.no_addin)
    except JixiaoError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"完成：共生成 {len(files)} 个文件，位于 {args.out}{'/' if not str(args.out).endswith('/') else ''}{args.year}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
