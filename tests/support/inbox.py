"""A reviewer's inbox of returned forms, for the tests of bulk validation and the summary workbook:
clean, warnings only, errors, unreadable, a duplicate, a blank one and planted implausible ones, with
the cell each planted problem must be found at."""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BASES = yaml.safe_load((ROOT / "tests" / "validation_cases" / "_bases.yaml").read_text(encoding="utf-8"))


def example(name: str) -> dict:
    return yaml.safe_load((ROOT / "templates" / "examples" / f"{name}.yaml").read_text(encoding="utf-8"))


def national(**changes) -> dict:
    data = copy.deepcopy(BASES["national"])
    for path, value in changes.items():
        node = data
        *parents, last = path.split(".")
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


def build(path: Path, data: dict) -> Path:
    from jixiao.templates.builder import build_workbook, save_workbook
    from jixiao.templates.fill import form_from_data
    data = copy.deepcopy(data)
    data.pop("file_name", None)
    profile, form = form_from_data(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    return save_workbook(build_workbook(profile, form, "native", typed_scores=True), path)


DOCKED = {f"indicators.{i}.{k}": v for i, w in ((0, 10), (2, 15), (3, 15), (4, 10), (5, 20), (7, 10))
          for k, v in (("reported_score", w * 0.9), ("explanation", "按惯例扣分"))}

#: file -> (data, what the run must find there: [(code, cell)] or a status)
PLANTED = {
    "01_全部通过.xlsx": national(),
    "02_仅有警告.xlsx": national(**{"header.project_name": "城区供水管网改造工程", "indicators.2.target": "≥60%"}),
    "03_株洲.xlsx": example("zhuzhou_2020"),
    "苏州/04_苏州.xlsx": example("suzhou_2021"),
    "05_统一扣分.xlsx": national(**{"header.project_name": "统一扣分项目", **DOCKED}),
    "06_执行率低满分.xlsx": national(**{"header.project_name": "执行率低项目", "funds.0.executed": 50,
                                     "funds.1.executed": 40, "funds.2.executed": 10}),
    "07_占位文字.xlsx": national(**{"header.project_name": "占位项目", "header.unit": "XX单位"}),
    "08_按元填写.xlsx": national(**{"header.project_name": "按元填写项目",
                                  "funds.0": {"key": "total", "label": "年度资金总额", "initial": 1000000,
                                              "budget": 1000000, "executed": 1000000},
                                  "funds.1": {"key": "current", "label": "其中：当年财政拨款", "initial": 800000,
                                              "budget": 800000, "executed": 800000},
                                  "funds.2": {"key": "carryover", "label": "上年结转资金", "initial": 200000,
                                              "budget": 200000, "executed": 200000}}),
    "09_空白表.xlsx": {"profile": "national", "year": 2024, "header": {"project_name": "空白项目"}},
}


def make_inbox(folder: Path) -> Path:
    """The inbox: PLANTED, a copy of the clean form under another name (X01), an old .xls (unreadable)
    and a report beside the forms (skipped)."""
    for name, data in PLANTED.items():
        build(folder / name, data)
    shutil.copyfile(folder / "01_全部通过.xlsx", folder / "10_重复报送.xlsx")
    (folder / "11_旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (folder / "说明.txt").write_text("不是表格", encoding="utf-8")
    return folder
