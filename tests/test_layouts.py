"""Layouts are data (templates/layouts/*.yaml): every built-in one loads, a bad one is refused with a
message naming the file, the place and the keys expected, and a new form is a file, not code."""
from __future__ import annotations

import dataclasses
import io
import shutil

import pytest
import yaml
from openpyxl import load_workbook

from jixiao.engine import layouts
from jixiao.engine.errors import JixiaoError
from jixiao.engine.profiles import load_profile


@pytest.fixture
def layout_dir(tmp_path, monkeypatch):
    """A layout folder holding copies of the built-in layouts, for this test only."""
    for path in layouts.LAYOUT_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(layouts, "LAYOUT_DIR", tmp_path)
    layouts.load_layout.cache_clear()
    yield tmp_path
    layouts.load_layout.cache_clear()


def _write(folder, name: str, data: dict):
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_every_builtin_layout_loads_and_names_what_its_profile_needs():
    assert {"national", "zhuzhou", "suzhou"} <= set(layouts.available_layouts())
    for name in layouts.available_layouts():
        layout = layouts.load_layout(name)
        assert layout["name"] == name
    assert layouts.required_keys(layouts.load_layout("national")) == {
        "header": ["project_name", "department", "unit"], "texts": ["goal_expected", "goal_actual"]}
    assert "period" in layouts.required_keys(layouts.load_layout("zhuzhou"))["header"]
    assert not layouts.has_funds(layouts.load_layout("suzhou"))


@pytest.mark.parametrize("change, words", [
    (lambda d: d["blocks"][0]["rows"][0]["cells"][0].update(colour="red"), ["colour", "可用的键", "col"]),
    (lambda d: d.update(paper="A3"), ["paper", "可用的键"]),
    (lambda d: d["blocks"].append({"grid": d["blocks"][4]["grid"]}), ["只有一个指标表"]),
    (lambda d: d["blocks"][0]["rows"][0]["cells"][0].update(col="a1"), ["大写字母"]),
    (lambda d: d["blocks"][1]["rows"][0]["cells"][1].update(field="headers.project_name"), ["header.KEY"]),
    (lambda d: d["blocks"][2]["funds"]["columns"].update(spent="G"), ["spent"]),
    (lambda d: d["blocks"][5]["rows"][0]["cells"][2].update(computed="sum"), ["total_weight"]),
])
def test_a_bad_layout_is_refused_naming_the_file_and_the_key(layout_dir, change, words):
    data = yaml.safe_load((layout_dir / "national.yaml").read_text(encoding="utf-8"))
    change(data)
    _write(layout_dir, "national", data)
    with pytest.raises(JixiaoError) as info:
        layouts.load_layout("national")
    message = str(info.value)
    assert "national.yaml" in message
    for word in words:
        assert word in message


def test_layouts_are_chosen_by_name_only():
    for bad in ("../profiles/national", "/etc/passwd", "National", "nope"):
        with pytest.raises(JixiaoError, match="未知的表样"):
            layouts.load_layout(bad)


def test_a_new_form_is_a_layout_file(layout_dir):
    """A province whose form moves the 分值 column and renames headings needs a file, no code."""
    from jixiao.templates.builder import build_workbook

    data = yaml.safe_load((layout_dir / "national.yaml").read_text(encoding="utf-8"))
    data["name"] = "province_x"
    data["blocks"][0]["rows"][0]["cells"][0]["text"] = "{title}（X省）"
    funds = data["blocks"][2]["funds"]
    funds["head"][4]["text"] = "权重"
    grid = data["blocks"][4]["grid"]
    grid["head"][6]["text"] = "自评得分"
    _write(layout_dir, "province_x", data)
    profile = load_profile("national", 2026)
    profile = dataclasses.replace(profile, data={**profile.data, "layout": "province_x"})
    wb = load_workbook(io.BytesIO(build_workbook(profile).bytes()))
    ws = wb.worksheets[0]
    assert ws["A1"].value == "项目支出绩效自评表（X省）"
    texts = {c.value for row in ws.iter_rows() for c in row}
    assert {"权重", "自评得分"} <= texts
    assert "JX_TOTAL_SCORE" in wb.defined_names


def test_a_profile_naming_an_unknown_layout_is_refused(tmp_path, monkeypatch):
    from jixiao.engine import profiles

    monkeypatch.setattr(profiles, "_registered", {})
    text = (layouts.LAYOUT_DIR.parent / "profiles" / "zhuzhou.yaml.j2").read_text(encoding="utf-8")
    path = tmp_path / "other.yaml.j2"
    path.write_text(text.replace("name: zhuzhou", "name: other").replace("layout: zhuzhou", "layout: nowhere"),
                    encoding="utf-8")
    with pytest.raises(JixiaoError, match="未知的表样“nowhere”"):
        load_profile(profiles.register_profile_file(str(path)), 2026)
