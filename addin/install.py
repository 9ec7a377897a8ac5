"""``jixiao addin install | uninstall | status``: the Excel add-in and its settings, from Python, the
same on every system.

    install    builds ``jixiao.xlam`` from the installed xlwings (its VBA names xlwings' DLL by version,
               so the add-in must match the xlwings beside this Python), puts it into Excel's startup
               folder XLSTART — through xlwings' own installer when Excel answers (it closes a loaded
               copy first and loads the new one), otherwise by a copy, as that installer makes — and
               writes this Python into the user's ``jixiao.conf`` (``INTERPRETER_WIN`` = its
               ``pythonw.exe``; ``PYTHONPATH`` only when jixiao is not installed in it), in the ANSI code
               page Excel reads it in. A changed jixiao.conf is backed up as ``jixiao.conf.bak`` first.
    uninstall  removes the add-in from XLSTART and the settings install writes (the other lines of
               jixiao.conf stay; the file goes when nothing is left), backing the file up as above.
    status     what is installed where: the add-in (and whether it is the one this jixiao and xlwings
               build), jixiao.conf (and whether it names this Python, whether Excel can read it), the
               xlwings DLL the add-in loads. Exit 0 when all is in place for this Python, 1 otherwise.

Where things go: XLSTART is ``--xlstart DIR``, else ``$JIXIAO_XLSTART``, else Excel's own
(``Application.StartupPath`` through xlwings; status asks only an Excel that is already running), else
``%APPDATA%\\Microsoft\\Excel\\XLSTART`` on Windows. ``jixiao.conf`` is
``%USERPROFILE%\\.jixiao\\jixiao.conf`` (``jixiao.addin.conf``). Where there is no Excel (Linux) and no
folder is given, the commands say so plainly, still write (install), clear (uninstall) or report
(status) jixiao.conf, and exit 1 for install and status; with ``--xlstart`` they do everything into that
folder and say that only Excel on Windows (or a Mac) uses it: that is how the tests run them.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jixiao
from jixiao import __version__
from jixiao.engine.errors import JixiaoError
from jixiao.engine.files import OutputError, atomic_output

from .conf import ConfError, conf_bytes, read_conf_rows, user_conf_path, write_conf
from .vba_sources import PROJECT_NAME

ADDIN_NAME = f"{PROJECT_NAME}.xlam"
XLSTART_ENV = "JIXIAO_XLSTART"
#: The folder that holds the jixiao package: what PYTHONPATH must name when jixiao is not installed.
PACKAGE_ROOT = Path(jixiao.__file__).resolve().parent.parent
WINDOWS = sys.platform == "win32"
MAC = sys.platform == "darwin"
#: The settings install writes into jixiao.conf (and uninstall takes out).
INTERPRETER_KEY = "INTERPRETER_MAC" if MAC else "INTERPRETER_WIN"
OWN_KEYS = ("INTERPRETER_WIN", "INTERPRETER_MAC", "PYTHONPATH")
NO_EXCEL = ("本机没有 Microsoft Excel（不是 Windows 或 Mac）：加载项只能装进 Windows（或 Mac）上的 Excel。"
            "WPS 和 LibreOffice 不用加载项，表格里的公式照样计算。")
REHEARSE = (f"要在这里演练，用 --xlstart 指定一个文件夹（或设环境变量 {XLSTART_ENV}）代替 Excel 的启动文件夹；"
            "写出的文件只有 Windows 上的 Excel 会用。")


class InstallError(JixiaoError):
    """The add-in could not be installed or removed (said in Chinese, with what to do)."""


# ---------------------------------------------------------------------------------------------
# Where: the XLSTART folder, this Python, what jixiao.conf should say
# ---------------------------------------------------------------------------------------------

@dataclass
class Startup:
    """Excel's startup folder and how it was found."""

    folder: Path
    how: str          # "option", "env", "excel", "default"
    excel: bool       # Excel answered (its own installer can be used)


def _excel_startup_folder(start_excel: bool) -> Path | None:
    """Excel's ``Application.StartupPath``, asked through xlwings (the folder its installer uses).
    With ``start_excel`` False only an Excel that is already running is asked."""
    if not (WINDOWS or MAC):
        return None
    try:
        import xlwings as xw
        from xlwings import cli as xw_cli

        if not start_excel and not xw.apps:
            return None
        return Path(xw_cli.get_addin_dir())
    except Exception:  # noqa: BLE001 - no Excel, a COM error, an xlwings without its installer
        return None


def _excel_running() -> bool:
    try:
        import xlwings as xw

        return bool(xw.apps)
    except Exception:  # noqa: BLE001
        return False


def startup_folder(given: Path | None, start_excel: bool = True) -> Startup | None:
    """Where the add-in goes; None where there is no Excel (Linux) and no folder was given."""
    if given is not None:
        return Startup(Path(given), "option", False)
    if os.environ.get(XLSTART_ENV):
        return Startup(Path(os.environ[XLSTART_ENV]), "env", False)
    excel = _excel_startup_folder(start_excel)
    if excel is not None:
        return Startup(excel, "excel", True)
    if WINDOWS and os.environ.get("APPDATA"):
        return Startup(Path(os.environ["APPDATA"]) / "Microsoft" / "Excel" / "XLSTART", "default", False)
    if MAC:
        raise InstallError("没能从 Excel 得到它的启动文件夹：请先打开 Excel 再运行，或用 --xlstart 指定文件夹")
    return None


def _where(startup: Startup) -> str:
    return {"option": "--xlstart 指定的文件夹", "env": f"环境变量 {XLSTART_ENV} 指定的文件夹",
            "excel": "Excel 的启动文件夹 XLSTART", "default": "Excel 的默认启动文件夹 XLSTART（没能向 Excel 询问：Excel 未安装或无法启动？）"}[startup.how]


def interpreter(executable: str | Path | None = None, windows: bool = WINDOWS) -> Path:
    """The Python the add-in is to run: this one, as ``pythonw.exe`` on Windows (no console window)."""
    exe = Path(executable or sys.executable)
    if windows:
        gui = exe.with_name("pythonw.exe")
        if gui.is_file():
            return gui
    return exe


def needs_pythonpath(executable: str | Path | None = None) -> bool:
    """True when this Python, started as the add-in starts it (another folder, no PYTHONPATH), would
    not import this very jixiao: it runs from a source folder rather than being installed."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    try:
        proc = subprocess.run([str(executable or sys.executable), "-c", "import jixiao; print(jixiao.__file__)"],
                              capture_output=True, text=True, encoding="utf-8", errors="replace", env=env,
                              cwd=tempfile.gettempdir(), stdin=subprocess.DEVNULL, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return True
    found = proc.stdout.strip().splitlines()[-1:] if proc.returncode == 0 else []
    return not found or Path(found[0]).resolve() != Path(jixiao.__file__).resolve()


def wanted_settings() -> list[tuple[str, str]]:
    """What install writes into jixiao.conf for this Python."""
    rows = [(INTERPRETER_KEY, str(interpreter()))]
    if needs_pythonpath():
        rows.append(("PYTHONPATH", str(PACKAGE_ROOT)))
    return rows


# ---------------------------------------------------------------------------------------------
# The add-in file
# ---------------------------------------------------------------------------------------------

def addin_bytes() -> bytes:
    """The add-in this jixiao builds from the installed xlwings (jixiao.addin.build; deterministic)."""
    from .build import BuildError, addin_bytes as build
    from .vba_sources import VBASourceError

    try:
        return build()
    except (BuildError, VBASourceError, OSError) as exc:
        raise InstallError(f"生成加载项失败：{exc}") from None


def _xlwings_version() -> str:
    try:
        import xlwings
    except ImportError:
        raise InstallError("没有安装 xlwings（加载项靠它运行 Python）：请重新安装 jixiao（pip install jixiao 会一并安装）") from None
    return xlwings.__version__


def _place(data: bytes, target: Path) -> None:
    """Write ``data`` to ``target`` atomically; a file Excel holds open says so."""
    try:
        with atomic_output(target) as tmp:
            tmp.write_bytes(data)
    except OutputError as exc:
        raise InstallError(f"{exc}。如果 Excel 开着，它可能正在使用这个文件：请关闭 Excel 后重新运行") from None
    except OSError as exc:
        raise InstallError(f"无法写入 {target}：{exc.strerror or exc}") from None


def _with_xlwings(call, *args) -> str:
    """Run one of xlwings' installer functions; what it printed (it reports errors by printing)."""
    from xlwings import cli as xw_cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        getattr(xw_cli, call)(*args)
    return out.getvalue().strip()


def install_file(data: bytes, startup: Startup) -> str:
    """Put the add-in (``data``) into ``startup.folder``; how it was done, in Chinese."""
    target = startup.folder / ADDIN_NAME
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise InstallError(f"{target} 已存在，但不是普通文件（文件夹或快捷方式），不会替换：请把它移走后重新运行")
    if target.is_file() and target.read_bytes() == data:
        return "与本次生成的完全相同，未改动"
    if startup.excel:
        with tempfile.TemporaryDirectory(prefix="jixiao-addin-") as tmp:
            return _install_with_xlwings(data, Path(tmp) / ADDIN_NAME, startup)
    startup.folder.mkdir(parents=True, exist_ok=True)
    _place(data, target)
    return "已复制"


def _install_with_xlwings(data: bytes, src: Path, startup: Startup) -> str:
    """xlwings' installer (it closes a loaded copy, copies, loads the new one); a copy if it fails."""
    target = startup.folder / ADDIN_NAME
    src.write_bytes(data)
    try:
        said = _with_xlwings("_addin_install", str(src))
    except Exception as exc:  # noqa: BLE001 - fall back to a plain copy
        said = f"{type(exc).__name__}: {exc}"
    if target.is_file() and target.read_bytes() == data:
        return "由 xlwings 的安装程序复制（正在运行的 Excel 中已重新加载）" if _excel_running() else "由 xlwings 的安装程序复制"
    startup.folder.mkdir(parents=True, exist_ok=True)
    _place(data, target)
    return f"xlwings 的安装程序没有装好（{said or '没有说明'}），改为直接复制"


def remove_file(startup: Startup) -> str | None:
    """Take the add-in out of ``startup.folder``; how, or None when it was not there."""
    target = startup.folder / ADDIN_NAME
    if not target.exists():
        return None
    if startup.excel:
        with contextlib.suppress(Exception):
            _with_xlwings("_addin_remove", ADDIN_NAME, False)
        if not target.exists():
            return "由 xlwings 的卸载程序删除"
    try:
        target.unlink()
    except PermissionError:
        raise InstallError(f"无法删除 {target}：Excel 可能正在使用它。请关闭 Excel 后重新运行") from None
    except OSError as exc:
        raise InstallError(f"无法删除 {target}：{exc.strerror or exc}") from None
    return "已删除"


# ---------------------------------------------------------------------------------------------
# jixiao.conf
# ---------------------------------------------------------------------------------------------

def _backup(path: Path) -> Path:
    backup = path.with_name(path.name + ".bak")
    with atomic_output(backup) as tmp:
        shutil.copyfile(path, tmp)
    return backup


def _rows(path: Path) -> list[tuple[str, str]]:
    if not path.is_file():
        return []
    try:
        return read_conf_rows(path)[0]
    except OSError as exc:
        raise InstallError(f"无法读取 {path}：{exc.strerror or exc}") from None


def update_conf(path: Path, settings: list[tuple[str, str]]) -> tuple[list[str], Path | None]:
    """Write ``settings`` into jixiao.conf, replacing the keys install owns and keeping every other
    line. Returns (what changed, in Chinese; the backup of the old file or None)."""
    old = _rows(path)
    kept = [(k, v) for k, v in old if k.upper() not in OWN_KEYS]
    new = [*settings, *kept]
    try:
        data = conf_bytes(new)
    except ConfError as exc:
        raise InstallError(f"无法写 {path}：{exc}") from None
    before = {k.upper(): v for k, v in reversed(old)}  # the first line of a key is the one read
    changes = [f"{k} = {v}" + (f"（原为 {before[k]}）" if before.get(k) not in (None, v) else "") for k, v in settings]
    changes += [f"删除 {k}（原为 {before[k]}）" for k in OWN_KEYS if k in before and k not in dict(settings)]
    if path.is_file() and path.read_bytes() == data:
        return [f"{c}（原来就是这样，文件未改动）" for c in changes], None
    backup = _backup(path) if path.is_file() else None
    try:
        write_conf(path, new)
    except OSError as exc:
        raise InstallError(f"无法写 {path}：{exc.strerror or exc}") from None
    return changes, backup


def clear_conf(path: Path) -> tuple[list[str], Path | None, bool]:
    """Take the keys install owns out of jixiao.conf. Returns (what was removed, the backup, whether
    the file itself was deleted because nothing else was in it)."""
    old = _rows(path)
    removed = [f"{k} = {v}" for k, v in old if k.upper() in OWN_KEYS]
    if not removed:
        return [], None, False
    kept = [(k, v) for k, v in old if k.upper() not in OWN_KEYS]
    backup = _backup(path)
    try:
        if kept:
            write_conf(path, kept)
        else:
            path.unlink()
    except (OSError, ConfError) as exc:
        raise InstallError(f"无法修改 {path}：{exc}") from None
    return removed, backup, not kept


# ---------------------------------------------------------------------------------------------
# The commands
# ---------------------------------------------------------------------------------------------

def install(xlstart: Path | None = None, out=print) -> int:
    """Install (or update) the add-in and write this Python into jixiao.conf. Exit 0 when both are
    in place; 1 where there is no Excel to install into (jixiao.conf is written all the same)."""
    version = _xlwings_version()
    settings = wanted_settings()  # before anything is written: a path Excel cannot read stops here
    conf_path = user_conf_path()
    try:
        conf_bytes(settings)
    except ConfError as exc:
        raise InstallError(f"无法写 {conf_path}：{exc}") from None
    startup = startup_folder(xlstart)
    how = install_file(addin_bytes(), startup) if startup else None
    changes, backup = update_conf(conf_path, settings)
    if startup:
        lines = [f"已安装绩效自评加载项（jixiao {__version__}，xlwings {version}）：",
                 f"  加载项  {startup.folder / ADDIN_NAME}",
                 f"          {_where(startup)}：{how}。Excel 每次启动时自动加载它"]
    else:
        lines = [f"没有安装加载项：{NO_EXCEL}", REHEARSE, "已写好加载项的配置（Windows 上装加载项时同样会写）："]
    lines.append(f"  配置    {conf_path}")
    lines += [f"          {c}" for c in changes]
    lines.append("          （加载项用这个 Python 运行按钮和 JX_ 函数）")
    if backup:
        lines.append(f"          原来的文件已备份为 {backup.name}")
    if startup and (WINDOWS or MAC):
        lines.append("请重启 Excel：出现“绩效自评”选项卡后点“设置”核对。")
    elif startup:
        lines.append(f"注意：{NO_EXCEL}这里只是把文件写进了上面的文件夹。")
    again = f" --xlstart {_quote(startup.folder)}" if startup and startup.how == "option" else ""
    lines += [f"查看安装情况：jixiao addin status{again}",
              f"撤销：jixiao addin uninstall{again}（删除上面的" + ("加载项和" if startup else "")
              + "这几项配置，配置文件中的其他行保留）"]
    out("\n".join(lines))
    return 0 if startup else 1


def uninstall(xlstart: Path | None = None, out=print) -> int:
    """Remove the add-in and the settings install wrote; 0 also when nothing was installed."""
    startup = startup_folder(xlstart)
    how = remove_file(startup) if startup else None
    conf_path = user_conf_path()
    removed, backup, deleted = clear_conf(conf_path)
    lines = ["已卸载绩效自评加载项：" if how or removed else "没有找到已安装的绩效自评加载项，未做改动："]
    if startup:
        lines.append(f"  加载项  {startup.folder / ADDIN_NAME}：" + (how or "不存在"))
    else:
        lines.append(f"  加载项  {NO_EXCEL}")
    if removed:
        lines.append(f"  配置    {conf_path}：" + ("已删除（其中只有 jixiao 写入的配置）" if deleted else "删除了 jixiao 写入的配置，其余保留"))
        lines += [f"          删除 {r}" for r in removed]
        lines.append(f"          原来的文件已备份为 {backup}")
    else:
        lines.append(f"  配置    {conf_path}：没有 jixiao 写入的配置")
    if how and (WINDOWS or MAC):
        lines.append("重启 Excel 后“绩效自评”选项卡不再出现。")
    lines.append("Python 和 jixiao 本身仍在（卸载它们：删除安装 jixiao 的虚拟环境文件夹）；重新安装加载项：jixiao addin install")
    out("\n".join(lines))
    return 0


def status(xlstart: Path | None = None, out=print) -> int:
    """What is installed where. Exit 0 when the add-in and jixiao.conf are in place for this Python."""
    ok = True
    lines = [f"jixiao {__version__}，Python {sys.version.split()[0]}（{sys.executable}）"]
    try:
        version = _xlwings_version()
        lines[0] += f"，xlwings {version}"
    except InstallError as exc:
        version = None
        ok = False
        lines.append(f"xlwings：{exc.message}")
    startup = startup_folder(xlstart, start_excel=False)
    target = startup.folder / ADDIN_NAME if startup else None
    if startup is None:
        ok = False
        lines.append(f"加载项：未安装。{NO_EXCEL}{REHEARSE}")
    elif target.is_file():
        same = bool(version) and addin_bytes() == target.read_bytes()
        lines.append(f"加载项：已安装 {target}（{_where(startup)}）")
        lines.append("        与本机 jixiao 和 xlwings 生成的相同" if same else
                     "        与本机 jixiao 和 xlwings 生成的不同（旧版本，或另一个 Python 的）：运行 jixiao addin install 更新")
        ok &= same
    else:
        ok = False
        lines.append(f"加载项：未安装（{_where(startup)} {startup.folder} 中没有 {ADDIN_NAME}）：运行 jixiao addin install")
    ok &= _conf_status(lines, wanted_settings())
    if WINDOWS and version:
        ok &= _dll_status(lines, version)
    if startup and not (WINDOWS or MAC):
        lines.append(f"注意：{NO_EXCEL}")
    lines.append("全部就绪。" if ok else "尚未就绪：见上面的说明。")
    out("\n".join(lines))
    return 0 if ok else 1


def _quote(path: Path) -> str:
    text = str(path)
    return f'"{text}"' if " " in text else text


def _conf_status(lines: list[str], wanted: list[tuple[str, str]]) -> bool:
    path = user_conf_path()
    if not path.is_file():
        lines.append(f"配置：{path} 不存在：运行 jixiao addin install")
        return False
    try:
        rows, warning = read_conf_rows(path)
    except OSError as exc:
        lines.append(f"配置：无法读取 {path}：{exc.strerror or exc}")
        return False
    conf: dict[str, str] = {}
    for k, v in rows:
        conf.setdefault(k.upper(), v)
    ok = True
    lines.append(f"配置：{path}")
    for key, value in wanted:
        have = conf.get(key)
        if have is None:
            lines.append(f"      {key} 未设置（应为 {value}）：运行 jixiao addin install")
            ok = False
        elif os.path.normcase(have) != os.path.normcase(value):
            lines.append(f"      {key} = {have}：不是本机这个 Python（{value}）；要让加载项用它，运行 jixiao addin install")
            ok = False
        else:
            lines.append(f"      {key} = {have}")
    if "PYTHONPATH" in conf and "PYTHONPATH" not in dict(wanted):
        lines.append(f"      PYTHONPATH = {conf['PYTHONPATH']}：jixiao 已装在这个 Python 中，不需要它；其中若有旧的 jixiao 源码会盖住安装的版本")
    if warning:
        lines.append(f"      注意：{warning}")
        ok = False
    return ok


def _dll_status(lines: list[str], version: str) -> bool:
    """The add-in loads xlwings' DLL from the interpreter's folder or the one above (a virtual env)."""
    exe = interpreter()
    names = [f"xlwings64-{version}.dll", f"xlwings32-{version}.dll"]
    for folder in (exe.parent, exe.parent.parent):
        if all((folder / n).is_file() for n in names):
            lines.append(f"xlwings 的 DLL：{folder}")
            return True
    lines.append(f"xlwings 的 DLL：在 {exe.parent} 和 {exe.parent.parent} 中都没有找到 {names[0]}：请重新安装 xlwings")
    return False


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="jixiao addin", description="安装、卸载 Excel 加载项（绩效自评选项卡和 JX_ 函数），查看安装情况",
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="例如：\n  jixiao addin install      # 安装或更新；写好 %USERPROFILE%\\.jixiao\\jixiao.conf\n"
                                       "  jixiao addin status       # 装在哪里、是否就绪\n"
                                       "  jixiao addin uninstall    # 卸载")
    sub = p.add_subparsers(dest="action", metavar="{install,uninstall,status}", required=True)
    for name, text in (("install", "安装加载项，并在 jixiao.conf 中写入本机这个 Python（重复运行即更新）"),
                       ("uninstall", "卸载加载项，删除 jixiao.conf 中 jixiao 写入的配置"),
                       ("status", "查看加载项和 jixiao.conf 的安装情况（全部就绪时退出码 0，否则 1）")):
        s = sub.add_parser(name, help=text, description=text)
        s.add_argument("--xlstart", type=Path, metavar="文件夹",
                       help=f"Excel 的启动文件夹 XLSTART（默认问 Excel，或 %%APPDATA%%\\Microsoft\\Excel\\XLSTART；也可用环境变量 {XLSTART_ENV}）")
    args = p.parse_args(argv)
    return {"install": install, "uninstall": uninstall, "status": status}[args.action](args.xlstart)


if __name__ == "__main__":
    sys.exit(main())
