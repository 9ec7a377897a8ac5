"""Form layouts as data: templates/layouts/<name>.yaml, one file per printed form.

A layout says where every cell of a form goes: column widths, blocks of rows drawn top to bottom
(fixed rows of cells, the funds table, lists that grow with the form's data, the indicator grid,
the 填表说明 notes), labels, merges, styles and which defined name (jixiao.engine.contract) each
region gets. The template builder (jixiao.templates.builder) draws any layout with one generic
drawer; a profile names its layout (`layout:`). docs/layouts.md describes every key.

This module reads and checks a layout (every key known, every value of the right kind, a clear
Chinese message otherwise) and tells the profile loader which header and text keys a layout needs.
Layouts are chosen by name only, like profiles.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .data import data_path, parse_yaml
from .errors import JixiaoError

LAYOUT_DIR = data_path("jixiao.templates", "layouts")
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")
COLUMN = re.compile(r"[A-Z]{1,2}")

# The keys each part of a layout may have (anything else is refused, naming what was expected).
CELL_KEYS = {
    "col": "列（字母）", "to": "合并到的列", "down": "向下合并的行数", "style": "样式",
    "format": "数字格式", "name": "定义名称（JX_…）", "validate": "输入限制：amount | signed",
    "text": "固定文字（可含 {title} {year} {max_total} {funds_weight} {grid_weight}）", "label": "配置中的标签：header.KEY | texts.KEY",
    "field": "填写内容：header.KEY | texts.KEY | amounts.KEY", "default": "为空时的值：year",
    "item": "列表项的内容", "formula": "公式（{JX_名称} 为该名称的单元格）", "value": "公式的缓存值：amounts.KEY",
    "computed": "计算单元格：total_weight | total | grade",
}
ROW_KEYS = {"height": "最小行高（磅）", "cells": "单元格"}
BLOCK_KEYS = {
    "rows": "固定的行", "funds": "资金表", "list": "随数据增长的列表", "grid": "指标表", "notes": "填表说明",
}
FUNDS_KEYS = {"side": "左侧合并标签", "head": "表头行", "label": "行名称单元格", "columns": "各列位置（E 或 E:F）",
              "dash": "其中行在分值、执行率、得分列显示的文字", "foot": "资金行下面的行（如原因说明）"}
FUNDS_COLUMNS = ("initial", "adjustment", "budget", "executed", "weight", "rate", "score")
LIST_KEYS = {"of": "subitems | texts", "keys": "只列这些文字栏目（texts 的 key）", "min": "最少行数", "side": "左侧合并标签", "head": "表头行",
             "row": "每项一行", "foot": "合计行"}
GRID_KEYS = {"columns": "各列位置", "helper": "辅助列起始列", "head": "表头行单元格", "side": "左侧合并标签",
             "l1_label": "一级指标标签（{label} {weight}）", "reason_style": "说明列样式",
             "reason_needed": "说明列何时标红：below_weight | no_value"}
GRID_COLUMNS = ("l1", "l2", "name", "nature", "target", "unit", "actual", "weight", "score", "deduction", "reason")
GRID_REQUIRED = ("l1", "name", "target", "actual", "weight", "score", "reason")
SIDE_KEYS = {"col": "列", "text": "文字", "from": "自 head | first 行起（指标表）", "style": "样式"}
NOTES_KEYS = {"prefix": "前缀", "to": "合并到的列"}
TOP_KEYS = {"name": "表样名称", "description": "说明", "columns": "列宽", "print": "打印设置", "blocks": "各块"}
PRINT_KEYS = {"last": "打印区域的最后一列"}
COMPUTED = ("total_weight", "total", "grade")
VALIDATE = ("amount", "signed")
LIST_OF = ("subitems", "texts")


class LayoutError(JixiaoError):
    pass


def available_layouts() -> list[str]:
    return sorted(p.stem for p in LAYOUT_DIR.glob("*.yaml") if NAME_PATTERN.fullmatch(p.stem))


@lru_cache(maxsize=None)
def load_layout(name: str) -> dict:
    """The layout of that name, checked. Never a path: a name from the built-in folder."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name) or name not in available_layouts():
        raise LayoutError(f"未知的表样“{name}”；layout 可用：{'、'.join(available_layouts())}")
    path = LAYOUT_DIR / f"{name}.yaml"
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except Exception as exc:  # noqa: BLE001 - a broken data file gets a message, not a traceback
        raise LayoutError(f"表样文件 {path.name} 无法读取：{exc}") from None
    _check(data, path)
    return data


def required_keys(layout: dict) -> dict[str, list[str]]:
    """The profile header and text keys a layout's cells show ({"header": [...], "texts": [...]})."""
    out: dict[str, list[str]] = {"header": [], "texts": []}
    for cell in _cells(layout):
        for key in ("label", "field"):
            part, _, k = str(cell.get(key, "")).partition(".")
            if part in out and k not in out[part]:
                out[part].append(k)
    for b in layout["blocks"]:
        out["texts"] += [k for k in (b.get("list") or {}).get("keys") or () if k not in out["texts"]]
    return out


def has_funds(layout: dict) -> bool:
    return any("funds" in b for b in layout["blocks"])


def block(layout: dict, kind: str) -> dict | None:
    return next((b[kind] for b in layout["blocks"] if kind in b), None)


def _cells(layout: dict):
    for b in layout["blocks"]:
        kind, body = next(iter(b.items()))
        if kind == "rows":
            for row in body:
                yield from row["cells"]
        elif kind in ("funds", "grid"):
            yield from body.get("head") or ()
            yield from (body.get("foot") or {}).get("cells") or ()
        elif kind == "list":
            for part in ("head", "row", "foot"):
                yield from (body.get(part) or {}).get("cells") or ()


# ---------------------------------------------------------------------------------------------------
# Checking

def _fail(path: Path, where: str, message: str):
    raise LayoutError(f"表样文件 {path.name}（{where}）：{message}")


def _keys(path: Path, where: str, node, allowed: dict, required: tuple = ()) -> dict:
    if not isinstance(node, dict):
        _fail(path, where, "应为键值表")
    unknown = [k for k in node if k not in allowed]
    if unknown:
        _fail(path, where, f"未知的键 {'、'.join(map(str, unknown))}；可用的键：{'、'.join(allowed)}")
    missing = [k for k in required if k not in node]
    if missing:
        _fail(path, where, f"缺少 {'、'.join(missing)}")
    return node


def _col(path: Path, where: str, value) -> None:
    if not isinstance(value, str) or not COLUMN.fullmatch(value):
        _fail(path, where, f"列应为大写字母（如 B），而不是“{value}”")


def _cell(path: Path, where: str, cell) -> None:
    _keys(path, where, cell, CELL_KEYS, ("col",))
    _col(path, where, cell["col"])
    if "to" in cell:
        _col(path, where, cell["to"])
    if "down" in cell and not (isinstance(cell["down"], int) and 0 < cell["down"] < 50):
        _fail(path, where, "down 应为 1 到 49 的整数")
    sources = [k for k in ("text", "label", "field", "item", "formula", "computed") if k in cell]
    if len(sources) > 1:
        _fail(path, where, f"一个单元格只能有一种内容，而不是 {'、'.join(sources)}")
    for key, parts in (("label", ("header", "texts")), ("field", ("header", "texts", "amounts")),
                       ("value", ("amounts",))):
        if key in cell:
            part, _, k = str(cell[key]).partition(".")
            if part not in parts or not k:
                _fail(path, where, f"{key} 应写成 {' | '.join(p + '.KEY' for p in parts)}，而不是“{cell[key]}”")
    if "formula" in cell and not str(cell["formula"]).startswith("="):
        _fail(path, where, "公式应以 = 开头")
    if "computed" in cell and cell["computed"] not in COMPUTED:
        _fail(path, where, f"computed 可用：{'、'.join(COMPUTED)}")
    if "validate" in cell and cell["validate"] not in VALIDATE:
        _fail(path, where, f"validate 可用：{'、'.join(VALIDATE)}")
    if "default" in cell and cell["default"] != "year":
        _fail(path, where, "default 只能是 year")
    if "name" in cell and not re.fullmatch(r"JX_[A-Z0-9_]+", str(cell["name"])):
        _fail(path, where, f"定义名称应为 JX_ 开头的大写名称，而不是“{cell['name']}”")


def _row(path: Path, where: str, row) -> None:
    _keys(path, where, row, ROW_KEYS, ("cells",))
    if not isinstance(row["cells"], list):
        _fail(path, where, "cells 应为列表")
    for i, cell in enumerate(row["cells"], 1):
        _cell(path, f"{where} 第{i}格", cell)


def _side(path: Path, where: str, side) -> None:
    _keys(path, where, side, SIDE_KEYS, ("col", "text"))
    _col(path, where, side["col"])


def _check(data, path: Path) -> None:
    _keys(path, "全文", data, TOP_KEYS, ("name", "columns", "print", "blocks"))
    if data["name"] != path.stem:
        _fail(path, "name", f"应与文件名相同（{path.stem}）")
    if not isinstance(data["columns"], dict):
        _fail(path, "columns", "应为 列: 宽度")
    for col, width in data["columns"].items():
        _col(path, "columns", col)
        if not isinstance(width, (int, float)) or not 0 < width < 256:
            _fail(path, "columns", f"列 {col} 的宽度应为 0 到 255 之间的数")
    _keys(path, "print", data["print"], PRINT_KEYS, ("last",))
    _col(path, "print", data["print"]["last"])
    if not isinstance(data["blocks"], list) or not data["blocks"]:
        _fail(path, "blocks", "应为非空列表")
    grids = 0
    for n, b in enumerate(data["blocks"], 1):
        where = f"第{n}块"
        _keys(path, where, b, BLOCK_KEYS)
        if len(b) != 1:
            _fail(path, where, f"每块只有一个种类（{'、'.join(BLOCK_KEYS)}）")
        kind, body = next(iter(b.items()))
        where = f"第{n}块 {kind}"
        if kind == "rows":
            if not isinstance(body, list):
                _fail(path, where, "应为行的列表")
            for i, row in enumerate(body, 1):
                _row(path, f"{where} 第{i}行", row)
        elif kind == "funds":
            _keys(path, where, body, FUNDS_KEYS, ("side", "head", "label", "columns"))
            _side(path, f"{where} side", body["side"])
            for i, cell in enumerate(body["head"], 1):
                _cell(path, f"{where} head 第{i}格", cell)
            _cell(path, f"{where} label", body["label"])
            _keys(path, f"{where} columns", body["columns"], dict.fromkeys(FUNDS_COLUMNS, ""),
                  ("budget", "executed", "weight", "rate", "score"))
            for col in body["columns"].values():
                for part in str(col).split(":"):
                    _col(path, f"{where} columns", part)
            if "foot" in body:
                _row(path, f"{where} foot", body["foot"])
        elif kind == "list":
            _keys(path, where, body, LIST_KEYS, ("of", "row"))
            if body["of"] not in LIST_OF:
                _fail(path, where, f"of 可用：{'、'.join(LIST_OF)}")
            if "keys" in body and (body["of"] != "texts" or not isinstance(body["keys"], list)):
                _fail(path, where, "keys 只用于 of: texts，应为 key 的列表")
            if "side" in body:
                _side(path, f"{where} side", body["side"])
            for part in ("head", "row", "foot"):
                if part in body:
                    _row(path, f"{where} {part}", body[part])
        elif kind == "grid":
            grids += 1
            _keys(path, where, body, GRID_KEYS, ("columns", "helper", "head", "side", "l1_label", "reason_needed"))
            _keys(path, f"{where} columns", body["columns"], dict.fromkeys(GRID_COLUMNS, ""), GRID_REQUIRED)
            for col in [*body["columns"].values(), body["helper"]]:
                _col(path, f"{where} columns", col)
            if ("nature" in body["columns"]) != ("unit" in body["columns"]):
                _fail(path, f"{where} columns", "指标性质（nature）和度量单位（unit）两列须同时有或同时没有")
            for i, cell in enumerate(body["head"], 1):
                _cell(path, f"{where} head 第{i}格", cell)
            _side(path, f"{where} side", body["side"])
            if body["side"].get("from", "head") not in ("head", "first"):
                _fail(path, f"{where} side", "from 可用：head、first")
            if body["reason_needed"] not in ("below_weight", "no_value"):
                _fail(path, where, "reason_needed 可用：below_weight、no_value")
        elif kind == "notes":
            _keys(path, where, body, NOTES_KEYS, ("prefix", "to"))
            _col(path, where, body["to"])
    if grids != 1:
        _fail(path, "blocks", "应有且只有一个指标表（grid）")
