"""What reading a file gives: each form with its profile and how it was read (jixiao.engine.forms).
Kept apart from the heading reader so that reading a jixiao workbook does not import it."""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Form
from .profiles import Profile


@dataclass
class Reading:
    """How a form was read, for the reviewer: by jixiao's names or by headings, which layout and rules,
    why, and what could not be placed."""

    method: str                  # "names" | "headings"
    layout: str                  # vocabulary layout key (national, zhuzhou, suzhou, sichuan, department)
    layout_name: str
    profile: str
    reason: str                  # one sentence: "按表头识别为全国通用样式：…；按规则 national 计分"
    sheet: str = ""
    unplaced: list[tuple[str, str]] = field(default_factory=list)   # ("Sheet!J14", text)
    notes: list[str] = field(default_factory=list)


@dataclass
class ReadForm:
    form: Form
    profile: Profile
    reading: Reading
