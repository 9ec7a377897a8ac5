"""The wheel and the offline wheelhouse the main job writes (jixiao.wheels, build_templates.py).

The wheel is built once, by the main job itself (--no-wheelhouse: no network), and installed into a
fresh virtual environment: it adds the one import name `jixiao` (and its dist-info), its commands work
and the old top-level names are gone. The wheelhouse check (every requirement met by a wheel Windows
accepts, the markers evaluated for Windows) is tested on small wheels made here; downloading the real
wheelhouse needs PyPI and is skipped, saying so, where it cannot be reached."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import build_templates
from jixiao import __version__, wheels
from jixiao.addin.build import addin_bytes

ROOT = Path(__file__).resolve().parents[1]
#: The repository folders and the package names pyproject.toml maps them to.
FOLDERS = {"jixiao": "jixiao", "udfs": "jixiao/udfs", "templates": "jixiao/templates", "addin": "jixiao/addin"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    code = build_templates.main(["--year", "2026", "--profile", "national", "--no-examples", "--no-addin",
                                 "--no-wheelhouse", "--out", str(out)])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def wheel(dist) -> Path:
    return dist / f"jixiao-{__version__}-py3-none-any.whl"


def test_the_main_job_writes_the_wheel(dist, wheel, capsys):
    assert sorted(p.name for p in dist.iterdir()) == ["2026", wheel.name]  # no wheelhouse: --no-wheelhouse
    assert not list(dist.rglob(".~*"))


def _tracked(folder: str) -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files", "-z", folder], cwd=ROOT, capture_output=True, check=True).stdout
        files = [f for f in out.decode("utf-8").split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
    if not files:  # not a git checkout: what is in the folder
        files = [p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")]
    return files


def test_the_wheel_holds_jixiao_only_and_every_source_and_data_file(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    assert {n.split("/")[0] for n in names} == {"jixiao", f"jixiao-{__version__}.dist-info"}
    expected = set()
    for folder, package in FOLDERS.items():
        for path in _tracked(folder):
            rel = path[len(folder) + 1:]
            if folder == "jixiao" and rel.split("/")[0] in ("udfs", "templates", "addin"):
                continue
            expected.add(f"{package}/{rel}")
    shipped = {n for n in names if not n.startswith(f"jixiao-{__version__}.dist-info/")}
    assert expected - shipped == set(), "files of the package folders missing from the wheel (package-data?)"
    assert shipped - expected == set(), "files in the wheel that are not in the sources"
    with zipfile.ZipFile(wheel) as zf:
        entry_points = zf.read(f"jixiao-{__version__}.dist-info/entry_points.txt").decode()
    assert "jixiao = jixiao.cli:main" in entry_points


def test_the_wheel_is_reproducible(wheel, tmp_path):
    again = wheels.build_wheel(tmp_path)
    assert again.name == wheel.name and again.read_bytes() == wheel.read_bytes()


# ---------------------------------------------------------------------------------------------
# The wheel installed into a fresh virtual environment
# ---------------------------------------------------------------------------------------------

def _site_packages(venv: Path) -> Path:
    found = list(venv.glob("lib/python3*/site-packages")) or list(venv.glob("Lib/site-packages"))
    assert len(found) == 1, found
    return found[0]


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


@pytest.fixture(scope="module")
def fresh(wheel, tmp_path_factory):
    """A new virtual environment with the wheel installed (no dependencies: no network) and, added after
    the install as a path file, the site-packages holding this environment's dependencies. Returns
    (venv, the names the install added to its site-packages)."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run([str(base if base.exists() else sys.executable), "-m", "venv", "--without-pip", str(venv)],
                   check=True)
    site = _site_packages(venv)
    before = set(os.listdir(site))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(_bin(venv, "python")), "install", "--no-deps",
                    "--no-index", "--no-compile", "--disable-pip-version-check", "-q", str(wheel)], check=True)
    added = set(os.listdir(site)) - before
    # the dependencies, from this environment (not its editable jixiao: a path entry's .pth files are
    # not run, and the fresh site-packages comes first)
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv, added


def _run(venv, *cmd, cwd, env=None):
    env = {k: v for k, v in (env or os.environ).items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, encoding="utf-8", cwd=cwd,
                          env=env, stdin=subprocess.DEVNULL, timeout=600)


def test_installed_it_adds_only_the_jixiao_name(fresh):
    venv, added = fresh
    assert added == {"jixiao", f"jixiao-{__version__}.dist-info"}


def test_installed_the_commands_work_and_the_old_names_are_gone(fresh, tmp_path):
    venv, _ = fresh
    python = _bin(venv, "python")
    for cmd in ([_bin(venv, "jixiao"), "--help"], [python, "-m", "jixiao", "--help"]):
        proc = _run(venv, *cmd, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "validate" in proc.stdout and "addin" in proc.stdout
    proc = _run(venv, python, "-c", "import jixiao, jixiao.udfs.functions, jixiao.templates.builder; print(jixiao.__file__)",
                cwd=tmp_path)
    assert proc.returncode == 0 and Path(proc.stdout.strip()).is_relative_to(venv), proc.stdout + proc.stderr
    for old in ("udfs", "templates", "addin", "build_templates"):
        proc = _run(venv, python, "-c", f"import {old}", cwd=tmp_path)
        assert proc.returncode == 1 and "ModuleNotFoundError" in proc.stderr, old


def test_installed_the_main_job_builds_without_sources(fresh, tmp_path):
    venv, _ = fresh
    proc = _run(venv, _bin(venv, "jixiao"), "build", "--year", "2026", "--profile", "zhuzhou", "--no-examples",
                "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "跳过 wheel 和离线安装包：这里运行的是已安装的 jixiao" in proc.stdout
    assert (tmp_path / "out" / "2026" / "2026年度项目支出绩效自评表（株洲）.xlsx").is_file()
    # the add-in built by the installed jixiao is the one the checkout builds
    assert (tmp_path / "out" / "addin" / "jixiao.xlam").read_bytes() == addin_bytes()


def test_installed_addin_install_names_this_python_and_no_source_folder(fresh, tmp_path):
    venv, _ = fresh
    home = tmp_path / "home"
    env = dict(os.environ, USERPROFILE=str(home), HOME=str(home))
    env.pop("JIXIAO_XLSTART", None)
    proc = _run(venv, _bin(venv, "jixiao"), "addin", "install", "--xlstart", tmp_path / "xlstart", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # jixiao is installed in that Python: no PYTHONPATH
    assert (home / ".jixiao" / "jixiao.conf").read_text(encoding="gbk") == f'"INTERPRETER_WIN","{_bin(venv, "python")}"\n'
    assert (tmp_path / "xlstart" / "jixiao.xlam").read_bytes() == addin_bytes()


# ---------------------------------------------------------------------------------------------
# The wheelhouse check, on small wheels
# ---------------------------------------------------------------------------------------------

def make_wheel(folder: Path, name: str, version: str, tag: str = "py3-none-any", requires=()) -> Path:
    path = folder / f"{name}-{version}-{tag}.whl"
    meta = "".join([f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
                    *(f"Requires-Dist: {r}\n" for r in requires)])
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{name}-{version}.dist-info/METADATA", meta)
    return path


def test_the_check_evaluates_markers_and_tags_for_windows(tmp_path):
    top = make_wheel(tmp_path, "app", "1.0", requires=[
        "lib>=2", 'winonly; platform_system == "Windows"', 'posixonly; sys_platform != "win32"',
        'extra_dep; extra == "dev"', "withextra[fast]"])
    make_wheel(tmp_path, "lib", "2.0", "cp312-cp312-win_amd64", requires=["base"])
    make_wheel(tmp_path, "lib", "1.0", "py3-none-any")  # too old for lib>=2
    make_wheel(tmp_path, "base", "1.0")
    make_wheel(tmp_path, "winonly", "5", "cp312-cp312-win_amd64")
    make_wheel(tmp_path, "withextra", "1.0", requires=['speedup; extra == "fast"'])
    make_wheel(tmp_path, "speedup", "1.0", "cp312-abi3-win_amd64")
    py312, py313 = wheels.windows("3.12"), wheels.windows("3.13")

    assert wheels.unresolved(tmp_path, top, py312) == []  # posixonly and extra_dep are not wanted on Windows
    chosen, _ = wheels.resolve(tmp_path, top, py312)
    assert chosen["lib"].name == "lib-2.0-cp312-cp312-win_amd64.whl" and "speedup" in chosen

    # Python 3.13 accepts the abi3 wheel but neither cp312 one: lib and winonly are missing there
    assert sorted(r.name for r in wheels.unresolved(tmp_path, top, py313)) == ["lib", "winonly"]
    # a pin admits only that version
    assert [r.name for r in wheels.unresolved(tmp_path, top, py312, pins={"base": "2.0"})] == ["base"]


def test_the_pinned_set_covers_every_dependency_of_the_wheel(wheel):
    """Offline: the versions the wheelhouse is pinned to are this environment's, for every requirement
    of the wheel and theirs on this machine (pywin32, Windows only, takes the newest release)."""
    pins = wheels.installed_pins(wheel)
    from packaging.utils import canonicalize_name
    wanted = {canonicalize_name(r.name) for r in wheels._wanted(wheels.wheel_requirements(wheel), {})}
    assert wanted <= set(pins) and "jixiao" not in pins
    assert {"xlwings", "openpyxl", "xlsxwriter", "jinja2", "markupsafe", "pyyaml", "lxml"} <= set(pins)


def test_a_stale_wheelhouse_is_removed_and_a_current_one_kept(tmp_path, wheel):
    house = tmp_path / "wheelhouse"
    house.mkdir()
    shutil.copy2(wheel, house / wheel.name)
    assert wheels.drop_if_stale(house, wheel) is False and house.exists()
    (house / wheel.name).write_bytes(b"another jixiao")
    assert wheels.drop_if_stale(house, wheel) is True and not house.exists()


def test_without_network_the_main_job_says_so_and_leaves_no_wheelhouse(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # no mirror or local folder from pip's configuration
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")  # nothing listens there
    monkeypatch.setenv("PIP_RETRIES", "0")
    out = tmp_path / "dist"
    (out / "wheelhouse").mkdir(parents=True)
    (out / "wheelhouse" / "jixiao-0.0.9-py3-none-any.whl").write_bytes(b"an older jixiao")
    code = build_templates.main(["--year", "2026", "--profile", "national", "--no-examples", "--no-addin", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "未能生成离线安装包" in err and "可能无法连接软件包索引 http://127.0.0.1:9/simple" in err
    assert "不联网时加 --no-wheelhouse（或设环境变量 JIXIAO_NO_WHEELHOUSE=1）" in err and "Traceback" not in err
    # the templates and the wheel are there; the old wheelhouse (another jixiao) is gone, nothing half-made
    assert sorted(p.name for p in out.iterdir()) == ["2026", f"jixiao-{__version__}-py3-none-any.whl"]


# ---------------------------------------------------------------------------------------------
# The real wheelhouse: needs PyPI
# ---------------------------------------------------------------------------------------------

def _pypi_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
        return True
    except OSError:
        return False


def test_the_wheelhouse_resolves_for_windows_and_installs_offline(wheel, tmp_path):
    if not _pypi_reachable():
        pytest.skip("PyPI (pypi.org:443) is not reachable: the wheelhouse download is not tested here")
    house = tmp_path / "wheelhouse"
    here = wheels.this_machine()
    try:
        wheels.build_wheelhouse(wheel, house, targets=(*wheels.windows_targets(), here), log=lambda *_: None)
    except wheels.PackagingError as exc:
        if exc.unreachable:
            pytest.skip(f"the package index could not be reached: {exc.message}")
        raise
    pins = wheels.installed_pins(wheel)
    names = {p.name for p in house.glob("*.whl")}
    for target in wheels.windows_targets():
        chosen, missing = wheels.resolve(house, wheel, target, pins)
        assert missing == []
        cp = "cp" + target.python.replace(".", "")
        assert "pywin32" in chosen and chosen["pywin32"].name.endswith(f"-{cp}-{cp}-win_amd64.whl")
        assert chosen["xlwings"].name == f"xlwings-{pins['xlwings']}-{cp}-{cp}-win_amd64.whl"
    assert "安装说明.txt" in os.listdir(house) and wheel.name in names
    # pip's own resolver, with no index, finds everything in the folder for each Windows Python (pywin32
    # named: pip evaluates xlwings' marker for this machine, not for Windows)
    for target in wheels.windows_targets():
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q", "--no-index",
                               "--find-links", str(house), "--only-binary=:all:", *target.pip_args,
                               "--dest", str(tmp_path / f"check-{target.python}"), "jixiao", "pywin32"],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    # the same folder installs with no index at all (here, for this machine's Python)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(_bin(venv, "python")), "install", "--no-index",
                           "--find-links", str(house), "--no-compile", "--disable-pip-version-check", "-q", "jixiao"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    proc = _run(venv, _bin(venv, "jixiao"), "--help", cwd=tmp_path)
    assert proc.returncode == 0 and "validate" in proc.stdout
    # kept as it is when run again for the same wheel (nothing downloaded)
    said = []
    wheels.build_wheelhouse(wheel, house, targets=(*wheels.windows_targets(), here), log=said.append)
    assert said and "已是最新" in said[0]
