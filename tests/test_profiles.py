"""Profiles load by name, render the year, inherit, and a copied, edited profile changes results."""

import pytest

from jixiao.udfs import functions as f
from jixiao.engine.errors import ProfileError
from jixiao.engine.profiles import BUILTIN_DIR, available_profiles, load_profile


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
    # a worksheet function names a profile; a path is refused, and nothing is read from it
    assert f.JX_GRADE(92, str(tmp_path / "hunan_test.yaml.j2")).startswith("#VALUE! 规则配置名称")


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
    # an unknown key anywhere is named, with the keys expected where it is (issue 10)
    (("  cap_at_weight: true", "  cap_at_wieght: true"),
     "不认识的设置项“funds.cap_at_wieght”（是不是“cap_at_weight”？）；“funds”下可用：scored、weight"),
    (("    reverse: deviation", "    reverse: deviation\n    revrse: ratio"),
     "不认识的设置项“rules.proportional.revrse”（是不是“reverse”？）"),
    (("grades:\n", "grade:\n  basis: total\ngrades:\n"), "不认识的设置项“grade”（是不是“grades”？）；顶层可用：extends"),
    (("    - {label: 优, min: 90}", "    - {label: 优, min: 90, max: 100}"),
     "不认识的设置项“grades.bands\\[1\\].max”；“grades.bands\\[1\\]”下可用：label、min"),
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


# Profiles are data, never code, and never chosen by an untrusted file (issue 8) ----------------

PAYLOAD = "{{ cycler.__init__.__globals__.os.system('touch %s') }}"


@pytest.mark.parametrize("name", ["rules.yaml.j2", "./national", "../x", "/etc/passwd", r"\\host\share\p.yaml.j2",
                                  "C:\\p.yaml", "  ", "national.yaml.j2", "名字", "a" * 65, "1abc", "a b"])
def test_a_name_that_is_a_path_or_not_a_name_is_refused(name):
    with pytest.raises(ProfileError, match="只能写名称"):
        load_profile(name)


def test_profiles_render_sandboxed(tmp_path, monkeypatch):
    """A profile template cannot run code even from a trusted folder: Jinja2's sandbox refuses it."""
    marker = tmp_path / "ran"
    text = (BUILTIN_DIR / "national.yaml.j2").read_text(encoding="utf-8").replace("name: national", "name: evil")
    (tmp_path / "evil.yaml.j2").write_text(PAYLOAD % marker + "\n" + text, encoding="utf-8")
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(tmp_path))
    with pytest.raises(ProfileError, match="不允许的操作"):
        load_profile("evil")
    assert not marker.exists()


def test_a_workbook_naming_a_profile_file_beside_it_runs_nothing(tmp_path, monkeypatch):
    """The reported attack: JX_PROFILE holds "rules.yaml.j2" and that file (beside the workbook, in the
    folder jixiao runs in) is a Jinja2 template with a payload."""
    from openpyxl import load_workbook
    from jixiao.templates.builder import build_workbook
    from jixiao.engine.errors import JixiaoError
    from jixiao.engine.reader import read_form_and_profile

    marker = tmp_path / "ran"
    (tmp_path / "rules.yaml.j2").write_text(PAYLOAD % marker, encoding="utf-8")
    book = tmp_path / "form.xlsx"
    build_workbook(load_profile("national", 2026)).save(book)
    wb = load_workbook(book)
    wb["参数"]["B2"] = "rules.yaml.j2"
    wb.save(book)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(JixiaoError, match="只能写名称"):
        read_form_and_profile(book)
    assert f.JX_GRADE(90, "rules.yaml.j2").startswith("#VALUE!") and not marker.exists()


def test_extends_takes_a_name_only(tmp_path, monkeypatch):
    (tmp_path / "child.yaml.j2").write_text("extends: ../national\nname: child\n", encoding="utf-8")
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(tmp_path))
    with pytest.raises(ProfileError, match="extends：规则配置名称"):
        load_profile("child")


def test_the_command_line_may_name_a_profile_file(tmp_path):
    from jixiao.engine.profiles import profile_argument
    text = (BUILTIN_DIR / "national.yaml.j2").read_text(encoding="utf-8").replace("name: national", "name: cli_given")
    (tmp_path / "cli_given.yaml.j2").write_text(text, encoding="utf-8")
    assert profile_argument(str(tmp_path / "cli_given.yaml.j2")) == "cli_given"
    assert load_profile("cli_given", 2026).name == "cli_given"
    assert profile_argument("national") == "national"


def test_the_profile_doc_names_every_key_a_profile_may_hold(monkeypatch):
    """docs/profiles.md documents every key PROFILE_SCHEMA accepts, and every example profile loads."""
    from jixiao.engine import profiles
    from jixiao.engine.profiles import PROFILE_SCHEMA, register_profile_file
    from jixiao.engine.schema import EVERY
    monkeypatch.setattr(profiles, "_registered", dict(profiles._registered))   # registered for this test only

    def names(schema):
        if isinstance(schema, list):
            yield from names(schema[0])
        elif isinstance(schema, dict):
            for key, sub in schema.items():
                if key != EVERY:
                    yield key
                yield from names(sub)
    doc = (BUILTIN_DIR.parents[1] / "docs" / "profiles.md").read_text(encoding="utf-8")
    assert [k for k in dict.fromkeys(names(PROFILE_SCHEMA)) if f"`{k}" not in doc and f" {k}" not in doc] == []
    examples = sorted((BUILTIN_DIR.parent / "examples" / "profiles").glob("*.yaml.j2"))
    assert len(examples) >= 7
    for path in examples:
        name = register_profile_file(path)
        assert f"`{name}`" in doc
        assert load_profile(name, 2024).name == name
