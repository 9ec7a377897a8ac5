"""The native formulas that read target and actual texts (templates/text_formulas.py) give, cell by
cell, what the Python mirror (jixiao.engine.targets.sheet_reading, text_formulas.row_values) says,
in LibreOffice AND Gnumeric: on every real pair of tests/data/target_actual_pairs.tsv (each with its
source) and on generated texts of the grammar real forms use (tests/support/textgen.py). And the
mirror never reads a text differently from the engine: where it reads, it reads what the rules read."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jixiao.engine import scoring
from jixiao.engine.model import Indicator
from jixiao.engine.profiles import load_profile
from tests.support import readingbook, textgen

DATA = Path(__file__).parent / "data" / "target_actual_pairs.tsv"


def real_pairs() -> list[tuple[object, object]]:
    with DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert all(r["source"].strip() for r in rows), "every real pair names its source"
    return [(r["target"] or None, r["actual"] or None) for r in rows]


def _same(got, want) -> bool:
    if got is None:
        got = ""
    if isinstance(got, bool) or isinstance(want, bool):
        return got is want
    if isinstance(got, (int, float)) and isinstance(want, (int, float)):
        return float(got) == float(want)
    return got == want


CASES = {
    # profile, rule of the row, pairs
    "national": ("national", "产出指标", lambda: real_pairs() + textgen.pairs(300, seed=9)),
    "suzhou": ("suzhou", "结果目标", lambda: textgen.pairs(120, seed=4) + [("好", "较好"), ("≥8000人次", "8757人次"),
                                                                       ("100%", "100%"), ("85%", 96)]),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def book(request, tmp_path_factory, calc, gnumeric):
    profile_name, category, make = CASES[request.param]
    profile = load_profile(profile_name, 2026)
    rule = profile.category(category).rule
    pairs = make()
    tmp = tmp_path_factory.mktemp(request.param)
    src = readingbook.build(pairs, profile, rule, tmp / "reading.xlsx")
    engines = {"LibreOffice": gnumeric.values(calc.recalc(src, tmp / "lo.xlsx"))["读"],
               "Gnumeric": gnumeric.values(gnumeric.recalc(src, tmp / "gn.xlsx"))["读"]}
    return pairs, readingbook.expected(pairs, profile, rule), engines


@pytest.mark.parametrize("engine", ["LibreOffice", "Gnumeric"])
def test_every_reading_cell_equals_the_mirror(book, engine):
    pairs, expected, engines = book
    got = engines[engine]
    wrong = []
    for i, row in enumerate(expected):
        for key, want in row.items():
            value = got.get(f"{readingbook._col(key)}{i + 2}")
            if not _same(value, want):
                wrong.append(f"{pairs[i]!r} {key}: {engine} {value!r}, mirror {want!r}")
    assert not wrong, f"{len(wrong)} cells differ:\n" + "\n".join(wrong[:20])


def test_the_sheet_scores_the_real_pairs_as_the_rules_or_says_daiding():
    """On real forms' pairs, as an indicator row of 10 points: where the rules give a score, the sheet
    gives the same one or 待定, never another number; and it gives the score for at least 95 %."""
    profile = load_profile("national", 2026)
    cat = profile.category("产出指标")
    same = pending = 0
    for target, actual in real_pairs():
        ind = Indicator(cat.label, "数量指标", "x", target, actual, 10)
        rules = scoring.score_row(ind, profile, cat, True, scoring.ENGINE)
        sheet = scoring.score_row(ind, profile, cat, True, scoring.SHEET)
        if rules.waiting or rules.fraction is None:
            continue
        if sheet.waiting:
            pending += 1
            continue
        assert sheet.fraction == rules.fraction, (target, actual)
        same += 1
    assert same + pending >= 300 and same / (same + pending) >= 0.95, (same, pending)
