"""The reading vocabulary (templates/vocabulary.yaml): comparator words, scale words, percent signs,
characters written several ways. Loaded once; the parser (targets) and the native formulas of the
templates (jixiao.templates.formulas, through the hidden sheet 参数) both use it."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .errors import ProfileError
from .data import data_path, load_yaml

GE, GT, EQ, LE, LT = ">=", ">", "=", "<=", "<"
COMPARATORS = (GE, GT, EQ, LE, LT)


@dataclass(frozen=True)
class Vocabulary:
    replace: tuple[tuple[str, str], ...]          # step 1, in order
    words: tuple[tuple[str, str], ...]            # step 2: (word, marker), longest word first
    marker_of: dict                               # ">=" / ">=after" / ">=weak" ... -> marker character
    comparator_of_marker: dict                    # marker -> comparator (GE ...)
    after_markers: frozenset                      # markers of words that only count after the number
    weak_markers: frozenset                       # markers that lose ties
    scales: dict                                  # scale word -> power of ten
    units_not_scales: tuple[str, ...]
    percent: dict                                 # sign -> power of ten
    range_dashes: tuple[str, ...]
    clause_breaks: tuple[str, ...]
    not_units: frozenset                          # characters after a number that are not a unit
    date_after: tuple[str, ...]
    year_after: tuple[str, ...]
    titles: tuple[tuple[str, str], ...]
    forms: tuple[tuple[str, int, int], ...] = ()   # scale_pct_forms()

    @property
    def markers(self) -> str:
        return "".join(self.comparator_of_marker)

    def scale_pct_forms(self) -> tuple[tuple[str, int, int], ...]:
        """Every way a number can be followed by a scale word and/or a percent sign, longest first:
        (text, scale power, percent power)."""
        return self.forms


def _scale_pct_forms(scales: dict, percent: dict) -> tuple[tuple[str, int, int], ...]:
    forms = [(s, e, 0) for s, e in scales.items()]
    forms += [(p, 0, e) for p, e in percent.items()]
    forms += [(s + p, se, pe) for s, se in scales.items() for p, pe in percent.items()]
    return tuple(sorted(forms, key=lambda f: (-len(f[0]), f[0])))


def _strings(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ProfileError(f"读数词表 {where} 应为非空文字的列表", where=str(PATH))
    return tuple(value)


PATH = data_path("jixiao.templates", "vocabulary.yaml")


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    try:
        data = load_yaml(PATH)
    except Exception as exc:  # noqa: BLE001 - OSError, a YAML error, a size: said plainly
        raise ProfileError(f"无法读取读数词表：{exc}", where=str(PATH)) from None
    if not isinstance(data, dict):
        raise ProfileError("读数词表应是“键: 值”的映射", where=str(PATH))
    expected = {"replace", "comparators", "markers", "scales", "units_not_scales", "percent", "range_dashes",
                "clause_breaks", "not_units", "date_after", "year_after", "titles"}
    unknown = set(data) - expected
    if unknown or expected - set(data):
        raise ProfileError(f"读数词表的设置项应为 {'、'.join(sorted(expected))}；多出：{'、'.join(sorted(unknown)) or '无'}"
                           f"，缺少：{'、'.join(sorted(expected - set(data))) or '无'}", where=str(PATH))
    replace = tuple((str(a), str(b)) for a, b in data["replace"])
    markers = {str(k): str(v) for k, v in data["markers"].items()}
    words: list[tuple[str, str]] = []
    comparator_of_marker: dict[str, str] = {}
    after, weak = set(), set()
    for comparator, groups in data["comparators"].items():
        if comparator not in COMPARATORS:
            raise ProfileError(f"读数词表 comparators 中的“{comparator}”不是 >= > = <= <", where=str(PATH))
        for kind, listed in groups.items():
            if kind not in ("before_or_after", "after", "weak"):
                raise ProfileError(f"读数词表 comparators.{comparator} 中的“{kind}”应为 before_or_after、after 或 weak",
                                   where=str(PATH))
            key = comparator if kind == "before_or_after" else f"{comparator}{kind}"
            marker = markers[key]
            comparator_of_marker[marker] = comparator
            (after if kind == "after" else weak if kind == "weak" else set()).add(marker)
            words += [(w, marker) for w in _strings(listed, f"comparators.{comparator}.{kind}")]
    words.sort(key=lambda wm: -len(wm[0]))  # stable: equal lengths keep the file's order
    scales = {str(k): int(v) for k, v in data["scales"].items()}
    percent = {str(k): int(v) for k, v in data["percent"].items()}
    return Vocabulary(
        replace=replace, words=tuple(words), marker_of=markers, comparator_of_marker=comparator_of_marker,
        after_markers=frozenset(after), weak_markers=frozenset(weak),
        scales=scales, forms=_scale_pct_forms(scales, percent),
        units_not_scales=_strings(data["units_not_scales"], "units_not_scales"),
        percent=percent,
        range_dashes=_strings(data["range_dashes"], "range_dashes"),
        clause_breaks=_strings(data["clause_breaks"], "clause_breaks"),
        not_units=frozenset(_strings(data["not_units"], "not_units")),
        date_after=_strings(data["date_after"], "date_after"), year_after=_strings(data["year_after"], "year_after"),
        titles=tuple((str(a), str(b)) for a, b in data["titles"]))
