"""Profiles load by name, render the year, inherit, and a copied, edited profile changes results."""

import pytest

from udfs import functions as f
from udfs.errors import ProfileError
from udfs.profiles import BUILTIN_DIR, available_profiles, load_profile


@pytest.mark.parametrize("name, layout, max_total", [("national", "national", 100), ("zhuzhou", "zhuzhou", 100),
                                                     ("suzhou", "suzhou", 80)])
def test_builtin_profiles_load_by_name(name, layout, max_total):
    p = load_profile(name, 2024)
    assert (p.name, p.layout, p.max_total, p.year) == (name, layout, max_total, 2024)
    assert sum(c.weight for c in p.categories) + (p.funds_weight if p.funds_scored else 0) == max_total


def test_year_is_rendered_into_the_profile():
    assert load_profile("national", 2031).data["file_name"] == "2031年度项目支出绩效自评表"
    assert "2027年12月31日" in load_profile("suzhou", 2027).data["notes"][3]


def test_zhuzhou_extends_national_and_overrides_header():
    z, n = load_profile("zhuzhou", 2020), load_profile("national", 2020)
    assert z.categories == n.categories and z.grades == n.grades
    assert [h["key"] for h in z.data["header"]][0] == "department" and z.data["funds"]["rows"][0]["label"] == "合计"


def test_available_profiles_lists_builtins():
    assert {"national", "zhuzhou", "suzhou"} <= set(available_profiles())


def test_copied_and_edited_profile_changes_results_without_code(tmp_path, monkeypatch):
    text = (BUILTIN_DIR / "national.yaml.j2").read_text(encoding="utf-8")
    edited = (text.replace("name: national", "name: hunan_test")
                  .replace("{label: 优, min: 90}", "{label: 优, min: 95}")
                  .replace("reverse: deviation", "reverse: ratio"))
    (tmp_path / "hunan_test.yaml.j2").write_text(edited, encoding="utf-8")
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(tmp_path))
    assert f.JX_GRADE(92, "hunan_test") == "良" and f.JX_GRADE(92, "national") == "优"
    assert f.JX_SCORE("≤100", 150, 10, "hunan_test") == 6.67 and f.JX_SCORE("≤100", 150, 10) == 5.0
    # a path works as well as a name
    assert f.JX_GRADE(92, str(tmp_path / "hunan_test.yaml.j2")) == "良"


def test_unknown_profile_is_a_clear_chinese_error():
    with pytest.raises(ProfileError, match="找不到规则配置“guangxi”"):
        load_profile("guangxi")
    assert f.JX_GRADE(90, "guangxi").startswith("#VALUE! 找不到规则配置")


def test_broken_profile_says_what_is_wrong(tmp_path, monkeypatch):
    (tmp_path / "bad.yaml.j2").write_text("name: bad\ncategories: [\n", encoding="utf-8")
    (tmp_path / "norule.yaml.j2").write_text(
        "extends: national\nname: norule\ncategories:\n  - {key: a, label: 产出指标, weight: 90, rule: nope}\n",
        encoding="utf-8")
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(tmp_path))
    with pytest.raises(ProfileError, match="不是有效的YAML"):
        load_profile("bad")
    with pytest.raises(ProfileError, match="不存在的计分规则“nope”"):
        load_profile("norule")


@pytest.mark.parametrize("edit, message", [
    (("layout: national", "layout: guangxi"), "未知的表样“guangxi”"),
    (("  - {key: unit, label: 实施单位}\n", ""), "需要 header 中有：unit"),
])
def test_a_profile_the_form_cannot_be_drawn_from_is_refused(tmp_path, monkeypatch, edit, message):
    text = (BUILTIN_DIR / "national.yaml.j2").read_text(encoding="utf-8").replace("name: national", "name: broken")
    assert edit[0] in text
    (tmp_path / "broken.yaml.j2").write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(tmp_path))
    with pytest.raises(ProfileError, match=message):
        load_profile("broken")


def test_a_copied_profile_must_carry_its_own_name(tmp_path, monkeypatch):
    """Workbooks record the profile name; a copy still named national would be read back with the
    national rules."""
    text = (BUILTIN_DIR / "national.yaml.j2").read_text(encoding="utf-8")
    (tmp_path / "changsha.yaml.j2").write_text(text, encoding="utf-8")          # name: national kept
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(tmp_path))
    with pytest.raises(ProfileError, match="文件名“changsha”与其中的 name“national”不同"):
        load_profile("changsha")
