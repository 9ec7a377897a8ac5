"""Generated target / actual texts in the grammar real forms use, with the mistakes and noise they
carry: comparator words before or after the number, scale words, percent signs, units of any kind,
ranges, dates, durations, full-width characters, spaces, several numbers, codes, titles."""
from __future__ import annotations

import random

BEFORE = ["", "", "", "≥", ">=", "＞＝", "≧", "不低于", "不少于", "至少", "达到", ">", "大于", "超过", "=", "═", "等于",
          "≤", "<=", "不高于", "不超过", "以内", "<", "小于", "低于", "少于", "最多"]
AFTER = ["", "", "", "以上", "及以上", "以下", "及其以下", "以内", "之内", "个月内", "天内", "左右"]
NUMBERS = ["0", "1", "2", "3", "5", "8", "10", "12", "15", "20", "26", "50", "95", "93.1", "100", "118", "120",
           "0.5", "6.5", "1.2", "8757", "5859", "2021", "11723", "0.05", "99.99", "123456789012345", "1234567890123456"]
FULL = str.maketrans("0123456789.%", "０１２３４５６７８９．％")
SCALES = ["", "", "", "万", "亿", "千", "百万", "千万"]
PCT = ["", "", "%", "％", "‰", "百分比"]
UNITS = ["", "", "个", "次", "公里", "人次", "平方米", "元", "元/人", "万/个", "/家", "家", "年", "个月", "天", "千克",
         "kg", "m2", "㎡", "分", "项", "户", "亩"]
DASH = ["-", "~", "至", "到", "－", "—", "～"]
WORDS = ["合规", "健全", "达成", "部分达成", "未达成", "达成预期指标", "完成", "好", "较好", "有所提升", "按时完成", "是",
         "规范", "明显", "——", "/", "无"]
PREFIX = ["", "", "", "完成", "累计", "全年", "满意度", "约", "共", "ISO", "第", "《办法》", "2021年", "12月31日前",
          "（", "，"]
SUFFIX = ["", "", "", "。", "，满意度98%", "（含）", "左右", "以上项目", "，其中新建3处", "；", "完成", "12月31日"]
SPACE = ["", "", "", " ", "　", "\n"]


def number(rng: random.Random) -> str:
    n = rng.choice(NUMBERS)
    return n.translate(FULL) if rng.random() < 0.1 else n


def quantity(rng: random.Random) -> str:
    n = number(rng)
    if rng.random() < 0.15:
        n = n + rng.choice(SCALES) + rng.choice(PCT) + rng.choice(DASH) + number(rng)
    return n + rng.choice(SCALES) + rng.choice(PCT) + rng.choice(UNITS)


def text(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(WORDS)
    parts = [rng.choice(PREFIX), rng.choice(BEFORE), rng.choice(SPACE), quantity(rng), rng.choice(AFTER),
             rng.choice(SUFFIX)]
    return "".join(parts)


def pairs(n: int, seed: int = 9) -> list[tuple[object, object]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        target = text(rng)
        r = rng.random()
        if r < 0.2:
            actual = target                                    # repeated
        elif r < 0.3:
            actual = rng.choice([93.1, 0.931, 26, 480000, 0, 1, 96, 6.5])   # a number cell
        else:
            actual = text(rng)
        out.append((target, actual))
    return out
