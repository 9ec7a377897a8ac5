"""The wheel of jixiao and an offline wheelhouse for Windows: the packaging step of the main job.

    dist/jixiao-<version>-py3-none-any.whl   built by setuptools (``pip wheel``) from a clean copy of
                                              the sources
    dist/wheelhouse/                          that wheel and every dependency as wheels for Windows
                                              x64, CPython 3.11, 3.12 and 3.13, and 安装说明.txt

An IT person copies ``dist/wheelhouse`` to a machine without internet and runs
``pip install --no-index --find-links wheelhouse jixiao`` there.

Why the wheelhouse is checked rather than trusted to ``pip download --platform win_amd64``: pip
evaluates environment markers on the machine it runs on, not on the target, so from Linux it never
fetches xlwings' ``pywin32; platform_system == "Windows"``. :func:`unresolved` walks the requirements
with the target's markers and wheel tags; what is missing is downloaded in turn (without its marker)
until nothing is.

The dependencies are pinned to the versions installed in this environment (the ones the tests ran
with); a package not installed here (pywin32) takes the newest release that fits. The wheel is
reproducible (``SOURCE_DATE_EPOCH``), so an unchanged checkout gives the same bytes and a wheelhouse
that already holds them and every pinned dependency is kept without downloading anything.

Nothing is half-written: the wheel goes through :func:`jixiao.engine.files.atomic_output`, the
wheelhouse is assembled in a temp folder beside it and renamed into place only when complete. A
wheelhouse that does not hold the jixiao of ``dist`` (not rebuilt after a change: ``--no-wheelhouse``,
no network) is removed, so the folder an IT person copies never installs another jixiao.
"""
from __future__ import annotations

import email.parser
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .engine.errors import JixiaoError
from .engine.files import atomic_output

#: The checkout: pyproject.toml beside the jixiao package (absent when jixiao is installed).
ROOT = Path(__file__).resolve().parents[1]
WHEELHOUSE = "wheelhouse"
README = "安装说明.txt"
#: The Pythons the wheelhouse serves on Windows x64.
WINDOWS_PYTHONS = ("3.11", "3.12", "3.13")
#: Zip timestamps of the wheel (1980-01-01, the earliest a zip holds): the same sources, the same bytes.
SOURCE_DATE_EPOCH = "315532800"
#: Words of pip's messages that mean the index could not be reached (pip says "from versions: none"
#: both when the index is unreachable and when it has no such package; these tell them apart).
_NETWORK = re.compile(r"connection broken by|Failed to establish a new connection|NameResolutionError|"
                      r"Name or service not known|Temporary failure in name resolution|getaddrinfo failed|"
                      r"Connection refused|Network is unreachable|timed out|ProxyError|SSLError|"
                      r"Max retries exceeded", re.I)
_NOT_FOUND = re.compile(r"Could not find a version that satisfies the requirement (.+?) \(from versions: ([^)]*)\)")


class PackagingError(JixiaoError):
    """The wheel or the wheelhouse could not be made (said in Chinese). ``unreachable``: the package
    index could not be reached (or had nothing at all for the first requirement)."""

    def __init__(self, message: str, *, unreachable: bool = False):
        super().__init__(message)
        self.unreachable = unreachable


# ---------------------------------------------------------------------------------------------
# The wheel
# ---------------------------------------------------------------------------------------------

def source_root() -> Path | None:
    """The checkout jixiao runs from, or None when it runs installed (no sources to build from)."""
    try:
        project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return ROOT if project.get("project", {}).get("name") == "jixiao" else None


def _source_copy(root: Path, dest: Path) -> None:
    """What the build reads: pyproject.toml, the readme, licence files and the folders pyproject.toml
    maps into the package, without caches. A clean copy: setuptools builds in-tree and would ship a
    module that was deleted from the sources but is still in an old build/ folder."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    folders = {Path(d).parts[0] for d in project.get("tool", {}).get("setuptools", {}).get("package-dir", {}).values()}
    files = {"pyproject.toml", project.get("project", {}).get("readme") or "README.md"}
    files |= {p.name for p in root.iterdir() if p.is_file() and p.name.upper().startswith(("LICENSE", "COPYING"))}
    for name in sorted(files):
        if (root / name).is_file():
            shutil.copy2(root / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    for name in sorted(folders):
        shutil.copytree(root / name, dest / name, ignore=ignore)


def build_wheel(out: Path, root: Path | None = None) -> Path:
    """Build ``out/jixiao-<version>-py3-none-any.whl`` from the checkout and return its path. Older
    jixiao wheels in ``out`` are removed (the main job regenerates its output folder)."""
    root = root or source_root()
    if root is None:
        raise PackagingError("这里运行的是已安装的 jixiao，没有源码，无法生成 wheel；请在 jixiao 源码文件夹中运行 bash scripts/main.sh")
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="jixiao-wheel-") as tmp:
        src, built = Path(tmp) / "src", Path(tmp) / "wheel"
        src.mkdir()
        _source_copy(root, src)
        env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, PYTHONWARNINGS="ignore")
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "--no-input",
                               "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", str(built), str(src)],
                              capture_output=True, text=True, encoding="utf-8", errors="replace", env=env,
                              stdin=subprocess.DEVNULL)
        wheels = sorted(built.glob("jixiao-*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            detail = _tail(proc.stderr or proc.stdout)
            hint = ("缺少构建工具 setuptools（>=77）：运行 bash scripts/main.sh 会自动安装，或执行 pip install \"jixiao[dist]\""
                    if "setuptools" in detail and ("No module named" in detail or "requirement" in detail.lower()) else "")
            raise PackagingError(f"生成 wheel 失败（pip wheel 退出码 {proc.returncode}）。{hint}\n{detail}")
        wheel = out / wheels[0].name
        with atomic_output(wheel) as tmp_wheel:
            shutil.copyfile(wheels[0], tmp_wheel)
    for old in out.glob("jixiao-*-py3-none-any.whl"):
        if old.name != wheel.name:
            old.unlink()
    return wheel


def _tail(text: str, lines: int = 12) -> str:
    kept = [line for line in (text or "").splitlines() if line.strip() and "is ignored: it is neither" not in line]
    return "\n".join(kept[-lines:])


# ---------------------------------------------------------------------------------------------
# Targets: where the wheelhouse is to be installed
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """An interpreter the wheelhouse serves: how to ask pip for its wheels, its marker values and the
    wheel tags it accepts."""

    label: str
    python: str
    pip_args: tuple[str, ...]
    environment: dict = field(hash=False)
    tags: frozenset = field(hash=False)


def windows(python: str) -> Target:
    """CPython ``python`` ("3.12") on Windows x64."""
    from packaging import tags

    major, minor = (int(x) for x in python.split("."))
    cp = f"cp{major}{minor}"
    environment = {"implementation_name": "cpython", "implementation_version": f"{python}.0", "os_name": "nt",
                   "platform_machine": "AMD64", "platform_python_implementation": "CPython", "platform_release": "",
                   "platform_system": "Windows", "platform_version": "", "python_full_version": f"{python}.0",
                   "python_version": python, "sys_platform": "win32"}
    accepted = frozenset(tags.cpython_tags((major, minor), abis=[cp], platforms=["win_amd64"]))
    accepted |= frozenset(tags.compatible_tags((major, minor), cp, ["win_amd64"]))
    return Target(f"Windows x64 · Python {python}", python,
                  ("--platform", "win_amd64", "--python-version", python, "--implementation", "cp", "--abi", cp),
                  environment, accepted)


def this_machine() -> Target:
    """The running interpreter (a wheelhouse one can install from here: the tests use it)."""
    from packaging import markers, tags

    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return Target(f"{platform.system()} {platform.machine()} · Python {python}", python, (),
                  markers.default_environment(), frozenset(tags.sys_tags()))


def windows_targets() -> tuple[Target, ...]:
    return tuple(windows(v) for v in WINDOWS_PYTHONS)


# ---------------------------------------------------------------------------------------------
# Checking a wheelhouse: every requirement met by a wheel the target accepts
# ---------------------------------------------------------------------------------------------

def wheel_requirements(path: Path) -> list:
    """The ``Requires-Dist`` of a wheel, as packaging Requirements."""
    from packaging.requirements import Requirement

    with zipfile.ZipFile(path) as zf:
        meta = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(meta) != 1:
            raise PackagingError(f"{path.name} 不是有效的 wheel（没有 METADATA）")
        headers = email.parser.BytesParser().parsebytes(zf.read(meta[0]), headersonly=True)
    return [Requirement(r) for r in headers.get_all("Requires-Dist") or []]


def _wanted(requirements: list, environment: dict, extras=()) -> list:
    """The requirements whose markers hold in ``environment`` (with the given extras requested)."""
    return [r for r in requirements
            if r.marker is None or any(r.marker.evaluate({**environment, "extra": e}) for e in ("", *extras))]


def _available(folder: Path, target: Target) -> dict:
    """{name: [(version, path)]} of the wheels in ``folder`` that ``target`` accepts."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    found: dict = {}
    for path in folder.glob("*.whl"):
        try:
            name, version, _, tags = parse_wheel_filename(path.name)
        except InvalidWheelFilename:
            continue
        if tags & target.tags:
            found.setdefault(name, []).append((version, path))
    return found


def resolve(folder: Path, wheel: Path, target: Target, pins: dict[str, str] | None = None) -> tuple[dict, list]:
    """Walk the requirements of ``wheel`` through the wheels in ``folder`` as ``target`` would see
    them. Returns ({name: wheel path chosen}, [requirements no wheel meets]). ``pins`` ({name:
    version}) admit only that version of a package. Not a full resolver (pip on the target is one):
    each requirement takes the newest wheel that meets it; a wheelhouse passes when none is missing."""
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    pins = {canonicalize_name(k): Version(v) for k, v in (pins or {}).items()}
    available = _available(folder, target)
    chosen: dict = {}
    missing: list = []
    seen: set = set()
    queue = _wanted(wheel_requirements(wheel), target.environment)
    while queue:
        req = queue.pop(0)
        name = canonicalize_name(req.name)
        fits = [(v, p) for v, p in available.get(name, ())
                if req.specifier.contains(v, prereleases=True) and pins.get(name, v) == v]
        if not fits:
            missing.append(req)
            continue
        version, path = max(fits)
        chosen[name] = path
        key = (name, version, frozenset(req.extras))
        if key not in seen:
            seen.add(key)
            queue += _wanted(wheel_requirements(path), target.environment, sorted(req.extras))
    return chosen, missing


def unresolved(folder: Path, wheel: Path, target: Target, pins: dict[str, str] | None = None) -> list:
    """The requirements of ``wheel`` that no wheel in ``folder`` meets on ``target``."""
    return resolve(folder, wheel, target, pins)[1]


def installed_pins(wheel: Path) -> dict[str, str]:
    """{name: version} of the dependencies of ``wheel`` (and theirs) installed in this environment."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {}
    queue = _wanted(wheel_requirements(wheel), {})
    while queue:
        req = queue.pop(0)
        name = canonicalize_name(req.name)
        if name in pins or name == "jixiao":
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue
        pins[name] = dist.version
        queue += _wanted([Requirement(r) for r in dist.requires or []], {}, sorted(req.extras))
    return pins


# ---------------------------------------------------------------------------------------------
# The wheelhouse
# ---------------------------------------------------------------------------------------------

def is_current(folder: Path, wheel: Path, targets: tuple[Target, ...], pins: dict[str, str]) -> bool:
    """``folder`` is a complete wheelhouse of this very ``wheel`` (same bytes) with the pinned versions."""
    copy = folder / wheel.name
    if not (folder / README).is_file() or not copy.is_file() or copy.read_bytes() != wheel.read_bytes():
        return False
    if any(p.name != wheel.name for p in folder.glob("jixiao-*.whl")):
        return False
    return not any(unresolved(folder, wheel, t, pins) for t in targets)


def build_wheelhouse(wheel: Path, out: Path, targets: tuple[Target, ...] | None = None, log=print) -> Path:
    """Write the wheelhouse ``out`` for ``wheel`` (Windows x64, Python 3.11-3.13 unless ``targets``).
    Keeps ``out`` as it is when it is already complete for this wheel; otherwise builds a new one beside
    it and swaps it in. Raises :class:`PackagingError` (and leaves ``out`` as it was) on failure."""
    try:
        import packaging.tags  # noqa: F401 - the markers and tags below
    except ImportError:
        raise PackagingError("缺少 packaging（读依赖的平台条件要用它）：运行 bash scripts/main.sh 会自动安装，"
                             "或执行 pip install \"jixiao[dist]\"") from None
    targets = targets or windows_targets()
    wheel, out = Path(wheel), Path(out)
    pins = installed_pins(wheel)
    if out.is_dir() and is_current(out, wheel, targets, pins):
        log(f"离线安装包 {out} 已是最新（jixiao 和各依赖的版本未变），不重新下载")
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    for left in out.parent.glob(f".~jixiao-*{out.name}-*"):  # of a run that was killed
        shutil.rmtree(left, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".~jixiao-{out.name}-", dir=out.parent))
    try:
        shutil.copy2(wheel, staging / wheel.name)
        constraints = staging / ".constraints.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(pins.items())), encoding="utf-8")
        for target in targets:
            log(f"下载依赖：{target.label}")
            _download(target, [str(staging / wheel.name)], staging, constraints)
            missing = unresolved(staging, wheel, target, pins)
            for _ in range(10):  # each round fetches what the target's markers add (pywin32 ...)
                if not missing:
                    break
                _download(target, [_without_marker(r) for r in missing], staging, constraints)
                before, missing = missing, unresolved(staging, wheel, target, pins)
                if [str(r) for r in missing] == [str(r) for r in before]:
                    break
            if missing:
                raise PackagingError(f"下载的依赖不全：{target.label} 缺少 {'、'.join(str(r) for r in missing)}")
        constraints.unlink()
        (staging / README).write_text(readme_text(staging, wheel, targets), encoding="utf-8-sig", newline="\r\n")
        _swap_in(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def _without_marker(req) -> str:
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}"


def _download(target: Target, wanted: list[str], dest: Path, constraints: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-input",
           "--only-binary=:all:", "--dest", str(dest), *target.pip_args, "--constraint", str(constraints), *wanted]
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace",
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise _pip_failure(proc.stdout + "\n" + proc.stderr, target, proc.returncode, proc.stderr)


def _pip_failure(output: str, target: Target, code: int, errors: str = "") -> PackagingError:
    detail = f"\npip 的信息：\n{_tail(errors or output, 4)}"
    if _NETWORK.search(output):
        return PackagingError("无法连接软件包索引（PyPI 或 pip 配置的镜像）：请检查网络和代理（pip 的 index-url、"
                              f"HTTPS_PROXY）。{detail}", unreachable=True)
    found = _NOT_FOUND.search(output)
    if found and found.group(2).strip() == "none":
        return PackagingError(f"软件包索引中没有 {found.group(1)} 适用于 {target.label} 的 wheel"
                              f"（或无法连接软件包索引：请检查网络）。{detail}", unreachable=True)
    if found:
        return PackagingError(f"{found.group(1)} 没有适用于 {target.label} 的 wheel（索引中有的版本：{found.group(2).strip()}；"
                              f"依赖固定为本机环境中安装的版本，见 pip list）。{detail}")
    indexes = re.search(r"^Looking in indexes: (.+)$", output, re.M)
    where = f"软件包索引 {indexes.group(1).strip()}" if indexes else "软件包索引"
    if "ResolutionImpossible" in output or "No matching distribution" in output:
        return PackagingError(f"pip download 没能找齐 {target.label} 的依赖：可能无法连接{where}（请检查网络和代理），"
                              f"或其中没有所需版本的 wheel（依赖固定为本机环境中安装的版本，见 pip list）。{detail}",
                              unreachable=True)
    return PackagingError(f"pip download 失败（退出码 {code}，{target.label}，{where}）：{detail}")


def _swap_in(new: Path, out: Path) -> None:
    """Put the complete folder ``new`` at ``out``; the old one is removed only once the new is there."""
    old = None
    if out.exists():
        old = out.with_name(f".~jixiao-old-{out.name}-{os.getpid()}")
        os.replace(out, old)
    try:
        os.replace(new, out)
    except OSError:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def drop_if_stale(folder: Path, wheel: Path) -> bool:
    """Remove the wheelhouse ``folder`` when it does not hold this very ``wheel``; True if removed."""
    copy = folder / wheel.name
    if not folder.is_dir() or (copy.is_file() and copy.read_bytes() == wheel.read_bytes()):
        return False
    shutil.rmtree(folder)
    return True


def readme_text(folder: Path, wheel: Path, targets: tuple[Target, ...]) -> str:
    """安装说明.txt: how to install from the folder, and which wheels serve which Python."""
    from packaging.utils import parse_wheel_filename

    version = str(parse_wheel_filename(wheel.name)[1])
    per_target = {t.label: sorted(p.name for p in resolve(folder, wheel, t)[0].values()) for t in targets}
    shared = sorted(set.intersection(*(set(v) for v in per_target.values()))) if per_target else []
    pythons = "、".join(t.python for t in targets)
    lines = [
        f"jixiao {version} 离线安装包（wheelhouse）",
        "",
        f"适用于 Windows x64（64 位 Windows）上的 Python {pythons}。安装时不需要联网。",
        "把整个 wheelhouse 文件夹复制到要安装的电脑上，在 wheelhouse 所在的文件夹（它的上一级）打开“命令提示符”或 PowerShell，依次执行：",
        "",
        f"    py -{targets[0].python} -m venv C:\\jixiao\\.venv",
        "    C:\\jixiao\\.venv\\Scripts\\pip install --no-index --find-links wheelhouse jixiao",
        "    C:\\jixiao\\.venv\\Scripts\\jixiao addin install",
        "",
        f"第一条用已装好的 Python（{pythons} 中的任何一个，如 py -3.12）建一个虚拟环境；第二条从本文件夹安装 jixiao 和它需要的全部软件包；",
        "第三条安装 Excel 加载项（绩效自评选项卡和 JX_ 函数）并写好 jixiao.conf，然后重启 Excel。",
        "查看安装情况：C:\\jixiao\\.venv\\Scripts\\jixiao addin status；卸载加载项：C:\\jixiao\\.venv\\Scripts\\jixiao addin uninstall。",
        "详细说明见 jixiao 源码中的 docs/addin.md；装好后也可运行 C:\\jixiao\\.venv\\Scripts\\jixiao addin --help 查看。",
        "",
        "本文件夹中的 wheel：",
    ]
    lines += ["  各版本通用：", f"    {wheel.name}", *(f"    {n}" for n in shared)]
    for label, names in per_target.items():
        lines.append(f"  只用于 {label}：")
        lines += [f"    {n}" for n in names if n not in shared] or ["    （无）"]
    return "\n".join(lines) + "\n"
