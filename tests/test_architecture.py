"""The import graph of the jixiao package: dependencies point one way (faces -> engine), no cycles.

Read from the sources with `ast` (nothing is imported), with the repository's folders mapped to their
installed names as pyproject.toml maps them (udfs/ -> jixiao.udfs, templates/ -> jixiao.templates,
addin/ -> jixiao.addin). Imports inside functions count too: a lazy import is still a dependency."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"jixiao": ROOT / "jixiao", "jixiao.udfs": ROOT / "udfs", "jixiao.templates": ROOT / "templates",
           "jixiao.addin": ROOT / "addin"}
ENGINE = "jixiao.engine"
FACES = ("jixiao.udfs", "jixiao.templates", "jixiao.addin", "jixiao.report", "jixiao.cli")


def _modules() -> dict[str, Path]:
    mods = {}
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([package, *parts])
            if package == "jixiao" and parts and parts[0] in ("udfs", "templates", "addin"):
                continue
            mods[name] = path
    return mods


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(importer: str, module: str | None, level: int) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not _is_package(importer):
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _known(name: str) -> str | None:
    """The longest jixiao module that `name` is or lies in."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(name: str) -> set[str]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, node.module, node.level)
            # "from pkg import sub" depends on the submodule; "from mod import name" on the module
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for target in targets:
            found = _known(target)
            if found and found != name:
                out.add(found)
    return out


GRAPH = {name: imports_of(name) for name in MODULES}


def test_the_package_has_the_parts_the_design_names():
    for part in ("jixiao.engine.scoring", "jixiao.engine.reader", "jixiao.engine.validation", "jixiao.udfs.functions",
                 "jixiao.templates.builder", "jixiao.templates.formulas", "jixiao.addin.actions", "jixiao.report",
                 "jixiao.engine.document", "jixiao.cli"):
        assert part in MODULES, part


def test_old_top_level_names_are_not_imported():
    for path in [*ROOT.joinpath("tests").rglob("*.py"), *ROOT.joinpath("benchmarks").rglob("*.py"),
                 ROOT / "build_templates.py", *MODULES.values()]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for n in names:
                assert n.split(".")[0] not in ("udfs", "templates", "addin"), f"{path}: import {n}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith(ENGINE)))
def test_the_engine_imports_no_face(name):
    upward = sorted(t for t in GRAPH[name] if t.startswith(FACES))
    assert not upward, f"{name} imports {upward}: the engine must not depend on a face"


def test_udfs_holds_the_worksheet_functions_only():
    assert sorted(n for n in MODULES if n.startswith("jixiao.udfs")) == ["jixiao.udfs", "jixiao.udfs.functions"]


def find_cycles(graph: dict[str, set[str]], is_package=lambda m: False) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len([m for m in comp if not is_package(m)]) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_the_cycle_finder_finds_cycles():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
    assert "jixiao.engine.safeopen" in GRAPH["jixiao.engine.reader"]  # the graph is really read


def test_no_import_cycles():
    cycles = find_cycles(GRAPH, _is_package)
    assert not cycles, f"import cycles: {cycles}"
