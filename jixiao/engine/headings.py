"""Read a 自评表 that jixiao did not make: by its printed labels, not by coordinates.

A finance bureau receives forms exported from the provincial budget system, typed into templates
circulated years ago, saved by old Excel or WPS. They carry no JX_ names. This module finds the form's
blocks on each worksheet by the words printed on it (`headings.yaml`, the one list of those words)
and reads them into the same `Form` the jixiao reader produces, with every `.cells` entry pointing at
the cell of the ORIGINAL workbook, so that every validation finding names the cell the user sees.

What is recognised, wherever it stands on the sheet
    title and 年度; header fields (项目名称, 主管部门 … "label: value" in one cell too); the funds block
    (a header row with at least two of 年初预算数 / 全年预算数 / 全年执行数, its columns in any order,
    with or without "(A)/(B)/(B/A)", rows 年度资金总额 or 合计 / 其中：当年（本年）财政拨款 / 上年结转 /
    其他资金 …); the goals block (预期目标 / 实际完成情况, text below or beside); the indicator grid (a
    header row, or two, with a name column, a target or actual column and a weight or score column, in
    any order). In the grid: merged 一级/二级 cells inherit downwards, and so do blank ones; "指标1：…"
    numbering is removed; spare rows (no name, "……") are skipped; a 分值 merged over rows, or left
    blank ("-") on a sub-row of the same 二级指标 with no score of its own, is shared with the row above;
    a row with a 分值/得分 but no name, target or actual is a parent row (subtotal of the rows below):
    its weight becomes the 一级's written weight (W02 compares) or the shared weight of children that
    have none. The 总分/合计 row gives the published total and 分值 sum, and an 等级 written in, beside
    or below it the published grade. The Suzhou form (amounts, 子项, 类别 grid) and the Sichuan form
    (指标性质 / 度量单位 columns, composed into the target text "≥95%") are read too.

Scores, totals, rates and grades on a foreign form are what the unit published: typed or computed by
its own formulas, they are *reported* values, compared with the rules by the validator.

Every non-empty cell the reader did not use and that is not a label it knows is listed in
`Reading.unplaced`, never dropped silently. The layout found chooses the profile (vocabulary
`layouts`: the first profile of the list that is available, so a profile added later is picked up by
name); `profile=` overrides it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import JixiaoError, WorkbookError
from .excel import is_number
from .model import Form, FundsRow, Indicator, SubItem
from .profiles import Profile, available_profiles, default_year, load_profile
from .reading import ReadForm, Reading  # noqa: F401 - defined apart: reading a jixiao workbook needs no headings

VOCABULARY = Path(__file__).with_name("headings.yaml")
NOT_A_FORM = "不是项目支出绩效自评表"


# The words ---------------------------------------------------------------------------------------

_BLANKS = re.compile(r"\s+")
_TRAILING_NOTE = re.compile(r"^(.+?)\(([^()]*)\)$")
_WEIGHT_IN_LABEL = re.compile(r"[(（]\s*[0-9]+(?:\.[0-9]+)?\s*分\s*[)）]")


def norm(text) -> str:
    """A cell's text as the vocabulary is compared with it."""
    if text is None:
        return ""
    return _BLANKS.sub("", unicodedata.normalize("NFKC", str(text))).upper()


def _variants(t: str):
    """The text, then without trailing bracketed notes, then without a leading 其中."""
    yield t
    s = t.rstrip(":")
    if s != t and s:
        yield s
    while True:
        m = _TRAILING_NOTE.match(s)
        if not m:
            break
        s = m.group(1)
        yield s
    for head in ("其中:", "其中"):
        if s.startswith(head) and len(s) > len(head):
            yield s[len(head):]


@dataclass(frozen=True)
class Vocabulary:
    titles: tuple[str, ...]
    header: dict
    texts: dict
    block: frozenset
    funds_cols: dict
    funds_rows: dict
    grid_cols: dict
    grid_ignore: frozenset
    nature: dict
    name_prefixes: tuple
    placeholders: frozenset
    total_labels: frozenset
    grade_labels: frozenset
    grade_words: frozenset
    end_labels: tuple[str, ...]
    sz_markers: tuple[str, ...]
    sz_amounts: dict
    sz_sub: dict
    sz_total: frozenset
    layouts: tuple[dict, ...]
    known: frozenset       # every label word: such a cell is never "unplaced"
    grid_contains: tuple = ()   # (field, words): a grid header containing a word, when no word matches

    @staticmethod
    def lookup(table: dict, text) -> str | None:
        t = text if isinstance(text, str) and text == norm(text) else norm(text)
        if not t:
            return None
        for v in _variants(t):
            key = table.get(v)
            if key is not None:
                return key
        return None


def _table(spec: dict) -> dict:
    out = {}
    for key, words in (spec or {}).items():
        for w in words or ():
            out.setdefault(norm(w), key)
    return out


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    import yaml        # here, not at import: a jixiao workbook is read without the heading words
    data = yaml.safe_load(VOCABULARY.read_text(encoding="utf-8"))
    grid, funds, totals, sz = data["grid"], data["funds"], data["totals"], data["suzhou"]
    v = dict(
        titles=tuple(norm(t) for t in data["titles"]),
        header=_table(data["header"]), texts=_table(data["texts"]),
        block=frozenset(norm(w) for w in data["block_labels"]),
        funds_cols=_table(funds["columns"]), funds_rows=_table(funds["rows"]),
        grid_cols=_table(grid["columns"]), grid_ignore=frozenset(norm(w) for w in grid["ignore"]),
        nature={norm(w): sym for sym, words in grid["nature"].items() for w in words},
        name_prefixes=tuple(re.compile(p) for p in grid["name_prefixes"]),
        placeholders=frozenset(norm(w) for w in grid["placeholders"]),
        total_labels=frozenset(norm(w) for w in totals["total_labels"]),
        grade_labels=frozenset(norm(w) for w in totals["grade_labels"]),
        grade_words=frozenset(norm(w) for w in totals.get("grade_words") or ()),
        end_labels=tuple(norm(w) for w in totals["end_labels"]),
        sz_markers=tuple(norm(w) for w in sz["markers"]), sz_amounts=_table(sz["amounts"]),
        sz_sub=_table(sz["subitems"]), sz_total=frozenset(norm(w) for w in sz["subitem_total"]),
        layouts=tuple(data["layouts"]),
        grid_contains=tuple((f, tuple(norm(w) for w in words)) for f, words in grid.get("contains") or ()),
    )
    known = set(v["block"]) | set(v["grid_ignore"]) | set(v["total_labels"]) | set(v["grade_labels"])
    for table in ("header", "texts", "funds_cols", "funds_rows", "grid_cols", "sz_amounts", "sz_sub"):
        known |= set(v[table])
    v["known"] = frozenset(known)
    return Vocabulary(**v)


# How a form was read -----------------------------------------------------------------------------

# One sheet ---------------------------------------------------------------------------------------

def _plain(value):
    """A cell value as read: error values and empty strings are nothing."""
    if value is None or type(value).__name__ == "_CellError":
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


class _View:
    """A sheet's cells with merges resolved, and what has been used."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.name = sheet.name
        self.cells: dict[tuple[int, int], Any] = {}
        for at, (value, _formula) in sheet.cells.items():
            value = _plain(value)
            if value is not None:
                self.cells[at] = value
        self.rows: dict[int, list[int]] = {}
        for r, c in sorted(self.cells):
            self.rows.setdefault(r, []).append(c)
        self.text: dict[tuple[int, int], str] = {at: norm(v) for at, v in self.cells.items() if isinstance(v, str)}
        self.used: set[tuple[int, int]] = set()
        self.max_row = max(self.rows) if self.rows else 0

    def addr(self, r: int, c: int) -> str:
        from .reader import col_letters
        return f"{self.name}!{col_letters(c)}{r}"

    def own(self, r: int, c: int):
        return self.cells.get((r, c))

    def top(self, r: int, c: int) -> tuple[int, int]:
        """The merge's top-left cell of (r, c), or (r, c) itself."""
        m = self.sheet.merge_of(r, c)
        return (m[0], m[1]) if m else (r, c)

    def merge(self, r: int, c: int):
        return self.sheet.merge_of(r, c)

    def value(self, r: int, c: int):
        v = self.cells.get((r, c))
        if v is None:
            t = self.top(r, c)
            if t != (r, c):
                return self.cells.get(t)
        return v

    def label(self, r: int, c: int) -> str:
        t = self.text.get((r, c))
        if t is None:
            top = self.top(r, c)
            t = self.text.get(top, "") if top != (r, c) else ""
        return t

    def use(self, r: int, c: int) -> None:
        self.used.add(self.top(r, c))


def _num_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _SheetReader:
    def __init__(self, sheet, path, vocab: Vocabulary):
        self.v = _View(sheet)
        self.path = path
        self.voc = vocab
        self.notes: list[str] = []            # what the reviewer should know about this reading

    # finding blocks ------------------------------------------------------------------------------
    def grid_field(self, text: str) -> str | None:
        """The grid column a header names: one of its words, else a header containing one."""
        voc = self.voc
        f = voc.lookup(voc.grid_cols, text)
        if f is not None or not text or any(x in voc.grid_ignore or x in voc.block for x in _variants(text)):
            return f
        for field_, words in voc.grid_contains:
            if any(w in text for w in words):
                return field_
        return None

    def grid_header(self) -> tuple[int, int, dict[int, str]] | None:
        """(first header row, last header row, {col: field}) of the grid; two header rows are read
        together when one alone is not enough (a merged "指标" over 一级/二级/三级)."""
        v = self.v
        rows = sorted(v.rows)
        fields_of: dict[int, dict[int, str]] = {}
        for r in rows:
            fields_of[r] = {c: f for c in v.rows[r] if (f := self.grid_field(v.text.get((r, c), ""))) is not None}

        def ok(fields: dict[int, str]) -> bool:
            got = set(fields.values())
            return "name" in got and bool(got & {"target", "actual"}) and bool(got & {"weight", "score"})

        for r in rows:
            one = fields_of[r]
            if not one:
                continue
            if ok(one):
                return r, r, self._first(one)
            nxt = fields_of.get(r + 1, {})
            both = {**one, **nxt}
            if nxt and ok(both):
                return r, r + 1, self._first(both)
        return None

    @staticmethod
    def _first(fields: dict[int, str]) -> dict[int, str]:
        """One column per field (the leftmost)."""
        seen, out = set(), {}
        for c in sorted(fields):
            if fields[c] not in seen:
                seen.add(fields[c])
                out[c] = fields[c]
        return out

    def best_partial(self) -> tuple[set, str]:
        """The grid words found on the sheet (for the message when there is no grid)."""
        got: set[str] = set()
        for t in self.v.text.values():
            f = self.voc.lookup(self.voc.grid_cols, t)
            if f:
                got.add(f)
        return got, self.v.name

    # reading ---------------------------------------------------------------------------------------
    def read(self, family: str) -> Form | None:
        head = self.grid_header()
        if head is None:
            return None
        h1, h2, cols = head
        self.grid_rows = (h1, h2)
        self.grid_cols = cols
        form = Form(profile="", year=0)
        for r in range(h1, h2 + 1):
            for c in self.v.rows.get(r, []):
                self.v.use(r, c)
        first_block = h1
        if family == "suzhou":
            first_block = self.read_suzhou_blocks(form, h1)
        else:
            first_block = self.read_funds(form, h1)
            self.read_goals(form, first_block, h1)
        self.read_header(form, range(1, first_block))
        end = self.read_grid(form, h2 + 1, cols)
        self.read_totals(form, end, cols)
        self.read_texts(form, end)
        self.read_header(form, range(end, self.v.max_row + 1))
        self.footnotes(end)
        self.title_and_year(form, first_block)
        return form

    def footnotes(self, end: int) -> None:
        """备注 / 注 / 填表说明 after the grid: form text, not data (said once, not listed cell by cell)."""
        v, voc = self.v, self.voc
        rows = []
        for r in sorted(x for x in v.rows if x >= end):
            cells = [c for c in v.rows[r] if (r, c) not in v.used]
            if not cells:
                continue
            t = v.text.get((r, cells[0]), "")
            if rows and rows[-1] == r - 1 and t and not self._is_label(t) or \
                    any(t.startswith(w) for w in voc.end_labels):
                rows.append(r)
                for c in cells:
                    v.use(r, c)
        if rows:
            self.notes.append(f"表末的备注、说明（第{rows[0]}–{rows[-1]}行）不参与计分，未读取" if len(rows) > 1
                              else f"表末的备注、说明（第{rows[0]}行）不参与计分，未读取")

    # header fields, title, year --------------------------------------------------------------------
    def _right_value(self, r: int, c: int):
        """The first cell to the right of a label (outside its merge) that is not a label itself."""
        v = self.v
        m = v.merge(r, c)
        start = (m[3] if m else c) + 1
        for cc in v.rows.get(r, []):
            if cc < start:
                continue
            if (r, cc) in v.used:
                return None
            t = v.text.get((r, cc))
            if t is not None and self._is_label(t):
                return None
            return r, cc
        return None

    def _below_value(self, r: int, c: int, rows: int = 3):
        v = self.v
        m = v.merge(r, c)
        c1, c2 = (m[1], m[3]) if m else (c, c)
        r0 = (m[2] if m else r) + 1
        for rr in range(r0, r0 + rows):
            for cc in range(c1, c2 + 1):
                if (rr, cc) in v.cells and (rr, cc) not in v.used:
                    t = v.text.get((rr, cc))
                    if t is not None and self._is_label(t):
                        return None
                    return rr, cc
        return None

    def _is_label(self, t: str) -> bool:
        return any(x in self.voc.known for x in _variants(t))

    def read_header(self, form: Form, rows: range) -> None:
        v, voc = self.v, self.voc
        for r in sorted(x for x in v.rows if x in rows):
            for c in v.rows[r]:
                if (r, c) in v.used:
                    continue
                t = v.text.get((r, c))
                if not t:
                    continue
                key = voc.lookup(voc.header, t)
                if key is None:
                    # "项目名称：XXX" in one cell
                    head, sep, rest = t.partition(":")
                    key = voc.lookup(voc.header, head) if sep and rest else None
                    if key is not None and key not in form.header:
                        raw = str(v.cells[(r, c)])
                        value = re.split(r"[:：]", raw, maxsplit=1)[1].strip()
                        form.header[key] = value
                        form.cells[f"header.{key}"] = v.addr(r, c)
                        v.use(r, c)
                    continue
                v.use(r, c)
                if key in form.header:
                    continue
                at = self._right_value(r, c) or self._below_value(r, c, 1)
                if at is None:
                    form.header[key] = None
                    m = v.merge(r, c)
                    nxt = (m[3] if m else c) + 1
                    form.cells[f"header.{key}"] = v.addr(r, nxt)
                    continue
                value = v.cells[at]
                if self._placeholder(value):
                    value = None
                form.header[key] = value.strip() if isinstance(value, str) else value
                form.cells[f"header.{key}"] = v.addr(*at)
                v.use(*at)

    def title_and_year(self, form: Form, upto: int) -> None:
        v, voc = self.v, self.voc
        year = None
        title_rows = sorted(x for x in v.rows if x < upto)
        for r in title_rows:
            for c in v.rows[r]:
                t = v.text.get((r, c))
                if not t or (r, c) in v.used and not any(w in t for w in voc.titles):
                    continue
                if any(w in t for w in voc.titles):
                    form.header.setdefault("title", str(v.cells[(r, c)]).strip())
                    form.cells.setdefault("title", v.addr(r, c))
                    v.use(r, c)
                m = re.search(r"((?:19|20)[0-9]{2})年", t)
                if m and year is None and ("年度" in t or any(w in t for w in voc.titles)):
                    year = int(m.group(1))
                    form.cells["year"] = v.addr(r, c)
                    v.use(r, c)
        py = form.header.get("project_year")
        if year is None and py is not None:
            m = re.search(r"(?:19|20)[0-9]{2}", _num_text(py))
            if m:
                year = int(m.group(0))
                form.cells["year"] = form.cells.get("header.project_year", "")
        if year is None:
            m = re.search(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])", Path(str(self.path)).stem)
            if m:
                year = int(m.group(1))
                self.notes.append(f"表内未写年度，按文件名取 {year} 年度")
        if year is None:
            year = default_year()
            self.notes.append(f"表内和文件名都没有年度，按 {year} 年度的规则计分")
        form.year = year

    # funds -----------------------------------------------------------------------------------------
    def funds_header(self, before: int):
        v, voc = self.v, self.voc
        for r in sorted(x for x in v.rows if x < before):
            cols = {}
            for c in v.rows[r]:
                f = voc.lookup(voc.funds_cols, v.text.get((r, c), ""))
                if f and f not in cols.values():
                    cols[c] = f
            amounts = {f for f in cols.values() if f in ("initial", "budget", "executed")}
            if len(amounts) >= 2 or (amounts and "rate" in cols.values()):
                return r, cols
        return None

    def read_funds(self, form: Form, grid_head: int) -> int:
        """Read the funds block above the grid; returns the first row of the form's blocks."""
        v, voc = self.v, self.voc
        found = self.funds_header(grid_head)
        if found is None:
            self.notes.append("未找到资金栏（年初预算数/全年预算数/全年执行数），执行率不计分")
            return self.goals_top(grid_head) or grid_head
        hr, cols = found
        for c in v.rows.get(hr, []):
            v.use(hr, c)
        first_amount = min(c for c, f in cols.items())
        percent = {f: ("%" in v.text.get((hr, c), "")) for c, f in cols.items()}
        rows: list[FundsRow] = []
        extra = {}
        r = hr
        while r + 1 < grid_head:
            r += 1
            if r not in v.rows:
                continue
            label_at, key = None, None
            for c in sorted((c for c in v.rows.get(r, []) if c < first_amount), reverse=True):
                t = v.text.get((r, c))
                if not t:
                    continue
                k = voc.lookup(voc.funds_rows, t)
                if k is not None:
                    label_at, key = (r, c), k
                    break
                if label_at is None and not self._is_label(t):
                    label_at = (r, c)
            numbers = any(is_number(v.own(r, c)) for c, f in cols.items() if f in ("initial", "budget", "executed"))
            if key is None and not (label_at and numbers):
                break
            label = str(v.cells[label_at]).strip() if label_at else ""
            if key is None or any(fr.key == key for fr in rows):
                key = f"row{len(rows) + 1}"
                self.notes.append(f"资金栏第{r}行“{label}”不是常见的资金来源名称，按分项读取")
            if label_at:
                v.use(*label_at)
            fr = FundsRow(key=key, label=label)
            for c, f in cols.items():
                if f in ("initial", "budget", "executed"):
                    value = v.own(r, c)
                    if isinstance(value, str) and norm(value) in voc.placeholders:
                        value = None
                    setattr(fr, f, value)
                    fr.cells[f] = v.addr(r, c)
                    v.use(r, c)
                else:
                    extra[(len(rows), f)] = (r, c)
            rows.append(fr)
        if not rows:
            self.notes.append("资金栏没有数据行")
            return hr
        total = next((i for i, fr in enumerate(rows) if fr.key == "total"), None)
        if total is None:
            total = 0
            self.notes.append(f"资金栏没有“合计/年度资金总额”行，按第一行“{rows[0].label}”作为合计")
        order = [total] + [i for i in range(len(rows)) if i != total]
        form.funds = [rows[i] for i in order]
        for (i, f), (r, c) in extra.items():
            value = v.own(r, c)
            if i != total:
                if value is not None and norm(value) not in voc.placeholders and f != "reason":
                    self.notes.append(f"{v.addr(r, c)} 在资金分项行上的{ {'weight': '分值', 'rate': '执行率', 'score': '得分'}.get(f, f)}"
                                      f"“{_num_text(value)}”不参与计分")
                if value is not None and f == "reason":
                    form.texts.setdefault("funds_reason", "")
                    form.texts["funds_reason"] = (form.texts["funds_reason"] + "\n" + str(value)).strip()
                v.use(r, c)
                continue
            v.use(r, c)
            if isinstance(value, str) and norm(value) in voc.placeholders:
                value = None
            if f == "weight":
                form.funds_weight = value
                form.cells["funds_weight"] = v.addr(r, c)
            elif f == "rate":
                form.cells["exec_rate"] = v.addr(r, c)
                if value is not None:
                    if is_number(value) and (percent.get("rate") or float(value) > 10):
                        self.notes.append(f"{v.addr(r, c)} 执行率 {_num_text(value)} 按百分数读取")
                        value = float(value) / 100
                    form.reported["exec_rate"] = value
            elif f == "score":
                form.cells["exec_score"] = v.addr(r, c)
                if value is not None:
                    form.reported["exec_score"] = value
            elif f == "reason":
                form.cells["texts.funds_reason"] = v.addr(r, c)
                if value is not None:
                    form.texts["funds_reason"] = str(value).strip()
        # a block label (项目资金（万元）, 预算执行情况（10分）) merged down the left of the block
        for c in v.rows.get(hr, []):
            t = v.text.get((hr, c), "")
            m = _WEIGHT_IN_LABEL.search(str(v.cells[(hr, c)]))
            if m and form.funds_weight is None and "weight" not in cols.values():
                form.funds_weight = float(re.search(r"[0-9.]+", m.group(0)).group(0))
                form.cells["funds_weight"] = v.addr(hr, c)
        return min(hr, self.goals_top(grid_head) or hr)

    # goals -----------------------------------------------------------------------------------------
    def goals_top(self, before: int) -> int | None:
        rows = [r for (r, c), t in self.v.text.items() if r < before and self.voc.lookup(self.voc.texts, t)
                in ("goal_expected", "goal_actual")]
        return min(rows) if rows else None

    def read_goals(self, form: Form, start: int, before: int) -> None:
        v, voc = self.v, self.voc
        labels = {}
        for (r, c), t in sorted(v.text.items()):
            if r >= before or (r, c) in v.used:
                continue
            key = voc.lookup(voc.texts, t)
            if key in ("goal_expected", "goal_actual") and key not in labels:
                labels[key] = (r, c)
        if not labels:
            self.notes.append("未找到年度总体目标（预期目标/实际完成情况）")
            return
        side_by_side = len({r for r, _ in labels.values()}) == 1 and len(labels) == 2
        for key, (r, c) in labels.items():
            v.use(r, c)
            at = self._below_value(r, c) if side_by_side else (self._right_value(r, c) or self._below_value(r, c))
            if at is None:
                form.texts[key] = ""
                form.cells[f"texts.{key}"] = v.addr(r + 1, c) if side_by_side else v.addr(r, c + 1)
                continue
            form.texts[key] = _num_text(v.cells[at])
            form.cells[f"texts.{key}"] = v.addr(*at)
            v.use(*at)

    def read_texts(self, form: Form, start: int) -> None:
        """Narrative blocks (Suzhou 项目概况 …, Sichuan 评价结论 …) after the grid: text to the right."""
        v, voc = self.v, self.voc
        for (r, c), t in sorted(v.text.items()):
            if (r, c) in v.used:
                continue
            key = voc.lookup(voc.texts, t)
            if key is None or key in form.texts:
                continue
            v.use(r, c)
            at = self._right_value(r, c) or self._below_value(r, c, 1)
            if at is None:
                form.texts[key] = ""
                form.cells[f"texts.{key}"] = v.addr(r, c)
                continue
            form.texts[key] = _num_text(v.cells[at])
            form.cells[f"texts.{key}"] = v.addr(*at)
            v.use(*at)

    # the grid --------------------------------------------------------------------------------------
    def _is_end(self, r: int, cols: dict[int, str]) -> bool:
        v, voc = self.v, self.voc
        data_cols = [c for c, f in cols.items() if f in ("name", "target", "actual")]
        if any(v.own(r, c) is not None for c in data_cols):
            return False
        for c in v.rows.get(r, []):
            t = v.text.get((r, c))
            if not t:
                continue
            if any(t == w or (t.startswith(w) and t[len(w):len(w) + 1] in (":", ".", "1", "(", "：")) for w in voc.end_labels):
                return True
            if any(w in t for w in voc.titles):
                return True      # the next form's title
            return False
        return False

    def _is_total(self, r: int, cols: dict[int, str]) -> bool:
        """A 总分/合计 row: a total label and nothing in the name, target and actual columns."""
        v = self.v
        label_at = next(((r, c) for c in v.rows.get(r, []) if self._is_total_text(v.text.get((r, c), ""))), None)
        if label_at is None:
            return False
        data_cols = [c for c, f in cols.items() if f in ("name", "target", "actual")]
        return not any(v.own(r, c) is not None for c in data_cols if (r, c) != label_at)

    def _is_total_text(self, t: str) -> bool:
        return any(x in self.voc.total_labels for x in _variants(t)) if t else False

    def _placeholder(self, value) -> bool:
        return value is None or (isinstance(value, str) and norm(value) in self.voc.placeholders)

    def _clean_name(self, value) -> str:
        text = _num_text(value) if value is not None else ""
        for p in self.voc.name_prefixes:
            text = p.sub("", text, count=1).strip()
        return "" if norm(text) in self.voc.placeholders else text

    def read_grid(self, form: Form, start: int, cols: dict[int, str]) -> int:
        v = self.v
        by_field = {f: c for c, f in cols.items()}
        header_cols = set()
        for r in range(self.grid_rows[0], self.grid_rows[1] + 1):
            header_cols |= set(v.rows.get(r, []))
        extra_cols = sorted(c for c in header_cols if c not in cols and not self._is_block_col(c))
        for c in extra_cols:
            self.notes.append(f"指标表中“{str(v.value(self.grid_rows[0], c) or v.value(self.grid_rows[1], c) or '').strip()}”列"
                              f"（{v.addr(self.grid_rows[0], c).split('!')[1]} 起）不是计分所需的栏目，未读取")
        last = {"level1": "", "level2": ""}
        parents: list[dict] = []
        r = start
        end = v.max_row + 1
        while r <= v.max_row:
            if self._is_total(r, cols) or self._is_end(r, cols):
                end = r
                break
            if r not in v.rows and not any(v.merge(r, c) for c in cols):
                r += 1
                continue
            got: dict[str, Any] = {}
            own_label = {}
            for f, c in by_field.items():
                if f in ("weight", "score"):
                    continue
                value = v.value(r, c)
                got[f] = value
                own_label[f] = v.top(r, c) == (r, c) and v.own(r, c) is not None
            for f in ("level1", "level2"):
                if f in by_field:
                    text = _num_text(got.get(f)) if got.get(f) is not None else ""
                    if self._placeholder(text) or not text:
                        text = last[f]
                    elif f == "level1" and text != last["level1"]:
                        last["level2"] = ""
                    last[f] = text
                    got[f] = text
            name = self._clean_name(got.get("name"))
            target, actual = got.get("target"), got.get("actual")
            target = None if self._placeholder(target) else target
            actual = None if self._placeholder(actual) else actual
            weight_at = by_field.get("weight")
            score_at = by_field.get("score")
            w_top = v.top(r, weight_at) if weight_at else None
            s_top = v.top(r, score_at) if score_at else None
            w_shared = weight_at is not None and w_top != (r, weight_at) and w_top[0] >= start
            s_shared = score_at is not None and s_top != (r, score_at) and s_top[0] >= start
            weight = None if (weight_at is None or w_shared) else v.own(r, weight_at)
            score = None if (score_at is None or s_shared) else v.own(r, score_at)
            weight = None if self._placeholder(weight) else weight
            score = None if self._placeholder(score) else score
            for f, c in by_field.items():
                v.use(r, c)
            has_data = bool(name) or target is not None or actual is not None
            if not has_data:
                if weight is not None or score is not None:
                    level = "level2" if own_label.get("level2") else "level1"
                    parents.append({"row": r, "level": level, "level1": got.get("level1", ""),
                                    "level2": got.get("level2", "") if level == "level2" else "",
                                    "weight": weight, "score": score,
                                    "w_at": v.addr(r, weight_at) if weight_at else "",
                                    "s_at": v.addr(r, score_at) if score_at else "",
                                    "l_at": v.addr(r, by_field.get(level, by_field.get("level1", weight_at))),
                                    "first": len(form.indicators)})
                r += 1
                continue
            ind = Indicator(level1=got.get("level1", ""), level2=got.get("level2", ""), name=name,
                            target=target, actual=actual)
            for f, c in by_field.items():
                ind.cells[f] = v.addr(r, c)
            if "explanation" in by_field:
                ex = got.get("explanation")
                ind.explanation = "" if self._placeholder(ex) else _num_text(ex)
            for f in ("direction", "level"):
                if f in by_field and not self._placeholder(got.get(f)):
                    setattr(ind, f, _num_text(got[f]))
            for f in ("target_value", "actual_value"):
                if f in by_field and is_number(got.get(f)):
                    setattr(ind, f, got[f])
            self._nature(ind, got, by_field)
            prev = form.indicators[-1] if form.indicators else None
            same_group = prev is not None and (prev.level1, prev.level2) == (ind.level1, ind.level2)
            if w_shared and prev is not None and prev.level1 == ind.level1:
                ind.shares_weight = True
                del ind.cells["weight"]
            elif weight is None and score is None and same_group and not (parents and parents[-1]["first"] == len(form.indicators)):
                ind.shares_weight = True
                del ind.cells["weight"]
                ind.cells.pop("score", None)
                self.notes.append(f"第{r}行（{name or ind.level2}）没有分值和得分，按与上一行共用分值读取")
            else:
                ind.weight = weight
            if score is not None and not ind.shares_weight:
                ind.reported_score = score
            elif score is not None:
                self.notes.append(f"{v.addr(r, score_at)} 得分 {_num_text(score)} 在与上一行共用分值的行上，未计入")
            if s_shared:
                ind.cells.pop("score", None)
            form.indicators.append(ind)
            r += 1
        for c in header_cols - set(cols) - set(extra_cols):      # 序号, block labels: nothing to read
            for rr in range(start, end):
                if (rr, c) in v.cells:
                    v.use(rr, c)
        self.parents(form, parents)
        return end

    def _is_block_col(self, c: int) -> bool:
        v = self.v
        for r in range(self.grid_rows[0], self.grid_rows[1] + 1):
            t = v.label(r, c)
            if t and (t in self.voc.block or t in self.voc.grid_ignore or any(x in self.voc.block for x in _variants(t))):
                return True
        return False

    def _nature(self, ind: Indicator, got: dict, by_field: dict) -> None:
        """Sichuan: 指标性质 (≥ ≤ = 定性) and 度量单位 in their own columns, composed into the texts the
        target parser reads: 指标性质 "≥", 指标值 95, 度量单位 "%" -> "≥95%"; 完成值 93.1 -> "93.1%"."""
        if "nature" not in by_field and "unit" not in by_field:
            return
        sym = self.voc.nature.get(norm(got.get("nature"))) if got.get("nature") is not None else None
        unit = "" if self._placeholder(got.get("unit")) else _num_text(got.get("unit"))
        if sym == "定性":
            ind.direction = "定性"
            return
        if ind.target is not None and (is_number(ind.target) or re.fullmatch(r"[0-9.]+", _num_text(ind.target))):
            ind.target = f"{sym or ''}{_num_text(ind.target)}{unit}"
        if ind.actual is not None and (is_number(ind.actual) or re.fullmatch(r"[0-9.]+", _num_text(ind.actual))) and unit:
            ind.actual = f"{_num_text(ind.actual)}{unit}"

    def parents(self, form: Form, parents: list[dict]) -> None:
        """Parent rows (a 分值/得分 without name, target or actual): the 一级's written weight, or the
        shared weight of children that have none."""
        inds = form.indicators
        for p in parents:
            kids = [i for i in range(p["first"], len(inds)) if inds[i].level1 == p["level1"]
                    and (p["level"] == "level1" or inds[i].level2 == p["level2"])]
            run = []
            for i in kids:
                if run and i != run[-1] + 1:
                    break
                run.append(i)
            what = p["level2"] or p["level1"]
            w = p["weight"]
            if not run:
                self.notes.append(f"第{p['row']}行“{what}”只有分值/得分，下面没有指标行")
                continue
            if p["level"] == "level2" and all(inds[i].weight is None for i in run) and w is not None:
                head = inds[run[0]]
                head.weight, head.shares_weight = w, False
                head.cells["weight"] = p["w_at"]
                if p["score"] is not None:
                    head.reported_score = p["score"]
                    head.cells["score"] = p["s_at"]
                for i in run[1:]:
                    inds[i].shares_weight = True
                    inds[i].cells.pop("weight", None)
                    inds[i].cells.pop("score", None)
                self.notes.append(f"第{p['row']}行“{what}”的分值 {_num_text(w)} 由其下 {len(run)} 个指标共用")
                continue
            kids_w = [float(inds[i].weight) for i in run if is_number(inds[i].weight) and not inds[i].shares_weight]
            if p["level"] == "level1" and is_number(w):
                if not _WEIGHT_IN_LABEL.search(inds[run[0]].level1):
                    for i in run:
                        inds[i].level1 = f"{inds[i].level1}（{_num_text(w)}分）"
                inds[run[0]].cells["level1"] = p["w_at"]
            if is_number(w) and kids_w and abs(sum(kids_w) - float(w)) > 0.005:
                self.notes.append(f"第{p['row']}行“{what}”的分值 {_num_text(w)} 与其下指标分值之和 {sum(kids_w):g} 不等")
            else:
                self.notes.append(f"第{p['row']}行“{what}”是小计行（分值 {_num_text(w) if w is not None else '—'}）")

    # totals --------------------------------------------------------------------------------------
    def read_totals(self, form: Form, end: int, cols: dict[int, str]) -> None:
        v = self.v
        by_field = {f: c for c, f in cols.items()}
        if end > v.max_row or not self._is_total(end, cols):
            self.notes.append("未找到总分行")
            total_row = None
        else:
            total_row = end
        if total_row is not None:
            for c in v.rows.get(total_row, []):
                if self._is_total_text(v.text.get((total_row, c), "")):
                    v.use(total_row, c)
            wc, sc = by_field.get("weight"), by_field.get("score")
            if wc is not None:
                form.cells["total_weight"] = v.addr(total_row, wc)
                v.use(total_row, wc)
                tw = v.own(total_row, wc)
                if tw is not None and not self._placeholder(tw):
                    form.reported["total_weight"] = tw
            score = v.own(total_row, sc) if sc is not None else None
            at = (total_row, sc) if sc is not None else None
            if self._placeholder(score):
                score, at = None, at
                nums = [c for c in v.rows.get(total_row, []) if is_number(v.own(total_row, c)) and c != wc]
                if nums and (sc is None or nums[-1] > (wc or 0)):
                    at = (total_row, nums[-1])
                    score = v.own(*at)
            if at is not None:
                form.cells["total"] = v.addr(*at)
                v.use(*at)
                if score is not None:
                    form.reported["total"] = score
        self.read_grade(form, total_row if total_row is not None else end)

    def read_grade(self, form: Form, near: int) -> None:
        v, voc = self.v, self.voc
        for r in range(max(1, near - 1), near + 4):
            for c in v.rows.get(r, []):
                t = v.text.get((r, c))
                if not t or (r, c) in v.used and not t.startswith(tuple(voc.grade_labels)):
                    continue
                head, sep, rest = t.partition(":")
                if sep and any(x in voc.grade_labels for x in _variants(head)) and rest:
                    form.reported["grade"] = re.split(r"[:：]", str(v.cells[(r, c)]), maxsplit=1)[1].strip()
                    form.cells["grade"] = v.addr(r, c)
                    v.use(r, c)
                    return
                if any(x in voc.grade_labels for x in _variants(t)):
                    v.use(r, c)
                    at = self._right_value(r, c) or self._below_value(r, c, 1)
                    if at is not None:
                        form.reported["grade"] = _num_text(v.cells[at])
                        form.cells["grade"] = v.addr(*at)
                        v.use(*at)
                        return
                    m = v.merge(r, c)
                    form.cells["grade"] = v.addr(r, (m[3] if m else c) + 1)
                    return
        for c in v.rows.get(near, []):            # a grade alone in the total row
            if (near, c) not in v.used and v.text.get((near, c)) in voc.grade_words:
                form.reported["grade"] = _num_text(v.cells[(near, c)])
                form.cells["grade"] = v.addr(near, c)
                v.use(near, c)
                return

    # Suzhou ----------------------------------------------------------------------------------------
    def read_suzhou_blocks(self, form: Form, grid_head: int) -> int:
        v, voc = self.v, self.voc
        first = grid_head
        seen: dict[str, tuple[int, int]] = {}
        for (r, c), t in sorted(v.text.items()):
            if r >= grid_head:
                continue
            key = voc.lookup(voc.sz_amounts, t)
            if key is None:
                if any(m in t for m in voc.sz_markers) and not any(w in t for w in voc.titles):
                    v.use(r, c)
                    first = min(first, r)
                continue
            first = min(first, r)
            v.use(r, c)
            at = self._below_value(r, c, 3)
            if key in seen:
                if at is not None:
                    v.use(*at)
                    a, b = v.cells[at], form.amounts.get(key)
                    if not (is_number(a) and is_number(b) and abs(float(a) - float(b)) < 1e-9):
                        self.notes.append(f"{v.addr(*at)} 的{t}“{_num_text(a)}”与 {seen[key][1]} 的“{_num_text(b)}”不同，"
                                          "按前者计")
                continue
            seen[key] = (r, v.addr(*at) if at else v.addr(r + 1, c))
            form.cells[f"amounts.{key}"] = seen[key][1]
            form.amounts[key] = v.cells[at] if at is not None else None
            if at is not None:
                v.use(*at)
        self.read_subitems(form, grid_head)
        return first

    def read_subitems(self, form: Form, grid_head: int) -> None:
        v, voc = self.v, self.voc
        head = None
        for r in sorted(x for x in v.rows if x < grid_head):
            cols = {c: voc.lookup(voc.sz_sub, v.text.get((r, c), "")) for c in v.rows[r]}
            cols = {c: f for c, f in cols.items() if f}
            if "name" in cols.values() and len(cols) >= 2:
                head = (r, {f: c for c, f in cols.items()})
                break
        if head is None:
            return
        hr, cols = head
        for c in v.rows[hr]:
            v.use(hr, c)
        for r in range(hr + 1, grid_head):
            if r not in v.rows:
                continue
            if any(voc.lookup(voc.grid_cols, v.text.get((r, c), "")) for c in v.rows[r]):
                break                                   # the grid's header
            name = v.own(r, cols["name"])
            if name is not None and norm(name) in voc.sz_total:
                for f in ("budget", "actual"):
                    if f in cols:
                        form.cells[f"sub_total_{f}"] = v.addr(r, cols[f])
                        value = v.own(r, cols[f])
                        if value is not None:
                            form.reported[f"sub_total_{f}"] = value
                for c in v.rows.get(r, []):
                    v.use(r, c)
                continue
            if name is None and all(v.own(r, c) is None for c in cols.values()):
                continue
            if name is not None and self._is_label(norm(name)):
                break
            item = SubItem(name=_num_text(name) if name is not None else "")
            for f, c in cols.items():
                item.cells[f] = v.addr(r, c)
                v.use(r, c)
                if f != "name":
                    setattr(item, f, v.own(r, c))
            form.subitems.append(item)

    # what was left ---------------------------------------------------------------------------------
    def unplaced(self) -> list[tuple[str, str]]:
        v = self.v
        out = []
        for (r, c), value in sorted(v.cells.items()):
            if (r, c) in v.used:
                continue
            t = v.text.get((r, c))
            if t is not None and (self._is_label(t) or any(w in t for w in self.voc.titles)):
                continue
            out.append((v.addr(r, c), _num_text(value)))
        return out


# Choosing the layout and the rules ------------------------------------------------------------------

def _evidence(layout: dict, reader: _SheetReader) -> list[str]:
    """The words that show this layout, or [] when it is not shown."""
    v = reader.v
    got = []
    for word in layout.get("texts") or ():
        w = norm(word)
        if any(w in t for t in v.text.values()):
            got.append(f"“{word}”")
    for word in layout.get("labels") or ():
        w = norm(word)
        if any(w in _variants(t) for t in v.text.values()):
            got.append(f"“{word}”")
    words = [g.strip("“”") for g in got]
    got = [g for g, w in zip(got, words) if not any(w != o and norm(w) in norm(o) for o in words)]
    names = {"nature": "指标性质", "unit": "度量单位"}
    fields = set(getattr(reader, "grid_cols", {}).values())
    for f in layout.get("grid") or ():
        if f in fields:
            got.append(f"“{names.get(f, f)}”列")
    return got


def choose_layout(reader: _SheetReader) -> tuple[dict, list[str]]:
    layouts = vocabulary().layouts
    for layout in layouts:
        if not (layout.get("texts") or layout.get("labels") or layout.get("grid")):
            return layout, []
        ev = _evidence(layout, reader)
        if ev:
            return layout, ev
    return layouts[-1], []


def family_of(reader: _SheetReader) -> str:
    v = reader.v
    if any(m in t for t in v.text.values() for m in reader.voc.sz_markers):
        return "suzhou"
    return "national"


def pick_profile(layout: dict, override: str | None) -> tuple[str, str]:
    """(profile name, what to say about it)."""
    if override:
        return override, f"按指定的规则“{override}”计分"
    wanted = list(layout.get("profiles") or ["national"])
    have = set(available_profiles())
    for i, name in enumerate(wanted):
        if name in have:
            if i == 0:
                return name, f"按规则“{name}”计分"
            return name, f"尚无“{wanted[0]}”规则配置，按规则“{name}”计分"
    return "national", f"尚无{'、'.join(wanted)}规则配置，按规则“national”计分"


def _apply_levels(form: Form, profile: Profile) -> None:
    """An actual written as a qualitative level ("达成预期指标") is the level chosen (the words of each
    level are the profile's: qualitative.levels[].words)."""
    for ind in form.indicators:
        if ind.level or not isinstance(ind.actual, str):
            continue
        chosen = profile.level(ind.actual)
        if chosen is not None:
            ind.level = chosen.label


def _describe_missing(readers: list[_SheetReader]) -> str:
    names = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标/指标名称", "target": "年度指标值/目标值",
             "actual": "实际完成值", "weight": "分值/权重", "score": "得分"}
    best, best_sheet = set(), ""
    for rd in readers:
        got, sheet = rd.best_partial()
        if len(got) > len(best):
            best, best_sheet = got, sheet
    need = ["name", "target", "actual", "weight", "score"]
    missing = [names[f] for f in need if f not in best]
    if not best:
        return (f"{NOT_A_FORM}：没有找到指标表（表头应有“三级指标”“年度指标值”“实际完成值”“分值”“得分”等栏目），"
                "也不是 jixiao 生成的模板（没有 JX_ 定义名称）")
    found = "、".join(names[f] for f in names if f in best)
    return (f"{NOT_A_FORM}：工作表“{best_sheet}”找到了 {found}，但缺少 {'、'.join(missing)}"
            "（指标表表头至少要有指标名称、年度指标值或实际完成值、分值或得分）")


def read_by_headings(wb, path, profile: str | None = None) -> list[ReadForm]:
    """Every form in the workbook (one per worksheet that holds one), read by its headings."""
    voc = vocabulary()
    out: list[ReadForm] = []
    readers = []
    for name in list(wb.sheet_parts):
        sheet = wb.sheet(name)
        rd = _SheetReader(sheet, path, voc)
        readers.append(rd)
        if not rd.v.cells:
            continue
        family = family_of(rd)
        form = rd.read(family)
        if form is None:
            continue
        layout, evidence = choose_layout(rd)
        if layout.get("family", "national") != family:
            layout = next((l for l in voc.layouts if l.get("family") == family), layout)
        prof_name, how = pick_profile(layout, profile)
        try:
            prof = load_profile(prof_name, form.year)
        except JixiaoError as exc:
            raise WorkbookError(f"规则配置“{prof_name}”无法加载：{exc.message}", where=str(path)) from None
        form.profile, form.source = prof.name, str(path)
        form.header.pop("title", None)
        _apply_levels(form, prof)
        why = f"（依据：{'、'.join(dict.fromkeys(evidence))}）" if evidence else ""
        if not evidence and layout["key"] == "national":
            blocks = ["指标表"] + (["资金栏"] if form.funds else []) + (["年度总体目标"] if form.texts else [])
            why = f"（找到{'、'.join(blocks)}）"
        reason = f"按表头识别为{layout['name']}{why}；{how}"
        reading = Reading("headings", layout["key"], layout["name"], prof.name, reason, name,
                          rd.unplaced(), rd.notes)
        out.append(ReadForm(form, prof, reading))
    if not out:
        raise WorkbookError(_describe_missing(readers), where=str(path))
    return out
