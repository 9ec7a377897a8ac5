"""X: checks across the files of one run (a folder of returned forms), made as results arrive
(`FolderCheck`), so that nothing but a small key per form is held. Registered as rules so that they
have codes, docs and a place in jixiao.toml; on a single form they find nothing."""
from __future__ import annotations

from typing import NamedTuple

from ..config import DEFAULT, Config
from ..core import ERROR, REGISTRY, Context, Finding, rule


@rule("X01", ERROR, summary="同一项目（项目名称 + 单位）报送了两份",
      rationale="一批收回的表中，同一单位的同一项目出现两次，多半是修改后重报而旧表未撤回；两份都计入汇总会重复计数，"
                "复核也不知道以哪份为准。",
      fix="确认以哪一份为准，把另一份移出本批文件夹；确为两个不同项目的，请在项目名称中区分（或加项目编号）。")
def duplicate_project(ctx: Context):
    return ()


@rule("X02", ERROR, summary="应报项目清单中的项目没有收到自评表",
      rationale="给出应报项目清单（jixiao validate --expected 清单.csv）时，按主管部门列出没有收到自评表的项目，"
                "便于催报。按项目名称（和单位，清单中有时）对照。",
      fix="向所列主管部门催报；已报送但项目名称写法不同的，请统一项目名称后重新校验。")
def missing_project(ctx: Context):
    return ()


def project_of(form) -> str:
    """The project a form is about: 项目名称, else 专项名称—子项名称 (株洲)."""
    h = form.header
    if str(h.get("project_name") or "").strip():
        return str(h["project_name"]).strip()
    return "—".join(str(h[k]).strip() for k in ("special_name", "subitem_name") if str(h.get(k) or "").strip())


def unit_of(form) -> str:
    """The unit that reports it: 实施单位, else 主管部门."""
    h = form.header
    return str(h.get("unit") or h.get("department") or "").strip()


def norm(text) -> str:
    """A name as compared: NFKC (全角 -> 半角), no spaces, case-folded."""
    import unicodedata
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).casefold()


class Expected(NamedTuple):
    project: str
    unit: str = ""
    department: str = ""
    where: str = ""        # "第3行" of the list


class FolderCheck:
    """Cross-file findings for one run: `add` each form as it arrives, `finish` at the end."""

    def __init__(self, config: Config | None = None, expected: list[Expected] | None = None, expected_file: str = ""):
        self.config = config or DEFAULT
        self.seen: dict[tuple[str, str], str] = {}     # (project, unit) -> first file
        self.projects: set[str] = set()
        self.pairs: set[tuple[str, str]] = set()
        self.expected = expected or []
        self.expected_file = expected_file

    def _finding(self, code: str, message: str, file: str, sheet: str = "", cell: str = "") -> Finding:
        r = REGISTRY[code]
        return Finding(code, self.config.severity_of(code, r.severity), message, r.fix, sheet, cell, file)

    def add(self, file: str, project: str, unit: str, where: str = "") -> list[Finding]:
        """Findings about this form given the ones before it (X01)."""
        p, u = norm(project), norm(unit)
        if not p:
            return []
        self.projects.add(p)
        self.pairs.add((p, u))
        first = self.seen.setdefault((p, u), file)
        if first == file or not self.config.enabled("X01"):
            return []
        sheet, _, cell = where.rpartition("!")
        who = f"（{unit}）" if unit else ""
        return [self._finding("X01", f"项目“{project}”{who}已在“{first}”中报送过，本批中出现两份。", file, sheet, cell)]

    def finish(self) -> list[Finding]:
        """X02: expected projects with no form, by 主管部门."""
        if not self.expected or not self.config.enabled("X02"):
            return []
        missing: dict[str, list[Expected]] = {}
        for e in self.expected:
            p, u = norm(e.project), norm(e.unit)
            if (p, u) in self.pairs or (not u and p in self.projects):
                continue
            missing.setdefault(e.department or "（未写主管部门）", []).append(e)
        out = []
        for dept, items in missing.items():
            names = "、".join(f"{e.project}{'（' + e.unit + '）' if e.unit else ''}" for e in items[:20])
            more = f"等共 {len(items)} 个" if len(items) > 20 else f"共 {len(items)} 个"
            rows = "、".join(e.where for e in items[:20] if e.where)
            out.append(self._finding("X02", f"主管部门“{dept}”缺少 {len(items)} 份自评表：{names}（{more}"
                                             f"{'；清单' + rows if rows else ''}）。", self.expected_file))
        return out
