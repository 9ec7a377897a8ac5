"""Random filled forms for agreement tests and benchmarks: the kinds of text accountants write,
blanks, shared weights, overridden directions and qualitative levels, per profile."""
from __future__ import annotations

import random

from jixiao.engine.scoring import equal_split
from jixiao.engine.model import Form, FundsRow, Indicator, SubItem
from jixiao.engine.profiles import Profile, load_profile

QUALITATIVE = ["合规", "健全", "规范", "获得", "比去年有所上升", "按照《管理办法》文件实施", "有效提升"]


def _num(rng: random.Random) -> float | int:
    return rng.choice([rng.randint(0, 500), round(rng.uniform(0, 2000), 2), rng.randint(1, 20), round(rng.uniform(0, 1), 4)])


def random_target(rng: random.Random):
    n, p = rng.randint(1, 300), rng.choice([5, 15, 60, 80, 85, 90, 95, 98, 100])
    return rng.choice([
        f"{n}个以上", f"≥{p}%", f"{p}%以上", f"不低于{n}万/个", f"={n}平方米", f"{max(1, n // 10)}-{n // 10 + 2}次",
        f"{p}%及其以下", f"{rng.randint(1, 5)}亿以上", f"≤{p}%", f"{p}%以内", f"{p}%", "＞１５％", f"{n}人次",
        f"<{n}天", n, round(n / 7, 3), rng.choice(QUALITATIVE), f"={p}%", f"≥ {n} 个",
    ])


def random_actual(rng: random.Random, target, profile: Profile):
    levels = [lv.label for lv in profile.levels] + [lv.short for lv in profile.levels]
    n = rng.choice([rng.randint(0, 400), round(rng.uniform(0, 600), 2)])
    p = rng.choice([0, 40, 74.68, 84, 85, 90, 99, 100, 117, 130, 140, 250])
    return rng.choice([
        None, "", f"{n}个", f"{p}%", f"{p}%及时发放", f"{n}人次", n, round(n / 3, 5), f"完成{n}次",
        str(target) if target is not None else None, rng.choice(QUALITATIVE), rng.choice(levels), "已完成", -5,
        f"{rng.randint(1, 3)}亿", f"{n}万/个",
    ])


def random_indicator(rng: random.Random, profile: Profile, level1: str, level2: str = "", shares: bool = False,
                     weight=None) -> Indicator:
    target = random_target(rng)
    levels = [lv.label for lv in profile.levels]
    return Indicator(
        level1=level1, level2=level2, name=f"指标{rng.randint(1, 999)}", target=target,
        actual=random_actual(rng, target, profile), weight=None if shares else weight, shares_weight=shares,
        explanation=rng.choice(["", "", "受疫情影响"]),
        direction=rng.choice(["", "", "", "", "正向", "反向", "等于", "定性"]),
        level=rng.choice(["", "", rng.choice(levels), "很好"]))


PROFILES = ["national", "zhuzhou", "suzhou", "sichuan", "department"]


def random_form(rng: random.Random, profile_name: str | None = None, year: int = 2026) -> tuple[Profile, Form]:
    prof = load_profile(profile_name or rng.choice(PROFILES), year)
    form = Form(prof.name, prof.year, header={"project_name": f"随机项目{rng.randint(1, 99999)}"})
    if prof.layout == "suzhou":
        init = rng.choice([None, 0, rng.randint(100, 5000)])
        form.amounts = {"initial": init, "adjustment": rng.choice([None, 0, -rng.randint(0, 800), rng.randint(0, 500)]),
                        "appropriated": rng.choice([None, round(rng.uniform(0, 5000), 6)]),
                        "paid": rng.choice([None, round(rng.uniform(0, 5000), 6)]), "carryover": 0, "recovered": 0}
        form.subitems = [SubItem(f"子项{i}", rng.randint(0, 900), round(rng.uniform(0, 900), 6))
                         for i in range(rng.randint(0, 4))]
        for cat in prof.categories:
            if cat.fixed_indicators:
                for fi in cat.fixed_indicators:
                    form.indicators.append(Indicator(cat.label, "", fi["name"], fi.get("target"),
                                                     random_actual(rng, fi.get("target"), prof), fi.get("weight"),
                                                     level=rng.choice(["", "", "较好"])))
                continue
            n = rng.randint(1, 4)
            for w in equal_split(cat.weight, n, 2, prof.data["equal_split"]["remainder"]):
                form.indicators.append(random_indicator(rng, prof, cat.label, weight=w))
        return prof, form
    budget = rng.choice([None, 0, rng.randint(1, 1000), round(rng.uniform(1, 1000), 4)])
    executed = rng.choice([None, 0, rng.randint(0, 1200), round(rng.uniform(0, 1000), 6)])
    form.funds = [FundsRow("total", "年度资金总额", rng.randint(0, 1000), budget, executed)]
    form.funds_weight = rng.choice([10, 10, 10, 8, None])
    weights = [2, 3, 5, 7.5, 8, 10, 12.5, 15, 20]
    for cat in prof.categories:
        for _ in range(rng.randint(1, 3)):
            sub = rng.choice(cat.subcategories or [""])
            form.indicators.append(random_indicator(rng, prof, cat.label, sub, weight=rng.choice(weights)))
            while rng.random() < 0.3:  # rows sharing the weight above
                form.indicators.append(random_indicator(rng, prof, cat.label, sub, shares=True))
    return prof, form
