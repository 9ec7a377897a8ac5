"""The bureau's tuning of the checks, without code: which rules run, their severity, their thresholds,
and whether units may waive a finding. Modelled on sqlfluff's configuration (``rules`` /
``exclude_rules`` / ``warnings`` and a section per rule) and its ``-- noqa`` comments.

Where it comes from, later over earlier:
  1. the rules' own defaults (``@rule(..., params={...})``);
  2. the profile's ``validation:`` mapping (a region's defaults, same keys as below);
  3. a ``jixiao.toml`` file: ``jixiao validate --config FILE``, else ``jixiao.toml`` in the current
     folder, else ``~/.jixiao/jixiao.toml`` (never a file inside the folders being checked: units must
     not be able to switch the checks off).

    [validation]
    rules = ["ALL"]                 # codes or group letters ("F", "I01"); default all
    exclude_rules = ["T05", "T06"]  # switched off
    errors = ["W03"]                # reported as 错误
    warnings = ["I12"]              # reported as 警告

    [validation.rules.R02]          # a rule's thresholds (docs/validation-rules.md lists them)
    max_rate = 0.5

    [waivers]                       # a cell comment "jixiao: 忽略 I11 原因：……"
    enabled = true
    exclude_rules = ["T01", "T03"]  # findings that can never be waived

A waiver is a cell comment (批注) whose line starts with ``jixiao: 忽略`` (or ``jixiao：忽略``) followed
by rule codes and a reason: ``jixiao: 忽略 I11 原因：指标值按省厅口径设定``. It waives those rules'
findings on the same sheet row as the comment (as ``-- noqa`` does for a line). A waiver without a
reason is not honoured (rule P06 reports it).
"""
from __future__ import annotations

import re
from typing import NamedTuple
from pathlib import Path
from typing import Any

from ..errors import JixiaoError

SEVERITY_WORDS = {"错误": "错误", "error": "错误", "警告": "警告", "warning": "警告"}
CONFIG_NAME = "jixiao.toml"
MAX_CONFIG_BYTES = 256 * 1024


class ConfigError(JixiaoError):
    """A jixiao.toml that cannot be used (said in Chinese, naming the file)."""


class Config(NamedTuple):      # a NamedTuple, not a dataclass: immutable, picklable, and cheap to import
    select: frozenset[str] | None = None          # codes / group letters; None = all
    exclude: frozenset[str] = frozenset()
    severity: tuple[tuple[str, str], ...] = ()    # (code, 错误|警告)
    params: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    waivers: bool = True
    unwaivable: frozenset[str] = frozenset()
    bureau: str = ""                              # [summary] bureau: printed on the summary workbook
    source: str = ""                              # the file it was read from ("" = defaults)

    def enabled(self, code: str) -> bool:
        if code in self.exclude or code[0] in self.exclude:
            return False
        return self.select is None or "ALL" in self.select or code in self.select or code[0] in self.select

    def severity_of(self, code: str, default: str) -> str:
        return dict(self.severity).get(code, default)

    def param(self, code: str, name: str, default: Any) -> Any:
        return dict(dict(self.params).get(code, ())).get(name, default)

    def waivable(self, code: str) -> bool:
        return self.waivers and code not in self.unwaivable

    def merged(self, over: "Config") -> "Config":
        """This config with `over`'s settings on top (the file's over the profile's)."""
        params = {c: dict(p) for c, p in self.params}
        for c, p in over.params:
            params.setdefault(c, {}).update(dict(p))
        return Config(select=over.select if over.select is not None else self.select,
                      exclude=self.exclude | over.exclude,
                      severity=tuple({**dict(self.severity), **dict(over.severity)}.items()),
                      params=tuple((c, tuple(p.items())) for c, p in params.items()),
                      waivers=self.waivers and over.waivers, unwaivable=self.unwaivable | over.unwaivable,
                      bureau=over.bureau or self.bureau, source=over.source or self.source)


DEFAULT = Config()


def _codes(value, key: str, where: str) -> frozenset[str]:
    from .core import REGISTRY
    if isinstance(value, str):
        value = [v for v in re.split(r"[,，、\s]+", value) if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}：{key} 应为规则代码的列表，如 [\"T05\", \"I11\"]")
    out = set()
    for v in value:
        code = v.strip().upper()
        if code == "ALL" or code in REGISTRY or (len(code) == 1 and any(c[0] == code for c in REGISTRY)):
            out.add(code)
        else:
            raise ConfigError(f"{where}：{key} 中的“{v}”不是规则代码（见 docs/validation-rules.md）")
    return frozenset(out)


def from_mapping(data: dict, where: str) -> Config:
    """A Config from the parsed TOML (or a profile's ``validation:`` mapping merged with ``waivers:``)."""
    from .core import REGISTRY
    if not isinstance(data, dict):
        raise ConfigError(f"{where}：内容应为键值表")
    known = {"validation", "waivers", "summary"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}：不认识的设置节 {', '.join(unknown)}（可用：[validation]、[waivers]、[summary]）")
    val = data.get("validation") or {}
    wai = data.get("waivers") or {}
    summ = data.get("summary") or {}
    for name, section in (("validation", val), ("waivers", wai), ("summary", summ)):
        if not isinstance(section, dict):
            raise ConfigError(f"{where}：[{name}] 应为一节设置")
    if set(summ) - {"bureau"}:
        raise ConfigError(f"{where}：[summary] 中只能设置 bureau（汇总表上的财政部门名称）")
    select = None
    severity: dict[str, str] = {}
    params: dict[str, dict] = {}
    for key, value in val.items():
        if key == "rules" and isinstance(value, dict):      # [validation.rules.R02] tables
            for code, settings in value.items():
                code = str(code).upper()
                rule = REGISTRY.get(code)
                if rule is None:
                    raise ConfigError(f"{where}：[validation.rules.{code}] 不是规则代码")
                if not isinstance(settings, dict):
                    raise ConfigError(f"{where}：[validation.rules.{code}] 应为一节设置")
                for name, setting in settings.items():
                    if name == "severity":
                        severity[code] = _severity(setting, f"{where}：[validation.rules.{code}] severity")
                        continue
                    if name not in rule.params:
                        have = "、".join(rule.params) or "无"
                        raise ConfigError(f"{where}：规则 {code} 没有设置项“{name}”（可设：{have}）")
                    params.setdefault(code, {})[name] = _same_type(setting, rule.params[name],
                                                                   f"{where}：[validation.rules.{code}] {name}")
        elif key == "rules":
            select = _codes(value, "rules", where)
        elif key == "exclude_rules":
            continue                                      # read below
        elif key in ("errors", "warnings"):
            for code in _codes(value, key, where):
                severity[code] = "错误" if key == "errors" else "警告"
        elif key == "severity" and isinstance(value, dict):
            for code, word in value.items():
                code = str(code).upper()
                if code not in REGISTRY:
                    raise ConfigError(f"{where}：[validation.severity] 中的“{code}”不是规则代码")
                severity[code] = _severity(word, f"{where}：[validation.severity] {code}")
        else:
            raise ConfigError(f"{where}：[validation] 中不认识的设置“{key}”"
                              "（可用：rules、exclude_rules、errors、warnings、severity 和 [validation.rules.代码]）")
    exclude = _codes(val.get("exclude_rules", []), "exclude_rules", where)
    for key in wai:
        if key not in ("enabled", "exclude_rules"):
            raise ConfigError(f"{where}：[waivers] 中不认识的设置“{key}”（可用：enabled、exclude_rules）")
    enabled = wai.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}：[waivers] enabled 应为 true 或 false")
    # group letters expand to codes for waivers
    unwaivable = {c for c in REGISTRY for u in _codes(wai.get("exclude_rules", []), "exclude_rules", where)
                  if c == u or c[0] == u or u == "ALL"}
    return Config(select=select, exclude=exclude, severity=tuple(severity.items()),
                  params=tuple((c, tuple(p.items())) for c, p in params.items()), waivers=enabled,
                  unwaivable=frozenset(unwaivable), bureau=str(summ.get("bureau") or "").strip(), source=where)


def _severity(word, where: str) -> str:
    sev = SEVERITY_WORDS.get(str(word).strip().lower())
    if sev is None:
        raise ConfigError(f"{where} 应为“错误”或“警告”（error / warning），现为“{word}”")
    return sev


def _same_type(value, default, where: str):
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} 应为 true 或 false")
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} 应为数字，现为“{value}”")
        return value
    if isinstance(default, (list, tuple)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} 应为文字的列表")
        return tuple(value)
    return str(value)


def load(path) -> Config:
    """Read a jixiao.toml. Raises ConfigError with the file named."""
    import tomllib
    p = Path(path)
    try:
        if p.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"校验设置文件“{p}”过大（超过 256 KB）")
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"找不到校验设置文件“{p}”") from None
    except UnicodeDecodeError:
        raise ConfigError(f"校验设置文件“{p}”不是 UTF-8 编码的文本；请用记事本另存为 UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"校验设置文件“{p}”格式有误：{exc}") from None
    except OSError as exc:
        raise ConfigError(f"无法读取校验设置文件“{p}”：{exc.strerror or exc}") from None
    return from_mapping(data, str(p))


def find(explicit=None, cwd=None) -> Config:
    """The bureau's config: `explicit` (--config), else jixiao.toml in `cwd`, else in ~/.jixiao/;
    the defaults when there is none."""
    if explicit:
        return load(explicit)
    for candidate in (Path(cwd or Path.cwd()) / CONFIG_NAME, Path.home() / ".jixiao" / CONFIG_NAME):
        if candidate.is_file():
            return load(candidate)
    return DEFAULT


def for_profile(config: Config, profile) -> Config:
    """The profile's ``validation:`` / ``waivers:`` settings under the bureau's file."""
    data = {k: profile.data[k] for k in ("validation", "waivers") if k in profile.data}
    if not data:
        return config
    return from_mapping(data, f"规则配置“{profile.name}”").merged(config)


# Waivers ---------------------------------------------------------------------------------------

_WAIVER = r"^\s*jixiao\s*[:：]\s*忽略\s*(?P<codes>(?:[A-Za-z][0-9]{2}[\s,，、]*)+)(?P<reason>.*)$"
_REASON_HEAD = r"^\s*(?:原因|理由|说明)?\s*[:：]?\s*"


class Waiver(NamedTuple):
    sheet: str
    row: int
    cell: str
    codes: tuple[str, ...]
    reason: str
    text: str = ""


def parse_waivers(sheet: str, cell: str, text: str) -> list[Waiver]:
    """The waivers in one comment's text (one per ``jixiao: 忽略`` line)."""
    m_row = re.search(r"([0-9]+)$", cell)
    row = int(m_row.group(1)) if m_row else 0
    out = []
    for m in re.finditer(_WAIVER, text or "", re.MULTILINE):    # compiled on first use (re's cache)
        codes = tuple(c.upper() for c in re.findall(r"[A-Za-z][0-9]{2}", m.group("codes")))
        reason = re.sub(_REASON_HEAD, "", m.group("reason")).strip()
        out.append(Waiver(sheet, row, cell, codes, reason, m.group(0).strip()))
    return out
