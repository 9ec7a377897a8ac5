"""Rule profiles: a region's numbers as data (templates/profiles/<name>.yaml.j2).

A profile is YAML rendered by jinja2 with the fiscal year. `extends: <name>` starts from another
profile and overrides it key by key (mappings merge, lists and scalars replace). A finance bureau
copies a file, edits numbers, and points jixiao at it: no code changes.

Profiles are data, never code, and never chosen by an untrusted file. A workbook, a data file, an
`extends:` key or a worksheet function names a profile by *name* only (`national`, `hunan`): the name
is looked up among the files the user registered on the command line (`register_profile_file`), the
directories of $JIXIAO_PROFILE_PATH (os.pathsep separated), then the built-in profiles. A name that
looks like a path is refused. Templates render in Jinja2's SandboxedEnvironment with the fiscal year
as their only variable, from files of bounded size, and may use nothing but the year, + and -,
comparisons and {% if %} (no loop, call or attribute access: nothing that could spin or escape).
YAML is read within the limits of jixiao.engine.safedata (no alias bomb).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .data import cache_entry, data_path, read_cached, write_cached
from .errors import JixiaoError, ProfileError
from .files import read_limited
from .schema import EVERY, keys, unknown_keys
from .targets import clean

BUILTIN_DIR = data_path("jixiao.templates", "profiles")
SUFFIXES = (".yaml.j2", ".yml.j2", ".yaml", ".yml")
DIRECTIONS = ("正向", "反向", "等于", "定性")
# funds.denominator: the column 执行率 divides by (全年预算数 is the adjusted budget; a layout that calls it
# 调整后预算数 reads the same column) -> FundsRow attribute
DENOMINATORS = {"全年预算数": "budget", "调整后预算数": "budget", "年初预算数": "initial"}
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")  # a profile name: never a path
MAX_PROFILE_BYTES = 512 * 1024        # a profile file, and its rendered text
_registered: dict[str, Path] = {}     # name -> file the user gave on the command line

# Every key a profile file may hold (jixiao/engine/schema.py): a key not listed is refused by name,
# with the keys expected there. `validation` and `waivers` are checked by jixiao.engine.validation.config.
_RULE = keys("kind", "reverse", "plain_number", "range_target", "full_from", "full_to", "below_per_point",
             "above_per_point", "shortfall_basis")
PROFILE_SCHEMA = keys(
    "extends", "name", "report", "report_subject", "title", "region", "basis", "fiscal_year", "layout", "file_name", "max_total",
    "weights_mode", "shared_weight_method", "shared_weights", "missing_actual", "notes", "validation", "waivers",
    "explanation_max_chars", "reviewer_deduction",
    header=[keys("key", "label", "number", "max_chars")],
    texts=[keys("key", "label", "max_chars")],
    rounding=keys("score_decimals", "rate_decimals", "weight_decimals"),
    funds=keys("scored", "weight", "cap_at_weight", "denominator", "low_rate_explanation_below", "low_rate_reason",
               "amount_decimals",
               "rate_indicator", rows=[keys("key", "label")]),
    categories=[keys("key", "label", "weight", "rule", "subcategories",
                     fixed_indicators=[keys("name", "target", "weight")])],
    equal_split=keys("decimals", "remainder"),
    rules={EVERY: _RULE},
    overachievement=keys("threshold", "require_explanation"),
    total_cap=[keys("below", "max")],
    overshoot_deduction=keys("threshold", "points"),
    qualitative=keys("unselected_level", "unselected_applies",
                     levels=[keys("label", "short", "min", "max", "score", "words")]),
    grades=keys("basis", bands=[keys("label", "min")]),
)


def check_keys(data: dict, source: Path) -> None:
    """A profile file's keys, before it is merged with the one it extends: the first unknown key is
    an error naming it, where it is, and the keys expected there."""
    found = unknown_keys(data, PROFILE_SCHEMA)
    if not found:
        return
    u = found[0]
    near = u.near()
    hint = f"（是不是“{near}”？）" if near else ""
    place = f"“{u.parent}”下" if u.parent else "顶层"
    more = f"；另有 {len(found) - 1} 处不认识的设置项" if len(found) > 1 else ""
    raise ProfileError(f"规则配置中有不认识的设置项“{u.dotted}”{hint}；{place}可用：{'、'.join(u.expected)}{more}",
                       where=str(source))


def default_year() -> int:
    """The fiscal year users work on by default: this calendar year."""
    import datetime
    return datetime.date.today().year


@dataclass(frozen=True)
class Rule:
    """How a quantitative row's completion c becomes a fraction of its weight."""

    name: str
    kind: str  # proportional | band
    reverse: str = "deviation"  # deviation | ratio
    plain_number: str = "正向"
    full_from: float = 1.0
    full_to: float = 1.0
    below_per_point: float = 0.0
    above_per_point: float = 0.0
    shortfall_basis: str = "ratio"  # ratio | points
    range_target: str = "low"  # a range target "2-3次" is reached at its low | high bound


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    weight: float
    rule: Rule
    subcategories: tuple[str, ...] = ()
    fixed_indicators: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Level:
    label: str
    short: str
    min: float
    max: float
    score: float
    words: tuple[str, ...] = ()   # other ways forms write this level ("达成预期指标", "已完成")

    @property
    def names(self) -> tuple[str, ...]:
        """Every text that names this level: label, short form, words (no repeats)."""
        return tuple(dict.fromkeys((self.label, self.short, *self.words)))


@dataclass(frozen=True)
class Grade:
    label: str
    min: float


@dataclass(frozen=True)
class Profile:
    name: str
    year: int
    data: dict  # the whole rendered mapping, for layout-only keys
    categories: tuple[Category, ...]
    rules: dict
    levels: tuple[Level, ...]
    unselected_level: Level
    unselected_applies: str  # same_text: the default level only when the actual reads as the target | filled
    grades: tuple[Grade, ...]
    grade_basis: str
    max_total: float
    score_decimals: int
    rate_decimals: int
    funds_scored: bool
    funds_weight: float
    funds_cap: bool
    funds_denominator: str          # 全年预算数 | 调整后预算数 | 年初预算数 (DENOMINATORS)
    shared_weight_method: str
    overachievement: float
    overachievement_needs_explanation: bool
    source: Path
    reviewer_deduction: bool = False                     # a 扣减分数 column beside the score (floor 0)
    total_caps: tuple[tuple[float, float], ...] = ()   # (below, max): 执行率 < below -> 总分 at most max
    overshoot_threshold: float = 0.0                     # completion at or above it: the indicator loses
    overshoot_points: float = 0.0                        # this many points (its score not below 0)

    # Convenience views -------------------------------------------------------------------------
    @property
    def denominator(self) -> str:
        """The FundsRow attribute 执行率 divides by: "budget" or "initial"."""
        return DENOMINATORS[self.funds_denominator]

    @property
    def title(self) -> str:
        return self.data.get("title", "")

    @property
    def layout(self) -> str:
        return self.data.get("layout", self.name)

    def category(self, key_or_label: str | None) -> Category:
        """The category named by key ("output") or by a label as users write it ("产出指标 (50分)")."""
        if key_or_label:
            text = str(key_or_label).strip()
            for cat in self.categories:
                if text == cat.key or text == cat.label:
                    return cat
            for cat in self.categories:  # "产出指标（50分）", or a shortened "产出"
                if text.startswith(cat.label) or (len(text) >= 2 and cat.label.startswith(text)):
                    return cat
        raise ProfileError(f"规则“{self.name}”中没有一级指标“{key_or_label}”；可用：" +
                           "、".join(c.label for c in self.categories))

    def level(self, text) -> Level | None:
        """The qualitative level a text names exactly once cleaned (label, short form or one of its
        words: "达成", "达成预期指标", "好"); None if blank or anything else ("基本达成", "达成了")."""
        if text is None or isinstance(text, bool) or not isinstance(text, str):
            return None
        t = clean(text)
        for lv in self.levels:
            if any(t == clean(name) for name in lv.names):
                return lv
        return None

    def chosen_level(self, text) -> Level | None:
        """The level picked in the 定性档次 cell: a name as written, spaces around it ignored (the sheet
        compares TRIM of the cell with the names)."""
        if not isinstance(text, str):
            return None
        t = text.strip(" ")
        return next((lv for lv in self.levels if any(t == clean(name) for name in lv.names)), None) if t else None

    def level_names(self) -> list[tuple[str, float]]:
        """(name, score) of every text naming a level, cleaned as the sheet compares them, labels
        first: what the 参数 sheet lists (JX_P_LEVEL_NAME / JX_P_LEVEL_SCORE)."""
        out = [(clean(lv.label), lv.score) for lv in self.levels]
        seen = {name for name, _ in out}
        for lv in self.levels:
            for name in map(clean, lv.names):
                if name not in seen:
                    seen.add(name)
                    out.append((name, lv.score))
        return out


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def search_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("JIXIAO_PROFILE_PATH", "").split(os.pathsep) if p]
    return [*extra, BUILTIN_DIR]


def _stem(path: Path) -> str:
    name = path.name
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def check_name(name) -> str:
    """A profile name as written in a workbook, a data file or an argument: letters, digits, _ and -,
    starting with a letter. Anything else (a path, a URL, an empty cell) is refused."""
    text = "" if name is None else str(name).strip()
    if not NAME_PATTERN.fullmatch(text):
        shown = text if len(text) <= 80 else text[:80] + "…"
        raise ProfileError(f"规则配置名称“{shown}”无效：只能写名称（字母开头，由字母、数字、_、- 组成，如 national），"
                           "不能是文件路径。本地区的规则配置请放在 JIXIAO_PROFILE_PATH 指向的文件夹中，"
                           "或在命令行用 --profile 给出文件")
    return text


def register_profile_file(path: str | os.PathLike) -> str:
    """Make a profile file the *user* named on the command line available by its name, and return
    the name. Only command-line faces call this: a workbook or data file never supplies a path."""
    file = Path(path).expanduser()
    if not file.name.endswith(SUFFIXES):
        raise ProfileError(f"“{file}”不是规则配置文件（应以 {'、'.join(SUFFIXES)} 结尾）")
    if not file.is_file():
        raise ProfileError(f"找不到规则配置文件“{file}”")
    name = check_name(_stem(file))
    _registered[name] = file.resolve()
    return name


def profile_argument(value: str) -> str:
    """A --profile argument: a file path the user typed (registered) or a name."""
    text = str(value).strip()
    if text.endswith(SUFFIXES) or os.sep in text or (os.altsep and os.altsep in text):
        return register_profile_file(text)
    return check_name(text)


def find_profile(name: str) -> Path:
    """The file of a profile given by name (see the module docstring for where it is looked up)."""
    text = check_name(name)
    if text in _registered:
        return _registered[text]
    found = find_named(text, SUFFIXES)
    if found is not None:
        return found
    raise ProfileError(f"找不到规则配置“{text}”。可用的规则：{'、'.join(available_profiles())}；"
                       "本地区的规则配置请放在 JIXIAO_PROFILE_PATH 指向的文件夹中，或在命令行用 --profile 给出文件。")


def find_named(name: str, suffixes, first: tuple[Path, ...] = ()) -> Path | None:
    """The first file `<name><suffix>` in the folders `first`, then $JIXIAO_PROFILE_PATH's, then the
    built-in profiles' (None if none): how profiles and the data named in them (a report outline) are
    found, always by a checked name."""
    text = check_name(name)
    for directory in [*first, *search_dirs()]:
        for suffix in suffixes:
            candidate = directory / f"{text}{suffix}"
            if candidate.is_file():
                return candidate.resolve()
    return None


def available_profiles() -> list[str]:
    names = set(_registered)
    for directory in search_dirs():
        if directory.is_dir():
            for path in directory.iterdir():
                if path.name.endswith(SUFFIXES) and NAME_PATTERN.fullmatch(_stem(path)):
                    names.add(_stem(path))
    return sorted(names, key=lambda n: (n != "national", n))


@lru_cache(maxsize=1)
def _sandbox():
    import jinja2
    import jinja2.sandbox
    return jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                               autoescape=False)

# What a profile template may use: the year, numbers and text, + and -, comparisons and {% if %}. No
# loop, call, filter, attribute or item access: nothing that could run code past the sandbox, or spin
# ("{% for %}" nested, "9**9**9") before the size of the result can be checked.
_TEMPLATE_NODES = ("Template", "Output", "TemplateData", "Name", "Const", "Add", "Sub", "Neg", "Pos", "If",
                   "CondExpr", "Compare", "Operand", "And", "Or", "Not", "Concat")


def _check_template(text: str, path: Path) -> None:
    import jinja2.nodes
    allowed = tuple(getattr(jinja2.nodes, n) for n in _TEMPLATE_NODES)
    stack = [_sandbox().parse(text)]
    while stack:
        node = stack.pop()
        if not isinstance(node, allowed) or (isinstance(node, jinja2.nodes.Name) and node.name != "year"):
            what = node.name if isinstance(node, jinja2.nodes.Name) else type(node).__name__
            raise ProfileError(f"规则配置模板试图执行不允许的操作（第{node.lineno}行：{what}）：规则配置只能是数据，"
                               "模板里只能用 {{ year }}、加减和 {% if %}", where=str(path))
        stack.extend(node.iter_child_nodes())


# Rendered profiles are kept on disk (JSON, in the user's cache folder): a one-file `jixiao validate`
# then needs neither Jinja2 nor PyYAML, which cost more than reading and checking the form. An entry
# holds the rendered data and the files it came from (the profile and those it extends) with their
# size and modification time; it is used only while every one of them is unchanged, and only for the
# same search path. Any problem with the cache just renders again.
CACHE_VERSION = 2             # 2: the keys are checked (PROFILE_SCHEMA)


def _cache_file(path: Path, year: int) -> tuple[Path | None, str]:
    """The cache entry of a profile rendered for `year`, and its key: everything the rendering depends
    on besides the files it read (which the entry stamps)."""
    import json
    import zlib
    key = json.dumps([CACHE_VERSION, str(path), year, os.environ.get("JIXIAO_PROFILE_PATH", ""),
                      sorted((k, str(v)) for k, v in _registered.items())], ensure_ascii=False)
    return cache_entry(f"profile-{zlib.crc32(key.encode('utf-8')):08x}-{len(key)}.json"), key


def _cached_render(path: Path, year: int) -> dict:
    """`_render`, through the on-disk cache."""
    entry, key = _cache_file(path, year)
    data = read_cached(entry, key, 2 * MAX_PROFILE_BYTES)
    if data is None:
        used: list[Path] = []
        data = _render(path, year, used)
        write_cached(entry, key, used, data)
    return data


def _render(path: Path, year: int, used: list[Path] | None = None) -> dict:
    import jinja2
    import jinja2.sandbox
    import yaml
    if used is not None:
        used.append(path)
    try:
        text = read_limited(path, MAX_PROFILE_BYTES, "规则配置文件").decode("utf-8")   # a regular file only
        _check_template(text, path)
        rendered = _sandbox().from_string(text).render(year=year)
        if len(rendered) > MAX_PROFILE_BYTES:
            raise ProfileError(f"规则配置展开后超过 {MAX_PROFILE_BYTES // 1024} KB", where=str(path))
        from .safedata import load_yaml
        data = load_yaml(rendered, str(path))      # no alias bomb, no deep nesting
    except ProfileError:
        raise
    except JixiaoError as exc:
        raise ProfileError(exc.message, where=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"无法读取规则配置文件：{exc}", where=str(path)) from None
    except jinja2.sandbox.SecurityError as exc:
        raise ProfileError(f"规则配置模板试图执行不允许的操作（{exc}）：规则配置只能是数据", where=str(path)) from None
    except jinja2.TemplateError as exc:
        raise ProfileError(f"规则配置模板有误（第{getattr(exc, 'lineno', '?')}行）：{exc}", where=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"第{mark.line + 1}行" if mark else ""
        raise ProfileError(f"规则配置不是有效的YAML{line}：{getattr(exc, 'problem', exc)}", where=str(path)) from None
    if not isinstance(data, dict):
        raise ProfileError("规则配置应是“键: 值”的映射", where=str(path))
    check_keys(data, path)
    parent = data.pop("extends", None)
    if parent:
        try:
            parent = check_name(parent)
        except ProfileError as exc:
            raise ProfileError(f"extends：{exc.message}", where=str(path)) from None
        if parent == _stem(path):
            raise ProfileError(f"规则配置不能继承自身（extends: {parent}）", where=str(path))
        data = _deep_merge(_render(find_profile(parent), year, used), data)
    return data


def _need(data: dict, dotted: str, where: Path):
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ProfileError(f"规则配置缺少设置项“{dotted}”", where=str(where))
        node = node[part]
    return node


def _number(value, dotted: str, where: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProfileError(f"设置项“{dotted}”应为数字，现为“{value}”", where=str(where))
    return float(value)


def _flag(value, dotted: str, where: Path) -> bool:
    if not isinstance(value, bool):
        raise ProfileError(f"设置项“{dotted}”应为 true 或 false，现为“{value}”", where=str(where))
    return value


def _words(value, dotted: str, where: Path) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ProfileError(f"设置项“{dotted}”应为文字的列表，如 [达成, 已完成]", where=str(where))
    return tuple(v.strip() for v in value)


def _rule(name: str, spec: dict, where: Path) -> Rule:
    kind = spec.get("kind")
    if kind not in ("proportional", "band"):
        raise ProfileError(f"计分规则“{name}”的kind应为proportional或band，现为“{kind}”", where=str(where))
    reverse = spec.get("reverse", "deviation")
    if reverse not in ("deviation", "ratio"):
        raise ProfileError(f"计分规则“{name}”的reverse应为deviation或ratio", where=str(where))
    plain = spec.get("plain_number", "正向")
    if plain not in DIRECTIONS[:3]:
        raise ProfileError(f"计分规则“{name}”的plain_number应为正向、反向或等于", where=str(where))
    basis = spec.get("shortfall_basis", "ratio")
    if basis not in ("ratio", "points"):
        raise ProfileError(f"计分规则“{name}”的shortfall_basis应为ratio或points", where=str(where))
    bound = spec.get("range_target", "low")
    if bound not in ("low", "high"):
        raise ProfileError(f"计分规则“{name}”的range_target应为low或high", where=str(where))
    nums = {k: _number(spec.get(k, d), f"rules.{name}.{k}", where)
            for k, d in (("full_from", 1.0), ("full_to", 1.0), ("below_per_point", 0.0), ("above_per_point", 0.0))}
    if nums["full_to"] < nums["full_from"]:
        raise ProfileError(f"计分规则“{name}”的full_to不能小于full_from", where=str(where))
    return Rule(name=name, kind=kind, reverse=reverse, plain_number=plain, shortfall_basis=basis,
                range_target=bound, **nums)


def _check_layout(data: dict, source: Path) -> None:
    """The profile names a layout (jixiao.engine.layouts) and has the header fields and texts it shows."""
    from .layouts import LayoutError, block, has_funds, load_layout, required_keys
    name = data.get("layout", data.get("name"))
    try:
        layout = load_layout(name)
    except LayoutError as exc:
        raise ProfileError(str(exc), where=str(source)) from None
    for part, keys in required_keys(layout).items():
        given = {str(item.get("key")) for item in data.get(part) or [] if isinstance(item, dict)}
        missing = [k for k in keys if k not in given]
        if missing:
            raise ProfileError(f"表样“{name}”需要 {part} 中有：{'、'.join(missing)}", where=str(source))
    if has_funds(layout) and not (data.get("funds") or {}).get("rows"):
        raise ProfileError(f"表样“{name}”需要资金表各行（funds.rows）", where=str(source))
    drawn = "deduction" in block(layout, "grid")["columns"]
    if bool(data.get("reviewer_deduction")) != drawn:
        raise ProfileError(f"reviewer_deduction（扣减分数）须与表样一致：表样“{name}”" +
                           ("有扣减分数栏，请设 reviewer_deduction: true" if drawn else
                            "没有扣减分数栏；请选用有这一栏的表样（如 layout: review）"), where=str(source))


def _check_name(data: dict, source: Path) -> None:
    """Workbooks record the profile's `name` and profiles are found by file name: they must agree,
    or a form could be read back with another region's rules."""
    name, stem = str(data.get("name", "")), _stem(source)
    if name != stem:
        raise ProfileError(f"规则配置文件名“{stem}”与其中的 name“{name}”不同：工作簿按 name 记录所用规则，"
                           f"请把文件改名为“{name}{SUFFIXES[0]}”，或把 name 改为“{stem}”", where=str(source))


def _check_text_limits(data: dict, source: Path) -> None:
    """max_chars of header fields and text blocks, explanation_max_chars, and funds.low_rate_reason (the
    text block that holds the reason for a low 执行率) must make sense."""
    limits = [(f"{part}[{item.get('key')}].max_chars", item["max_chars"]) for part in ("header", "texts")
              for item in data.get(part) or [] if isinstance(item, dict) and "max_chars" in item]
    if "explanation_max_chars" in data:
        limits.append(("explanation_max_chars", data["explanation_max_chars"]))
    for what, value in limits:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ProfileError(f"设置项“{what}”应为正整数（字数），现为“{value}”", where=str(source))
    reason = (data.get("funds") or {}).get("low_rate_reason")
    keys_ = [t.get("key") for t in data.get("texts") or [] if isinstance(t, dict)]
    if reason is not None and reason not in keys_:
        raise ProfileError(f"funds.low_rate_reason 应为 texts 中的一个栏目（{'、'.join(map(str, keys_))}），现为“{reason}”",
                           where=str(source))


def build_profile(data: dict, year: int, source: Path) -> Profile:
    _check_name(data, source)
    _check_layout(data, source)
    rules = {name: _rule(name, spec or {}, source) for name, spec in (_need(data, "rules", source) or {}).items()}
    cats = []
    for i, spec in enumerate(_need(data, "categories", source)):
        rule_name = spec.get("rule")
        if rule_name not in rules:
            raise ProfileError(f"一级指标“{spec.get('label')}”引用了不存在的计分规则“{rule_name}”", where=str(source))
        cats.append(Category(
            key=str(_need(spec, "key", source)), label=str(_need(spec, "label", source)),
            weight=_number(spec.get("weight"), f"categories[{i}].weight", source), rule=rules[rule_name],
            subcategories=tuple(spec.get("subcategories") or ()),
            fixed_indicators=tuple(spec.get("fixed_indicators") or ())))
    if not cats:
        raise ProfileError("规则配置至少需要一个一级指标（categories）", where=str(source))
    levels = tuple(Level(label=str(lv["label"]), short=str(lv.get("short", lv["label"])),
                         min=_number(lv["min"], "qualitative.levels.min", source),
                         max=_number(lv["max"], "qualitative.levels.max", source),
                         score=_number(lv["score"], "qualitative.levels.score", source),
                         words=_words(lv.get("words"), f"qualitative.levels[{lv['label']}].words", source))
                   for lv in _need(data, "qualitative.levels", source))
    named: dict[str, str] = {}
    for lv in levels:
        for name in lv.names:
            if named.setdefault(name, lv.label) != lv.label:
                raise ProfileError(f"定性档次的写法“{name}”同时属于“{named[name]}”和“{lv.label}”", where=str(source))
    for lv in levels:
        if not (0 <= lv.min <= lv.score <= lv.max <= 1):
            raise ProfileError(f"定性档次“{lv.label}”应满足 0 ≤ min ≤ score ≤ max ≤ 1", where=str(source))
    unselected_name = data["qualitative"].get("unselected_level", levels[0].label)
    unselected = next((lv for lv in levels if unselected_name in (lv.label, lv.short)), None)
    if unselected is None:
        raise ProfileError(f"qualitative.unselected_level“{unselected_name}”不是已定义的档次", where=str(source))
    applies = data["qualitative"].get("unselected_applies", "same_text")
    if applies not in ("same_text", "filled"):
        raise ProfileError("qualitative.unselected_applies应为same_text或filled", where=str(source))
    grades = tuple(sorted((Grade(str(g["label"]), _number(g["min"], "grades.bands.min", source))
                           for g in _need(data, "grades.bands", source)), key=lambda g: -g.min))
    funds = data.get("funds") or {}
    rounding = data.get("rounding") or {}
    over = data.get("overachievement") or {}
    method = data.get("shared_weight_method", "min")
    if method not in ("min", "mean"):
        raise ProfileError("shared_weight_method应为min或mean", where=str(source))
    caps = []
    for n, band in enumerate(data.get("total_cap") or [], 1):
        where = f"total_cap 第{n}项"
        if not isinstance(band, dict) or "below" not in band or "max" not in band:
            raise ProfileError(f"{where}应为 {{below: 执行率, max: 总分上限}}，如 {{below: 0.8, max: 89}}", where=str(source))
        below, most = _number(band["below"], f"{where}.below", source), _number(band["max"], f"{where}.max", source)
        if not 0 < below <= 1 or most < 0:
            raise ProfileError(f"{where}：below 应为 0 到 1 之间的执行率（如 0.8），max 应为不小于 0 的总分", where=str(source))
        caps.append((below, most))
    if caps and not funds.get("rows"):
        raise ProfileError("total_cap 按资金表的执行率封顶总分：这个表样没有资金表（funds.rows）", where=str(source))
    shoot = data.get("overshoot_deduction") or {}
    shoot_at = _number(shoot.get("threshold", 0), "overshoot_deduction.threshold", source) if shoot else 0.0
    shoot_points = _number(shoot.get("points", 0), "overshoot_deduction.points", source) if shoot else 0.0
    if shoot and (shoot_at <= 1 or shoot_points <= 0):
        raise ProfileError("overshoot_deduction 的 threshold 应大于 1（如 1.3：超过指标值30%），points 应大于 0（如 2）",
                           where=str(source))
    _check_text_limits(data, source)
    denominator = funds.get("denominator", "全年预算数")
    if denominator not in DENOMINATORS:
        raise ProfileError(f"funds.denominator 应为{'、'.join(DENOMINATORS)}之一，现为“{denominator}”", where=str(source))
    basis = data["grades"].get("basis", "total")
    if basis not in ("total", "percent"):
        raise ProfileError("grades.basis应为total或percent", where=str(source))
    return Profile(
        name=str(_need(data, "name", source)), year=year, data=data, categories=tuple(cats), rules=rules,
        levels=levels, unselected_level=unselected, unselected_applies=applies, grades=grades, grade_basis=basis,
        max_total=_number(data.get("max_total", 100), "max_total", source),
        score_decimals=int(rounding.get("score_decimals", 2)), rate_decimals=int(rounding.get("rate_decimals", 4)),
        funds_scored=bool(funds.get("scored", True)), funds_weight=float(funds.get("weight", 0) or 0),
        funds_cap=bool(funds.get("cap_at_weight", True)), funds_denominator=denominator, shared_weight_method=method,
        overachievement=float(over.get("threshold", 0) or 0),
        overachievement_needs_explanation=bool(over.get("require_explanation", False)),
        source=source, reviewer_deduction=_flag(data.get("reviewer_deduction", False), "reviewer_deduction", source),
        total_caps=tuple(sorted(caps)), overshoot_threshold=shoot_at, overshoot_points=shoot_points)


@lru_cache(maxsize=64)
def _load_cached(path: Path, mtime: float, year: int) -> Profile:
    return build_profile(_cached_render(path, year), year, path)


def load_profile(name="national", year: int | None = None) -> Profile:
    """Load a profile by name (national, zhuzhou, suzhou, one on $JIXIAO_PROFILE_PATH, or one the user
    registered from the command line). Never by a path: see the module docstring."""
    if isinstance(name, Profile):
        return name
    path = find_profile(name or "national")
    year = int(year) if year else default_year()
    return _load_cached(path, path.stat().st_mtime, year)
