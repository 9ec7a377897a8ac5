"""The main job: the fiscal year's self-evaluation workbooks, one template per profile, the two seeds'
forms filled in as examples, the jixiao add-in, and (from a checkout) jixiao's wheel with an offline
wheelhouse for Windows (`build_templates.py`, `jixiao build`).

    python build_templates.py                      # this year, every profile, native formulas -> dist/<year>/
    python build_templates.py --year 2027 --profile national zhuzhou --formulas udf --out out/
    python build_templates.py --no-wheelhouse      # no network: the wheel, but no dist/wheelhouse
                                                   # (or JIXIAO_NO_WHEELHOUSE=1 in the environment)
"""
from __future__ import annotations

import argparse
import os
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


#: Set to 1 (or yes/true/on) where there is no network: the main job then skips the wheelhouse.
NO_WHEELHOUSE_ENV = "JIXIAO_NO_WHEELHOUSE"


def no_wheelhouse_env() -> bool:
    return os.environ.get(NO_WHEELHOUSE_ENV, "").strip().lower() in ("1", "yes", "true", "on")


def package(out: Path, wheelhouse: bool = True, log=print) -> list[Path]:
    """The packaging step (jixiao.wheels): ``out/jixiao-<version>-py3-none-any.whl`` and, unless
    ``wheelhouse`` is False, ``out/wheelhouse/`` for Windows x64. Nothing when jixiao runs installed
    (there are no sources to build from). A wheelhouse not remade for this wheel is removed."""
    from jixiao import wheels

    if wheels.source_root() is None:
        log("跳过 wheel 和离线安装包：这里运行的是已安装的 jixiao（没有源码）；它们由 jixiao 源码文件夹中的 bash scripts/main.sh 生成")
        return []
    wheel = wheels.build_wheel(out)
    log(f"wheel  {wheel}")
    house = out / wheels.WHEELHOUSE
    stale = f"已删除过期的离线安装包 {house}（其中的 jixiao 与新生成的 wheel 不同）"
    if not wheelhouse:
        if wheels.drop_if_stale(house, wheel):
            log(stale)
        return [wheel]
    try:
        wheels.build_wheelhouse(wheel, house, log=log)
    except wheels.PackagingError as exc:
        if wheels.drop_if_stale(house, wheel):
            log(stale)
        raise wheels.PackagingError(f"未能生成离线安装包 {house}：{exc.message}\n"
                                    f"离线安装包要联网下载依赖；不联网时加 --no-wheelhouse（或设环境变量 {NO_WHEELHOUSE_ENV}=1）跳过这一步。",
                                    unreachable=exc.unreachable) from None
    count = len(list(house.glob("*.whl")))
    log(f"离线安装包 {house}（{count} 个 wheel：Windows x64，Python {'、'.join(wheels.WINDOWS_PYTHONS)}；说明见其中的 {wheels.README}）")
    return [wheel]


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
                                     description="生成某一年度的项目支出绩效自评表模板、示例和加载项，以及 jixiao 的安装包")
    parser.add_argument("--year", type=int, default=default_year(), help="年度（默认今年）")
    parser.add_argument("--profile", nargs="+", action="extend",
                        help=f"规则配置名称或文件路径，可多个（默认全部：{'、'.join(available_profiles())}）")
    parser.add_argument("--out", type=Path, default=Path("dist"), help="输出目录（默认 dist）")
    parser.add_argument("--formulas", choices=MODES, default="native",
                        help="native：普通公式，任何表格软件都能计算（默认）；udf：调用 JX_ 函数（需加载项）")
    parser.add_argument("--no-examples", action="store_true", help="不生成示例表（templates/examples/ 中的 YAML 数据填好的表）")
    parser.add_argument("--no-addin", action="store_true", help="不生成加载项和宏模板")
    parser.add_argument("--no-wheelhouse", action="store_true",
                        help=f"不下载依赖、不生成离线安装包 wheelhouse（不需要联网；jixiao 的 wheel 照常生成）。"
                             f"也可设环境变量 {NO_WHEELHOUSE_ENV}=1")
    parser.add_argument("--no-wheel", action="store_true",
                        help="不生成 jixiao 的 wheel 和离线安装包（输出目录中已有的保持不变）")
    args = parser.parse_args(argv)
    if not 2000 <= args.year <= 2100:
        print(f"错误：年度“{args.year}”不合理，应在2000至2100之间", file=sys.stderr)
        return 2
    from jixiao.wheels import PackagingError

    files: list[Path] = []
    try:
        files = build(args.year, args.profile or available_profiles(), args.out, args.formulas,
                      examples=not args.no_examples, addin=not args.no_addin)
        if not args.no_wheel:
            files += package(args.out, wheelhouse=not (args.no_wheelhouse or no_wheelhouse_env()))
    except PackagingError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        print(f"其余文件已生成（{args.out}）。", file=sys.stderr)
        return 2
    except JixiaoError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(f"完成：共生成 {len(files)} 个文件，位于 {args.out}{'/' if not str(args.out).endswith('/') else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
