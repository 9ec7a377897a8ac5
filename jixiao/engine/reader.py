"""Read a filled jixiao workbook into a `Form`, by its defined names only.

Every value is found through a workbook-level defined name of the contract (`jixiao.engine.contract`):
JX_PROFILE and JX_YEAR on the hidden sheet 参数, the profile's header fields and text blocks
(JX_<KEY>), the funds rows (JX_FUNDS_*) or the Suzhou amounts (JX_SZ_*, JX_SUB_*), the indicator grid
columns (JX_IND_*, each spanning every grid row) and the totals. No fixed coordinates: inserted rows
and regional layouts work as long as the names point at the right cells.

How cells are read
    The package is opened by `jixiao.engine.safeopen` (file type by magic bytes, zip-bomb and size limits)
    and only the parts the names point to are parsed: workbook.xml, its relationships, the shared
    strings and the sheets that hold named cells. The XML is parsed with pyexpat under defusedxml's
    protections (no DTD, no entities); macros are never read, let alone run.
    A cell holding a formula is *computed*: our templates carry formulas without cached values. An
    output cell (得分, 总分, 等级, 执行率 ...) holding a formula is therefore not a reported value;
    one holding a plain constant is what the user typed, kept in `Indicator.reported_score` and
    `Form.reported` for the validator to compare with the rules. An input cell holding a user's own
    formula is read from its cached value when the file has one (saved by Excel/WPS), else blank.
    Three computed inputs are recomputed here: the funds total row (Σ of its sub rows), the Suzhou
    预算执行率 actual (`engine.budget_rate`) and equal-split weights (`engine.equal_split`).

Merged cells in the grid
    一级/二级 labels (and any text column) of a row that is part of a merge read the merge's value;
    a blank label also continues the label of the row above. A 分值 cell merged over several rows
    makes those rows share one 分值 (`Indicator.shares_weight` on the rows after the first); 得分
    cells merge the same way. Rows with nothing of their own in 指标名称, 指标值, 完成值 and 分值 are
    skipped (the template's spare rows).

Where values came from is kept in the `.cells` dicts as "Sheet!B13", for messages.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .contract import field_name
from .scoring import budget_rate, equal_split
from .errors import JixiaoError, WorkbookError
from .excel import is_blank, is_number, xround
from .model import Form, FundsRow, Indicator, SubItem
from .nature import compose
from .profiles import Profile, load_profile
from .safeopen import (  # noqa: F401 - col_number is part of this module's interface
    CELL_RE,
    LIMITS,
    Limits,
    Package,
    col_number,
    expat_parser,
    limit_error,
    local_name as _local,
    parse_relationships,
    parse_xml,
)

NOT_OURS = "不是 jixiao 生成的绩效自评表"
#: The fiscal years a form may carry (JX_YEAR), as fill accepts them.
YEARS = (2000, 2100)

_REL_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_REL_ID_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships}id"


# Cell references --------------------------------------------------------------------------------

_CELL_RE = CELL_RE
_REF_RE = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!\[\]]+))!(\$?[A-Za-z]{1,3}\$?[0-9]{1,7})(?::(\$?[A-Za-z]{1,3}\$?[0-9]{1,7}))?$")


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


_CELL_CACHE: dict[str, tuple[int, int]] = {}   # "B13" -> (13, 2): the same few hundred refs in every form
_REF_CACHE: dict[str, tuple] = {}               # a defined name's text -> (sheet, r1, c1, r2, c2), likewise


def parse_cell(ref: str) -> tuple[int, int]:
    hit = _CELL_CACHE.get(ref)
    if hit is not None:
        return hit
    m = _CELL_RE.fullmatch(ref)
    if not m:
        raise ValueError(ref)
    at = int(m.group(2)), col_number(m.group(1))
    if len(_CELL_CACHE) < 100_000:
        _CELL_CACHE[ref] = at
    return at


@dataclass(frozen=True)
class Ref:
    """A defined name's target: one rectangle on one sheet."""

    name: str
    sheet: str
    r1: int
    c1: int
    r2: int
    c2: int

    def addr(self, row: int | None = None, col: int | None = None) -> str:
        return f"{self.sheet}!{col_letters(col or self.c1)}{row or self.r1}"

    @property
    def text(self) -> str:
        first = f"{col_letters(self.c1)}{self.r1}"
        last = f"{col_letters(self.c2)}{self.r2}"
        return f"{self.sheet}!{first}" + ("" if first == last else f":{last}")


# XML parts --------------------------------------------------------------------------------------

def _parse_workbook(path, data: bytes, limits: Limits = LIMITS):
    sheets: list[tuple[str, str, str]] = []   # (name, rel id, state)
    names: dict[str, str] = {}                 # workbook-level defined names, upper-cased
    state = {"name": None, "buf": [], "names": 0}

    def start(name, attrs):
        local = _local(name)
        if local == "sheet":
            rid = attrs.get(_REL_ID) or attrs.get(_REL_ID_STRICT) or ""
            sheets.append((attrs.get("name", ""), rid, attrs.get("state", "visible")))
            if len(sheets) > limits.max_sheets:
                raise limit_error(path, "max_sheets", len(sheets), limits=limits)
        elif local == "definedName":
            state["names"] += 1
            if state["names"] > limits.max_names:
                raise limit_error(path, "max_names", state["names"], limits=limits)
            scoped = attrs.get("localSheetId") is not None
            state["name"] = None if scoped else attrs.get("name", "")
            state["buf"] = []

    def end(name):
        if _local(name) == "definedName" and state["name"] is not None:
            names[state["name"].upper()] = "".join(state["buf"]).strip()
            state["name"] = None

    def chars(text):
        if state["name"] is not None:
            state["buf"].append(text)

    parser = expat_parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parse_xml(path, "xl/workbook.xml", data, parser)
    return sheets, names


def _parse_shared_strings(path, data: bytes, limits: Limits = LIMITS) -> list[str]:
    strings: list[str] = []
    in_si = in_t = False
    rph = 0
    buf: list[str] = []

    def start(name, attrs):
        nonlocal in_si, in_t, rph, buf
        local = name if ":" not in name else _local(name)
        if local == "t":
            if in_si and not rph:
                in_t = True
        elif local == "si":
            in_si, buf = True, []
            if len(strings) >= limits.max_cells:
                raise limit_error(path, "max_cells", len(strings) + 1, "共享字符串", limits)
        elif local == "rPh":
            rph += 1

    def end(name):
        nonlocal in_si, in_t, rph
        local = name if ":" not in name else _local(name)
        if local == "t":
            in_t = False
        elif local == "si":
            strings.append("".join(buf))
            in_si = False
        elif local == "rPh":
            rph -= 1

    def chars(text):
        if in_t:
            buf.append(text)

    parser = expat_parser(namespaces=False)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parse_xml(path, "xl/sharedStrings.xml", data, parser)
    return strings


def _parse_comments(path, part: str, data: bytes, keep) -> dict[str, str]:
    """Cell reference -> text of the comments (批注) in a comments part for which keep(text) holds."""
    out: dict[str, str] = {}
    st = {"ref": None, "t": False, "buf": []}

    def start(name, attrs):
        local = _local(name)
        if local == "comment":
            st["ref"], st["buf"] = attrs.get("ref", ""), []
        elif local == "t" and st["ref"] is not None:
            st["t"] = True

    def end(name):
        local = _local(name)
        if local == "t":
            st["t"] = False
        elif local == "comment" and st["ref"] is not None:
            text = "".join(st["buf"])
            if keep(text):
                out[st["ref"].replace("$", "").upper()] = text
            st["ref"] = None

    def chars(text):
        if st["t"]:
            st["buf"].append(text)

    parser = expat_parser(namespaces=False)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parse_xml(path, part, data, parser)
    return out


class SheetTooLarge(Exception):
    """A limit exceeded in a sheet: (the Limits field, what was found)."""


def new_budget() -> dict[str, int]:
    """What the sheets of one workbook have used of the per-workbook limits so far."""
    return {"cells": 0, "merges": 0, "merged": 0}


class Sheet:
    """The non-empty cells of one worksheet and its merged ranges."""

    def __init__(self, name: str):
        self.name = name
        self.cells: dict[tuple[int, int], tuple[Any, bool]] = {}  # (row, col) -> (value, is_formula)
        self.formulas: dict[tuple[int, int], str] = {}              # formula text, without "="
        self.merges: list[tuple[int, int, int, int]] = []
        self._merge_at: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        self._big: list[tuple[int, int, int, int]] = []

    def index_merges(self) -> None:
        for m in self.merges:
            r1, c1, r2, c2 = m
            if (r2 - r1 + 1) * (c2 - c1 + 1) <= 10_000:
                for r in range(r1, r2 + 1):
                    for c in range(c1, c2 + 1):
                        self._merge_at[(r, c)] = m
            else:
                self._big.append(m)

    def merge_of(self, row: int, col: int):
        m = self._merge_at.get((row, col))
        if m is not None:
            return m
        for m in self._big:
            if m[0] <= row <= m[2] and m[1] <= col <= m[3]:
                return m
        return None

    def own(self, row: int, col: int) -> tuple[Any, bool]:
        return self.cells.get((row, col), (None, False))

    def follower_of(self, row: int, col: int) -> tuple[int, int] | None:
        """The merge's top-left cell when (row, col) is inside a merge but not its top-left."""
        m = self.merge_of(row, col)
        if m is None or (m[0], m[1]) == (row, col):
            return None
        return m[0], m[1]


def _parse_sheet(path, part: str, name: str, data: bytes, shared: list[str] | None, limits: Limits,
                 budget: dict[str, int] | None = None) -> Sheet:
    """A sheet's XML, element by element (the handlers keep their state in closure variables: this is
    the hot loop of bulk validation). `budget` (new_budget()) carries the workbook's counts across its
    sheets: cells, merged ranges and the cells they cover are limited per workbook."""
    sheet = Sheet(name)
    cells, formulas, merges = sheet.cells, sheet.formulas, sheet.merges
    budget = budget if budget is not None else new_budget()
    row = col = rows = rph = 0
    r = ftext = collect = None
    t, formula, v, inline, in_is = "n", False, None, [], False
    max_rows = limits.max_rows
    max_cells = limits.max_cells - budget["cells"]    # what this sheet may still hold

    def start(qname, attrs):
        nonlocal row, col, rows, rph, r, ftext, collect, t, formula, v, inline, in_is
        local = qname if ":" not in qname else _local(qname)
        if local == "c":
            ref = attrs.get("r")
            if ref:
                r, col = ref, None                     # parsed only if the cell holds something
            else:
                if col is None:
                    col = _position(path, name, r)[1]
                col += 1
                r = None
            t, formula, v, inline, ftext = attrs.get("t", "n"), False, None, [], None
        elif local == "v":
            collect = []
        elif local == "f":
            formula = True
            ftext = collect = []
        elif local == "row":
            n = attrs.get("r")
            row = int(n) if n and n.isdigit() else row + 1
            col, r = 0, None
            rows += 1
            if rows > max_rows or row > max_rows:
                raise SheetTooLarge("max_rows", f"第 {max(row, rows):,} 行有内容")
        elif local == "is":
            in_is = True
        elif local == "rPh":
            rph += 1
        elif local == "t" and in_is and not rph:
            collect = inline
        elif local == "mergeCell":
            ref = attrs.get("ref", "")
            a, _, b = ref.partition(":")
            try:
                r1, c1 = parse_cell(a)
                r2, c2 = parse_cell(b) if b else (r1, c1)
            except ValueError:
                return
            budget["merges"] += 1
            budget["merged"] += (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
            if budget["merges"] > limits.max_merges:
                raise SheetTooLarge("max_merges", budget["merges"])
            if budget["merged"] > limits.max_merged_cells:
                raise SheetTooLarge("max_merged_cells", budget["merged"])
            merges.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))

    def end(qname):
        nonlocal collect, v, in_is, rph
        local = qname if ":" not in qname else _local(qname)
        if local == "c":
            if t == "inlineStr":
                value = "".join(inline) if inline or v is None else v
            elif v is None or (v == "" and t != "str"):
                value = None
            elif t == "s":
                try:
                    value = shared[int(v)] if shared is not None else None
                except (ValueError, IndexError):
                    raise WorkbookError(f"文件已损坏（工作表“{name}”引用了不存在的共享字符串 {v}）", where=str(path)) from None
            elif t == "b":
                value = v.strip() in ("1", "true")
            elif t in ("str", "e", "d"):
                value = v if t != "e" else _CellError(v)
            else:
                value = _number(v)
            if value is not None or formula:
                if len(cells) >= max_cells:
                    raise SheetTooLarge("max_cells", limits.max_cells - max_cells + len(cells) + 1)
                at = _position(path, name, r) if r else (row, col)
                if at[0] > max_rows:
                    raise SheetTooLarge("max_rows", f"第 {at[0]:,} 行有内容")
                cells[at] = (value, formula)
                if formula:
                    formulas[at] = "".join(ftext or ())
        elif local == "v":
            v = "".join(collect) if collect is not None else ""
            collect = None
        elif local == "f":
            collect = None
        elif local == "t":
            if collect is inline:
                collect = None
        elif local == "is":
            in_is = False
        elif local == "rPh":
            rph -= 1

    def chars(text):
        if collect is not None:
            collect.append(text)

    parser = expat_parser(namespaces=False)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    try:
        parse_xml(path, part, data, parser)
    except SheetTooLarge as exc:
        limit, found = exc.args
        where = f"工作表“{name}”" if limit == "max_rows" else ""
        raise limit_error(path, limit, found, where, limits) from None
    budget["cells"] += len(cells)
    sheet.index_merges()
    return sheet


def _position(path, sheet: str, ref: str) -> tuple[int, int]:
    try:
        return parse_cell(ref)
    except (ValueError, TypeError):
        raise WorkbookError(f"文件已损坏（工作表“{sheet}”中有无效的单元格地址 {ref}）", where=str(path)) from None


class _CellError(str):
    """A cell holding an error value (#DIV/0!, #REF! ...)."""


#: The largest magnitude a spreadsheet cell can hold (Excel: 9.99999999999999E+307).
EXCEL_MAX = 9.99999999999999e307


def cell_number(value):
    """A number as a cell can hold it: NaN, infinity and beyond ±9.99E+307 are #NUM!, as in Excel."""
    return value if abs(value) <= EXCEL_MAX else _CellError("#NUM!")   # NaN compares False


def _number(text: str):
    """A <v> of a numeric cell. What no spreadsheet can hold (NaN, infinity, beyond ±9.99E+307, a
    number of thousands of digits) reads as the error value #NUM!, as Excel shows an overflow."""
    text = text.strip()
    try:
        value = int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:   # also an integer of more digits than Python converts
        return text
    return cell_number(value)


# The workbook ------------------------------------------------------------------------------------

class Workbook:
    """Defined names and lazily parsed sheets of a package."""

    def __init__(self, package: Package):
        self.pkg = package
        self.path = package.path
        part = package.workbook_part
        self.base = posixpath.dirname(part)
        self.limits = package.limits
        self.budget = new_budget()
        sheets, self.names = _parse_workbook(self.path, package.read(part), self.limits)
        rels_part = posixpath.join(self.base, "_rels", posixpath.basename(part) + ".rels")
        rels = parse_relationships(package.read(rels_part), self.base, self.path) if package.has(rels_part) else {}
        self.sheet_parts: dict[str, str] = {}
        self.sheet_state: dict[str, str] = {}
        for name, rid, state in sheets:
            rel = rels.get(rid)
            if rel:
                self.sheet_parts[name] = rel[1]
                self.sheet_state[name] = state
        self.shared_part = next((t for typ, t in rels.values() if typ.endswith("/sharedStrings")), None)
        self._shared: list[str] | None = None
        self._sheets: dict[str, Sheet] = {}

    def jx_names(self) -> list[str]:
        return [n for n in self.names if n.startswith("JX_")]

    def shared(self) -> list[str]:
        if self._shared is None:
            part = self.shared_part
            self._shared = (_parse_shared_strings(self.path, self.pkg.read(part), self.limits)
                            if part and self.pkg.has(part) else [])
        return self._shared

    def _sheet_name(self, name: str) -> str | None:
        if name in self.sheet_parts:
            return name
        folded = name.casefold()
        return next((s for s in self.sheet_parts if s.casefold() == folded), None)

    def ref(self, name: str) -> Ref | None:
        """Where a workbook-level name points; None when the name is not defined."""
        refs = self.__dict__.setdefault("_refs", {})    # also on views that subclass Workbook
        key = name.upper()
        if key not in refs:
            refs[key] = self._ref(name)
        return refs[key]

    def _ref(self, name: str) -> Ref | None:
        text = self.names.get(name.upper())
        if text is None:
            return None
        if "#REF!" in text:
            raise WorkbookError(f"定义名称 {name} 指向的单元格已被删除（#REF!），请用 jixiao 重新生成模板后再填报",
                                where=str(self.path))
        target = _REF_CACHE.get(text)
        if target is None:
            m = _REF_RE.match(text.lstrip("="))
            if not m:
                raise WorkbookError(f"定义名称 {name} 的引用“{_clip(text)}”无法识别（应指向本工作簿的一个单元格区域）",
                                    where=str(self.path))
            sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
            r1, c1 = parse_cell(m.group(3))
            r2, c2 = parse_cell(m.group(4)) if m.group(4) else (r1, c1)
            target = (sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
            if len(_REF_CACHE) < 10_000:
                _REF_CACHE[text] = target
        sheet = target[0]
        real = self._sheet_name(sheet)
        if real is None:
            raise WorkbookError(f"定义名称 {name} 指向的工作表“{sheet}”不存在（可能已被删除或改名）",
                                where=str(self.path))
        ref = Ref(name, real, *target[1:])
        limits = getattr(self, "limits", LIMITS)
        cells = (ref.r2 - ref.r1 + 1) * (ref.c2 - ref.c1 + 1)
        if ref.r2 > limits.max_rows:
            raise limit_error(self.path, "max_rows", f"指向第 {ref.r2:,} 行", f"定义名称 {name}（{ref.text}）", limits)
        if cells > limits.max_cells:
            raise limit_error(self.path, "max_cells", cells, f"定义名称 {name}（{ref.text}）", limits)
        return ref

    def comments(self, name: str, keep) -> dict[str, str]:
        """"Sheet!A1" -> text of the sheet's cell comments for which keep(text) holds (views of a
        workbook open in Excel, which have no package, override this)."""
        if getattr(self, "pkg", None) is None:
            return {}
        part = self.sheet_parts[name]
        rels_part = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if not self.pkg.has(rels_part):
            return {}
        rels = parse_relationships(self.pkg.read(rels_part), posixpath.dirname(part), self.path)
        out: dict[str, str] = {}
        for typ, target in rels.values():
            if typ.endswith("/comments") and self.pkg.has(target):
                for ref, text in _parse_comments(self.path, target, self.pkg.read(target), keep).items():
                    out[f"{name}!{ref}"] = text
        return out

    def sheet(self, name: str) -> Sheet:
        sheet = self._sheets.get(name)
        if sheet is None:
            part = self.sheet_parts[name]
            data = self.pkg.read(part)
            shared = self.shared() if b't="s"' in data else None
            sheet = self._sheets[name] = _parse_sheet(self.path, part, name, data, shared, self.limits, self.budget)
        return sheet


# Reading the form --------------------------------------------------------------------------------

GRID = {
    "level1": "JX_IND_L1", "level2": "JX_IND_L2", "name": "JX_IND_NAME", "target": "JX_IND_TARGET",
    "actual": "JX_IND_ACTUAL", "weight": "JX_IND_WEIGHT", "score": "JX_IND_SCORE",
    "explanation": "JX_IND_REASON", "direction": "JX_IND_DIRECTION", "target_value": "JX_IND_TVALUE",
    "actual_value": "JX_IND_AVALUE", "level": "JX_IND_LEVEL", "nature": "JX_IND_NATURE", "unit": "JX_IND_UNIT",
    "deduction": "JX_IND_DEDUCTION",
}
GRID_OPTIONAL = ("direction", "target_value", "actual_value", "level", "nature", "unit", "deduction")
COMPOSING = ("nature", "unit")  # 指标性质 / 度量单位: composed into the target and actual (jixiao.engine.nature)
GRID_TEXT = ("level1", "level2", "name", "explanation", "direction", "level")
FUNDS = {"label": "JX_FUNDS_LABEL", "initial": "JX_FUNDS_INITIAL", "budget": "JX_FUNDS_BUDGET",
         "executed": "JX_FUNDS_EXECUTED"}
SZ_AMOUNTS = {"initial": "JX_SZ_INITIAL", "adjustment": "JX_SZ_ADJUSTMENT", "appropriated": "JX_SZ_APPROPRIATED",
              "balance": "JX_SZ_BALANCE", "paid": "JX_SZ_PAID", "carry": "JX_SZ_CARRY",
              "carryover": "JX_SZ_CARRYOVER", "recovered": "JX_SZ_RECOVERED"}
SZ_OUTPUTS = ("balance", "carry")
SUBS = {"name": "JX_SUB_NAME", "budget": "JX_SUB_BUDGET", "actual": "JX_SUB_ACTUAL"}
REPORTED = {"exec_rate": "JX_EXEC_RATE", "exec_score": "JX_EXEC_SCORE", "total": "JX_TOTAL_SCORE", "grade": "JX_TOTAL_GRADE"}
# Names of workbooks made by jixiao 0.1 (they shadowed the JX_TOTAL / JX_GRADE worksheet functions)
OLD_NAMES = {"JX_TOTAL_SCORE": "JX_TOTAL", "JX_TOTAL_GRADE": "JX_GRADE"}


def required_names(profile: Profile) -> list[str]:
    """The names a workbook of this profile must have to be read (outputs and helper columns are
    optional: a missing one reads as blank)."""
    names = ["JX_PROFILE", "JX_YEAR"]
    national = profile.layout != "suzhou"
    names += [n for f, n in GRID.items() if f not in GRID_OPTIONAL and (national or f != "level2")]
    if national:
        names += [*FUNDS.values(), *(["JX_FUNDS_WEIGHT"] if profile.funds_scored else [])]
    else:
        names += [n for k, n in SZ_AMOUNTS.items() if k not in SZ_OUTPUTS] + list(SUBS.values())
    return names


def _input_value(value, formula: bool):
    """An input cell's value: a constant as typed; a user's formula by its cached value, if any."""
    if isinstance(value, _CellError):
        return None
    if formula and value == "":
        return None
    return value


def _literal(sheet: Sheet, at: tuple[int, int]):
    """A text typed with a leading "=" ("=5859平方米") that a writer stored as a formula without a
    value: in 指标值/完成值 cells the template has no formulas, so it is read back as the text."""
    text = sheet.formulas.get(at)
    return f"={text}" if text else None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _clip(text: str, at: int = 80) -> str:
    """A cell's text quoted in a message: one line, at most `at` characters."""
    text = " ".join(text.split())
    return text if len(text) <= at else text[:at] + "…"


def _has_input(field: str, value, formula: bool) -> bool:
    """Whether a grid cell holds something typed: a computed weight (formula) does not count."""
    if field == "weight":
        return not formula and not is_blank(value)
    return formula or not is_blank(value)


class _FormReader:
    def __init__(self, wb: Workbook, profile: str | None = None):
        self.wb = wb
        self.path = wb.path
        self.override = profile      # a profile name chosen on the command line (--profile)

    def fail(self, message: str) -> WorkbookError:
        return WorkbookError(message, where=str(self.path))

    # cells -----------------------------------------------------------------------------------
    def cell(self, ref: Ref, row: int | None = None, col: int | None = None) -> tuple[Any, bool, str]:
        """(value, is_formula, address) of a cell; a cell inside a merge reads the merge's value."""
        row, col = row or ref.r1, col or ref.c1
        sheet = self.wb.sheet(ref.sheet)
        value, formula = sheet.own(row, col)
        if value is None and not formula:
            top = sheet.follower_of(row, col)
            if top:
                value, formula = sheet.own(*top)
        return value, formula, ref.addr(row, col)

    def single(self, name: str):
        ref = self.wb.ref(name)
        if ref is None:
            return None, False, ""
        return self.cell(ref)

    def rows(self, name: str) -> Ref | None:
        ref = self.wb.ref(name)
        if ref is not None and ref.c1 != ref.c2 and ref.r1 != ref.r2:
            raise self.fail(f"定义名称 {name} 应指向一列单元格，现为 {ref.text}")
        return ref

    # the whole form ----------------------------------------------------------------------------
    def read(self) -> Form:
        wb = self.wb
        if not wb.jx_names():
            raise self.fail(f"{NOT_OURS}：缺少定义名称 JX_PROFILE（工作簿中没有任何 JX_ 名称）。"
                            "请使用 jixiao 生成的模板填报，或用“jixiao fill”把数据填入模板")
        missing = [n for n in ("JX_PROFILE", "JX_YEAR") if n not in wb.names]
        if missing:
            raise self.fail(f"{NOT_OURS}：缺少定义名称 {'、'.join(missing)}")
        profile_name, _, where = self.single("JX_PROFILE")
        year_value, _, year_where = self.single("JX_YEAR")
        if is_blank(profile_name):
            raise self.fail(f"{NOT_OURS}：{where}（JX_PROFILE）应为规则配置名称，现为空")
        try:
            year = float(str(year_value).strip())
            if not (year.is_integer() and YEARS[0] <= year <= YEARS[1]):
                raise ValueError(year)
            year = int(year)
        except (TypeError, ValueError, OverflowError):
            raise self.fail(f"{year_where}（JX_YEAR）应为年度（{YEARS[0]}—{YEARS[1]}），如 2024，"
                            f"现为“{_clip(_text(year_value))}”") from None
        if self.override:
            profile_name = self.override
        try:
            profile = load_profile(str(profile_name).strip(), year)
        except JixiaoError as exc:
            raise self.fail(f"工作簿使用的规则配置“{_clip(str(profile_name))}”无法加载：{exc}") from None
        missing = [n for n in required_names(profile) if n not in wb.names]
        if missing:
            raise self.fail(f"{NOT_OURS}：缺少定义名称 {'、'.join(missing)}（可能被删除或改名）；"
                            "请使用 jixiao 生成的模板填报")
        form = Form(profile=str(profile_name).strip(), year=year, source=str(self.path))
        form.cells["profile"], form.cells["year"] = where, year_where
        self.profile = profile
        self.read_fields(form)
        if profile.layout == "suzhou":
            self.read_suzhou(form)
        else:
            self.read_funds(form)
        self.read_grid(form)
        self.read_reported(form)
        self.read_params(form)
        self.read_comments(form)
        return form

    def read_comments(self, form: Form) -> None:
        """Comments addressed to jixiao (waivers "jixiao: 忽略 I11 原因……") on the sheets read."""
        for name in list(self.wb._sheets):
            form.comments.update(self.wb.comments(name, lambda text: "jixiao" in text.lower()))

    def read_params(self, form: Form) -> None:
        """The profile numbers the template's formulas use (hidden sheet 参数), to compare with the
        profile: single JX_P_* cells, and the qualitative levels' scores as a list."""
        for name in self.wb.names:
            if not (name.startswith("JX_P_") or name == "JX_MODE"):
                continue
            ref = self.wb.ref(name)
            if ref is None:
                continue
            if (ref.r1, ref.c1) == (ref.r2, ref.c2):
                value, _, addr = self.cell(ref)
                form.params[name], form.cells[f"params.{name}"] = value, addr
            elif name == "JX_P_LEVEL_SCORE":
                form.params[name] = [self.cell(ref, r, ref.c1)[0] for r in range(ref.r1, ref.r2 + 1)]
                form.cells[f"params.{name}"] = ref.addr()

    def read_fields(self, form: Form) -> None:
        for spec in self.profile.data.get("header") or []:
            key = spec["key"]
            value, formula, addr = self.single(field_name(key))
            if addr:
                form.cells[f"header.{key}"] = addr
                value = _input_value(value, formula)
                form.header[key] = value.strip() if isinstance(value, str) else value
            else:
                form.header[key] = None
        for spec in self.profile.data.get("texts") or []:
            key = spec["key"]
            value, formula, addr = self.single(field_name(key))
            if addr:
                form.cells[f"texts.{key}"] = addr
            form.texts[key] = _text(_input_value(value, formula)).strip()

    def read_funds(self, form: Form) -> None:
        refs = {k: self.rows(n) for k, n in FUNDS.items()}
        base = refs["label"]
        for k, ref in refs.items():
            if (ref.r2 - ref.r1) != (base.r2 - base.r1):
                raise self.fail(f"定义名称 {FUNDS[k]}（{ref.text}）与 JX_FUNDS_LABEL（{base.text}）的行数不一致")
        keys = [r.get("key") for r in (self.profile.data.get("funds") or {}).get("rows") or []]
        formulas: dict[tuple[int, str], bool] = {}
        for i in range(base.r2 - base.r1 + 1):
            row = FundsRow(key=keys[i] if i < len(keys) else f"row{i + 1}", label="")
            for k, ref in refs.items():
                value, formula, addr = self.cell(ref, ref.r1 + i)
                row.cells[k] = addr
                formulas[(i, k)] = formula
                value = _input_value(value, formula)
                if k == "label":
                    row.label = _text(value).strip()
                else:
                    setattr(row, k, value)
            form.funds.append(row)
        # A total-row formula without a cached value is the sum of the sub rows.
        if form.funds:
            total = form.funds[0]
            for k in ("initial", "budget", "executed"):
                if formulas.get((0, k)) and getattr(total, k) is None:
                    subs = [getattr(r, k) for r in form.funds[1:] if is_number(getattr(r, k))]
                    setattr(total, k, xround(sum(float(v) for v in subs), 6) if subs else None)
        if not self.profile.funds_scored:   # the form shows the rate only: no 分值 to read
            return
        value, formula, addr = self.single("JX_FUNDS_WEIGHT")
        form.cells["funds_weight"] = addr
        form.funds_weight = _input_value(value, formula)
        if form.funds_weight is None:
            form.funds_weight = self.profile.funds_weight if formula else None

    def read_suzhou(self, form: Form) -> None:
        for key, name in SZ_AMOUNTS.items():
            value, formula, addr = self.single(name)
            if not addr:
                continue
            form.cells[f"amounts.{key}"] = addr
            if key in SZ_OUTPUTS and formula:
                form.amounts[key] = None        # computed by the template
            else:
                form.amounts[key] = _input_value(value, formula)
        refs = {k: self.rows(n) for k, n in SUBS.items()}
        base = refs["name"]
        for i in range(base.r2 - base.r1 + 1):
            item = SubItem(name="")
            got = {}
            for k, ref in refs.items():
                if i > ref.r2 - ref.r1:
                    continue
                value, formula, addr = self.cell(ref, ref.r1 + i)
                item.cells[k] = addr
                got[k] = _input_value(value, formula)
            if all(is_blank(v) for v in got.values()):
                continue
            item.name = _text(got.get("name")).strip()
            item.budget, item.actual = got.get("budget"), got.get("actual")
            form.subitems.append(item)
        for key, name in (("sub_total_budget", "JX_SUB_TOTAL_BUDGET"), ("sub_total_actual", "JX_SUB_TOTAL_ACTUAL"),
                          ("exec_rate", "JX_SZ_EXEC_RATE")):
            value, formula, addr = self.single(name)
            if addr:
                form.cells[key] = addr
                if not formula and not is_blank(value):
                    form.reported[key] = value

    def read_grid(self, form: Form) -> None:
        refs: dict[str, Ref] = {}
        for f, name in GRID.items():
            ref = self.rows(name)
            if ref is not None:
                refs[f] = ref
        base = refs["name"]
        for f, ref in refs.items():
            if ref.c1 != ref.c2 or ref.sheet != base.sheet or (ref.r1, ref.r2) != (base.r1, base.r2):
                raise self.fail(f"定义名称 {GRID[f]}（{ref.text}）应与 JX_IND_NAME（{base.text}）"
                                "位于同一工作表的相同行")
        sheet = self.wb.sheet(base.sheet)
        cols = {f: ref.c1 for f, ref in refs.items()}
        last = {"level1": "", "level2": ""}
        weight_formulas: list[int] = []
        for row in range(base.r1, base.r2 + 1):
            own = {f: sheet.own(row, c) for f, c in cols.items()}
            # A row nobody typed into is a spare row of the template, also where its weight is a
            # formula (Suzhou's equal split gives unnamed rows no weight either).
            if not any(_has_input(f, *own[f]) for f in ("name", "target", "actual", "weight") if f in own):
                continue
            ind = Indicator(level1="")
            values: dict[str, Any] = {}
            for f, c in cols.items():
                value, formula = own[f]
                ind.cells[f] = f"{base.sheet}!{col_letters(c)}{row}"
                top = sheet.follower_of(row, c) if value is None and not formula else None
                if f == "deduction" and top is not None and base.r1 <= top[0] < row and top[1] == c:
                    del ind.cells[f]     # merged over the group, like its score: read on the first row
                    continue
                if f in ("weight", "score"):
                    if top is not None and base.r1 <= top[0] < row and top[1] == c:
                        if f == "weight":
                            ind.shares_weight = True
                        del ind.cells[f]
                        continue
                    if f == "score":
                        if not is_blank(value) and not isinstance(value, _CellError):
                            if formula:  # the result cached when a spreadsheet last saved the file
                                ind.shown_score = value
                            else:
                                ind.reported_score = value
                        continue
                    if formula and (value is None or value == ""):
                        weight_formulas.append(len(form.indicators))
                elif top is not None:
                    value, formula = sheet.own(*top)
                if formula and f in ("target", "actual", "name") and (value is None or value == ""):
                    value, formula = _literal(sheet, top or (row, c)), False
                values[f] = _input_value(value, formula)
            for f in ("level1", "level2"):
                if f in values:
                    text = _text(values[f]).strip()
                    if not text:
                        text = last[f]
                    elif f == "level1" and text != last["level1"]:
                        last["level2"] = ""
                    last[f] = text
                    values[f] = text
            if any(f in values for f in COMPOSING):
                target, actual, direction = compose(values.pop("nature", None), values.get("target"),
                                                    values.pop("unit", None), values.get("actual"))
                values.update(target=target, actual=actual)
                if direction and not _text(values.get("direction")).strip():
                    values["direction"] = direction
            for f, value in values.items():
                setattr(ind, f, _text(value).strip() if f in GRID_TEXT else value)
            form.indicators.append(ind)
        self.fill_computed(form, weight_formulas)

    def fill_computed(self, form: Form, weight_formulas: list[int]) -> None:
        """Inputs our template computes with formulas: equal-split weights, the Suzhou 预算执行率."""
        if weight_formulas and self.profile.data.get("weights_mode") == "equal_split":
            spec = self.profile.data.get("equal_split") or {}
            for cat in self.profile.categories:
                fixed = {f.get("name"): f.get("weight") for f in cat.fixed_indicators}
                idx = [i for i, ind in enumerate(form.indicators) if self._category_key(ind) == cat.key
                       and not ind.shares_weight]
                free = [i for i in idx if form.indicators[i].name not in fixed]
                rest = cat.weight - sum(float(fixed[form.indicators[i].name]) for i in idx if i not in free)
                split = equal_split(rest, len(free), int(spec.get("decimals", 2)), spec.get("remainder", "middle"))
                for i, w in zip(free, split):
                    if i in weight_formulas:
                        form.indicators[i].weight = w
                for i in idx:
                    if i in weight_formulas and i not in free:
                        form.indicators[i].weight = float(fixed[form.indicators[i].name])
        rate_name = (self.profile.data.get("funds") or {}).get("rate_indicator")
        if self.profile.layout == "suzhou" and rate_name:
            ref = self.wb.ref("JX_IND_ACTUAL")
            sheet = self.wb.sheet(ref.sheet)
            for ind in form.indicators:
                if ind.name != rate_name or "actual" not in ind.cells:
                    continue
                row, col = parse_cell(ind.cells["actual"].rpartition("!")[2])
                value, formula = sheet.own(row, col)
                if formula:  # the template computes it, and uses it as the row's 完成值（数值）too
                    ind.actual = ind.actual_value = budget_rate(form.amounts, self.profile)
                    ind.cells["actual_formula"] = ind.cells["actual"]

    def _category_key(self, ind: Indicator) -> str | None:
        try:
            return self.profile.category(ind.level1).key
        except JixiaoError:
            return None

    def read_reported(self, form: Form) -> None:
        _, _, form.cells["total_weight"] = self.single("JX_TOTAL_WEIGHT")  # where the sum of 分值 is shown
        for key, name in REPORTED.items():
            if name not in self.wb.names and OLD_NAMES.get(name) in self.wb.names:
                name = OLD_NAMES[name]
            value, formula, addr = self.single(name)
            if not addr:
                continue
            form.cells[key] = addr
            if not is_blank(value) and not isinstance(value, _CellError):
                (form.shown if formula else form.reported)[key] = value.strip() if isinstance(value, str) else value


def read_form(path, limits: Limits = LIMITS) -> Form:
    """Read a filled jixiao workbook (.xlsx/.xlsm) into a Form. Raises WorkbookError (Chinese message
    naming the file) for anything that is not a readable jixiao form."""
    return read_form_and_profile(path, limits)[0]


def read_form_and_profile(path, limits: Limits = LIMITS) -> tuple[Form, Profile]:
    """The form and the rule profile its JX_PROFILE / JX_YEAR name."""
    with Package(Path(path), limits) as pkg:
        reader = _FormReader(Workbook(pkg))
        form = reader.read()
        return form, reader.profile
