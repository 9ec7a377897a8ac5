"""Data files (YAML, JSON) read within limits: no alias bomb, no deep nesting, no code.

A declaration data file (`jixiao fill`) or a rule profile may come from anyone. YAML is read with the
safe loader only (no `!!python/...` tags) after a pass over its events — cheap, streaming, never
recursive — that refuses what would exhaust the machine before anything is built:

    file size       at most 16 MiB (DATA_LIMITS.max_bytes)
    values          at most 300,000 (scalars, lists and mappings: a province's 1,000 projects need
                    ~60,000)
    nesting         at most 32 levels (jixiao's data has 4)
    aliases         at most 100 uses of a YAML anchor (`*name`; a 485-byte "billion laughs" uses 81
                    to stand for a billion values)

JSON is parsed by the standard library (refused if nested too deep for it) and held to the same
limits. Numbers of thousands of digits are refused, not turned into an internal error. Every refusal
is a DataLimitError naming the file, the limit and what to do.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import JixiaoError


@dataclass(frozen=True)
class DataLimits:
    max_bytes: int = 16 * 1024 * 1024
    max_values: int = 300_000
    max_depth: int = 32
    max_aliases: int = 100


DATA_LIMITS = DataLimits()


def _loader():
    import yaml      # not at import: reading a jixiao workbook needs no YAML
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataLimitError(JixiaoError):
    """A data file beyond the limits, or not well-formed."""


def _limit(what: str, cap: int, advice: str, where: str) -> DataLimitError:
    return DataLimitError(f"{what}超出 jixiao 的安全上限 {cap:,}，未作处理。{advice}", where=where)


def _check_events(text: str, where: str, limits: DataLimits) -> None:
    """One pass over the YAML events: nesting, uses of aliases, and the number of values the data
    would hold once every alias is expanded (each anchor's expanded size is known when it closes)."""
    import yaml
    total = aliases = 0
    frames: list[list] = [[0, None]]         # [expanded size, anchor] of each open collection
    anchors: dict[str, int] = {}

    def grow(n: int) -> None:
        nonlocal total
        total += n
        frames[-1][0] += n
        if total > limits.max_values:
            raise _limit("数据项（别名展开后）的个数", limits.max_values, "请把数据拆分到几个文件中分别处理", where)

    for event in yaml.parse(text, Loader=_loader()):
        kind = type(event)
        if kind is yaml.ScalarEvent:
            grow(1)
            if event.anchor:
                anchors[event.anchor] = 1
        elif kind is yaml.AliasEvent:
            aliases += 1
            if aliases > limits.max_aliases:
                raise _limit("YAML 中别名（*引用）的个数", limits.max_aliases,
                             "数据文件不需要锚点（&）和别名（*），请把引用的内容直接写出后再试", where)
            grow(anchors.get(event.anchor, 1))
        elif kind in (yaml.SequenceStartEvent, yaml.MappingStartEvent):
            grow(1)
            frames.append([1, event.anchor])
            if len(frames) - 1 > limits.max_depth:
                raise _limit("嵌套的层数", limits.max_depth, "jixiao 的数据只有几层，请检查文件的缩进和括号", where)
        elif kind in (yaml.SequenceEndEvent, yaml.MappingEndEvent):
            size, anchor = frames.pop()
            frames[-1][0] += size - 1        # its own 1 was counted by grow() at its start
            if anchor:
                anchors[anchor] = size


def load_yaml(text: str, where: str = "", limits: DataLimits = DATA_LIMITS) -> Any:
    """YAML text as Python data, within `limits` (DataLimitError). yaml.YAMLError for bad YAML."""
    import yaml
    try:
        _check_events(text, where, limits)
    except yaml.YAMLError as exc:
        if "nesting depth" in str(exc):   # libyaml's own cap (1,000 levels) met while reading ahead
            raise _limit("嵌套的层数", limits.max_depth, "jixiao 的数据只有几层，请检查文件的缩进和括号", where) from None
        raise
    try:
        return yaml.load(text, Loader=_loader())
    except ValueError as exc:     # an integer of more digits than Python converts
        raise DataLimitError(f"数据中有无法处理的数字（{exc}）", where=where) from None


def load_json(text: str, where: str = "", limits: DataLimits = DATA_LIMITS) -> Any:
    """JSON text as Python data, within `limits` (DataLimitError). json.JSONDecodeError for bad JSON."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise _limit("嵌套的层数", limits.max_depth, "jixiao 的数据只有几层，请检查文件的括号", where) from None
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise
        raise DataLimitError(f"数据中有无法处理的数字（{exc}）", where=where) from None
    check_shape(data, where, limits)
    return data


def check_shape(data: Any, where: str = "", limits: DataLimits = DATA_LIMITS) -> None:
    """Walk loaded data without recursion: values and nesting within the limits."""
    values = 0
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        values += 1
        if values > limits.max_values:
            raise _limit("数据项的个数", limits.max_values, "请把数据拆分到几个文件中分别处理", where)
        if isinstance(node, (dict, list)):
            if depth > limits.max_depth:
                raise _limit("嵌套的层数", limits.max_depth, "jixiao 的数据只有几层，请检查文件的括号", where)
            items = node.values() if isinstance(node, dict) else node
            stack.extend((item, depth + 1) for item in items)
