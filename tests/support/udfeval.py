"""Evaluates the formulas of a udf-mode workbook with the real JX_ functions standing in for Excel's
calls into Python (LibreOffice cannot call xlwings UDFs). Covers the small formula language our
builder writes in udf mode: references, ranges, names, literals, comparisons, + - * /, and the
functions IF, COUNT, SUM plus every JX_ function."""
from __future__ import annotations

import re

from openpyxl.utils import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

import math

from jixiao.udfs import functions
from jixiao.engine.excel import xround, xrounddown

TOKEN = re.compile(r"""\s*(?:
    (?P<str>"(?:[^"]|"")*")
  | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)
  | (?P<ref>(?:'(?:[^']|'')+'!|[A-Za-z_][\w.]*!)?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)
  | (?P<name>[A-Za-z_][\w.]*)
  | (?P<op><>|<=|>=|[=<>+\-*/&(),])
)""", re.X)


class Evaluator:
    def __init__(self, wb):
        self.wb = wb
        self.cache: dict[tuple[str, str], object] = {}
        self.arrays: dict[tuple[str, str], tuple[str, str]] = {}  # cell -> (anchor, range) of an array formula
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, ArrayFormula):
                        c1, r1, c2, r2 = range_boundaries(cell.value.ref)
                        for r in range(r1, r2 + 1):
                            for c in range(c1, c2 + 1):
                                self.arrays[(ws.title, ws.cell(r, c).coordinate)] = (cell.coordinate, cell.value.ref)

    # values --------------------------------------------------------------------------------------
    def cell(self, sheet: str, coord: str):
        key = (sheet, coord)
        if key in self.cache:
            return self.cache[key]
        if key in self.arrays:
            anchor, ref = self.arrays[key]
            result = self.formula(sheet, self.wb[sheet][anchor].value.text)
            c1, r1, _, _ = range_boundaries(ref)
            c, r = range_boundaries(coord + ":" + coord)[:2]
            value = result[r - r1][c - c1] if isinstance(result, list) else result
        else:
            cell = self.wb[sheet][coord]
            value = cell.value
            if cell.data_type == "f" and isinstance(value, str):
                value = self.formula(sheet, value)
        self.cache[key] = value
        return value

    def ref(self, sheet: str, text: str):
        if "!" in text:
            sheet, text = text.rsplit("!", 1)
            sheet = sheet.strip("'").replace("''", "'")
        text = text.replace("$", "")
        if ":" not in text:
            return self.cell(sheet, text)
        c1, r1, c2, r2 = range_boundaries(text)
        ws = self.wb[sheet]
        return [[self.cell(sheet, ws.cell(r, c).coordinate) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]

    def name(self, sheet: str, name: str):
        dn = self.wb.defined_names.get(name)
        if dn is None:
            raise KeyError(name)
        return self.ref(sheet, dn.attr_text)

    # parsing -------------------------------------------------------------------------------------
    def formula(self, sheet: str, text: str):
        saved = (getattr(self, "tokens", None), getattr(self, "pos", 0), getattr(self, "sheet", None))
        self.tokens = [(m.lastgroup, m.group(m.lastgroup)) for m in TOKEN.finditer(text.lstrip("="))]
        self.pos, self.sheet = 0, sheet
        try:
            return self.expr()
        finally:
            self.tokens, self.pos, self.sheet = saved

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self, value=None):
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise SyntaxError(f"expected {value}, got {tok}")
        self.pos += 1
        return tok

    def expr(self):
        left = self.additive()
        if self.peek()[1] in ("=", "<>", "<", ">", "<=", ">="):
            op = self.take()[1]
            right = self.additive()
            a, b = _order(left), _order(right)
            return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        return left

    def additive(self):
        value = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    def term(self):
        value = self.unary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            right = self.unary()
            value = value * right if op == "*" else value / right
        return value

    def unary(self):
        if self.peek()[1] == "-":
            self.take()
            return -self.unary()
        return self.primary()

    def primary(self):
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return self.ref(self.sheet, text)
        if kind == "op" and text == "(":
            value = self.expr()
            self.take(")")
            return value
        if kind == "name":
            if self.peek()[1] == "(":
                return self.call(text.upper())
            return self.name(self.sheet, text)
        raise SyntaxError(f"unexpected {kind} {text}")

    def skip(self):
        """Pass over one argument without evaluating it (IF evaluates only the branch it takes)."""
        depth = 0
        while True:
            tok = self.peek()[1]
            if tok is None or (depth == 0 and tok in (",", ")")):
                return None
            depth += {"(": 1, ")": -1}.get(tok, 0)
            self.pos += 1

    def call(self, fn: str):
        self.take("(")
        if fn == "IF":  # lazy, like Excel
            cond = self.expr()
            self.take(",")
            value = self.expr() if cond else self.skip()
            self.take(",")
            other = self.skip() if cond else self.expr()
            self.take(")")
            return value if cond else other
        args = []
        while self.peek()[1] != ")":
            args.append(self.expr())
            if self.peek()[1] == ",":
                self.take()
        self.take(")")
        if fn == "COUNT":
            flat = [v for a in args for v in _flat(a)]
            return sum(1 for v in flat if isinstance(v, (int, float)) and not isinstance(v, bool))
        if fn == "SUM":
            return sum(v for a in args for v in _flat(a) if isinstance(v, (int, float)) and not isinstance(v, bool))
        if fn in NATIVE:
            return NATIVE[fn](*args)
        func = getattr(functions, fn)
        args = [_single_column(a) for a in args]
        return func(*args)


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


NATIVE = {  # the native functions udf-mode sheets still use (Suzhou weights and rate, checks)
    "ISNUMBER": lambda v: _num(v),
    "AND": lambda *a: all(bool(x) for x in a),
    "OR": lambda *a: any(bool(x) for x in a),
    "NOT": lambda v: not v,
    "N": lambda v: v if _num(v) else 0,
    "ROUND": lambda x, d: xround(x, int(d)),
    "ROUNDDOWN": lambda x, d: xrounddown(x, int(d)),
    "INT": lambda x: float(math.floor(x)),
    "COUNTA": lambda *a: sum(1 for x in a for v in _flat(x) if v is not None and v != "" or (v == "" and False)),
    "MIN": lambda *a: min(v for x in a for v in _flat(x) if _num(v)),
    "MAX": lambda *a: max(v for x in a for v in _flat(x) if _num(v)),
}


def _order(value):
    """Excel's comparison order: numbers < text < logicals; an empty cell equals "" and 0."""
    if value is None or value == "":
        return (1, "")
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value).lower())


def _flat(value):
    if isinstance(value, list):
        return [v for row in value for v in (row if isinstance(row, list) else [row])]
    return [value]


def _single_column(value):
    """A range argument arrives as xlwings gives it: a 1-column range as a flat list."""
    if isinstance(value, list) and value and isinstance(value[0], list) and len(value[0]) == 1:
        return [row[0] for row in value]
    return value
