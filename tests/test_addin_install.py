"""`jixiao addin install | uninstall | status` (jixiao.addin.install) on a machine without Excel: the
add-in goes into a stand-in XLSTART folder (--xlstart or JIXIAO_XLSTART), jixiao.conf into a stand-in
%USERPROFILE%. What only Excel on Windows can show is in docs/windows-manual-test.md."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jixiao import cli
from jixiao.addin import install
from jixiao.addin.build import addin_bytes


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv(install.XLSTART_ENV, raising=False)
    return home


@pytest.fixture(scope="module")
def built_addin() -> bytes:
    return addin_bytes()


def conf_of(home: Path) -> Path:
    return home / ".jixiao" / "jixiao.conf"


def run(capsys, *argv):
    code = cli.main(["addin", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_install_status_uninstall_round_trip(home, tmp_path, capsys, built_addin):
    xlstart = tmp_path / "XL START"
    code, out, err = run(capsys, "install", "--xlstart", xlstart)
    assert code == 0 and not err
    # the add-in this jixiao builds from the installed xlwings, and this Python (jixiao is installed in
    # it, so no PYTHONPATH), as one "KEY","value" CRLF line
    assert (xlstart / "jixiao.xlam").read_bytes() == built_addin
    assert conf_of(home).read_bytes() == f'"INTERPRETER_WIN","{sys.executable}"\r\n'.encode("gbk")
    assert f"加载项  {xlstart / 'jixiao.xlam'}" in out and "--xlstart 指定的文件夹：已复制" in out
    assert f"INTERPRETER_WIN = {sys.executable}" in out
    assert f'撤销：jixiao addin uninstall --xlstart "{xlstart}"' in out  # how to undo it, runnable as printed
    assert "本机没有 Microsoft Excel" in out  # said plainly: only Excel on Windows/Mac uses these files

    code, out, _ = run(capsys, "status", "--xlstart", xlstart)
    assert code == 0 and "与本机 jixiao 和 xlwings 生成的相同" in out and out.rstrip().endswith("全部就绪。")

    code, out, _ = run(capsys, "install", "--xlstart", xlstart)  # again: nothing to change
    assert code == 0 and "与本次生成的完全相同，未改动" in out and "原来就是这样，文件未改动" in out
    assert not conf_of(home).with_name("jixiao.conf.bak").exists()

    code, out, _ = run(capsys, "uninstall", "--xlstart", xlstart)
    assert code == 0 and "已卸载" in out and "已删除（其中只有 jixiao 写入的配置）" in out
    assert list(xlstart.iterdir()) == [] and not conf_of(home).exists()
    assert conf_of(home).with_name("jixiao.conf.bak").read_bytes().startswith(b'"INTERPRETER_WIN"')

    code, out, _ = run(capsys, "status", "--xlstart", xlstart)
    assert code == 1 and "加载项：未安装" in out and "不存在：运行 jixiao addin install" in out
    code, out, _ = run(capsys, "uninstall", "--xlstart", xlstart)
    assert code == 0 and "没有找到已安装的绩效自评加载项，未做改动" in out


def test_other_settings_are_kept_and_the_old_file_backed_up(home, tmp_path, capsys, monkeypatch):
    conf = conf_of(home)
    conf.parent.mkdir()
    old = '"PYTHONPATH","C:\\旧的\\jixiao"\r\n"SHOW CONSOLE","True"\r\n"INTERPRETER_WIN","C:\\Python311\\pythonw.exe"\r\n'
    conf.write_bytes(old.encode("gbk"))
    monkeypatch.setattr(install, "interpreter", lambda *a, **k: Path("C:/绩效/.venv/Scripts/pythonw.exe"))
    monkeypatch.setenv(install.XLSTART_ENV, str(tmp_path / "xlstart"))  # the environment variable works too
    code, out, _ = run(capsys, "install")
    assert code == 0 and "环境变量 JIXIAO_XLSTART 指定的文件夹" in out
    assert "INTERPRETER_WIN = C:/绩效/.venv/Scripts/pythonw.exe（原为 C:\\Python311\\pythonw.exe）" in out
    assert "删除 PYTHONPATH（原为 C:\\旧的\\jixiao）" in out  # an old source folder would shadow the installed jixiao
    # written in the ANSI code page Excel's VBA reads (GBK on Chinese Windows); the other line kept
    assert conf.read_bytes() == '"INTERPRETER_WIN","C:/绩效/.venv/Scripts/pythonw.exe"\r\n"SHOW CONSOLE","True"\r\n'.encode("gbk")
    assert conf.with_name("jixiao.conf.bak").read_bytes() == old.encode("gbk")
    assert "原来的文件已备份为 jixiao.conf.bak" in out

    code, out, _ = run(capsys, "uninstall")
    assert code == 0 and "删除了 jixiao 写入的配置，其余保留" in out
    assert conf.read_bytes() == b'"SHOW CONSOLE","True"\r\n'


def test_a_path_excel_cannot_read_stops_before_anything_is_written(home, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(install, "interpreter", lambda *a, **k: Path("/opt/py\u00f1\u00e9/python"))  # not in GBK
    xlstart = tmp_path / "xlstart"
    code, out, err = run(capsys, "install", "--xlstart", xlstart)
    assert code == 2 and "不能用本机的 ANSI 编码" in err and "只含英文字母和数字的路径" in err
    assert "Traceback" not in err and not xlstart.exists() and not conf_of(home).exists()


def test_without_excel_it_says_so_and_still_writes_and_reports_the_conf(home, capsys, monkeypatch):
    monkeypatch.setattr(install, "WINDOWS", False)
    monkeypatch.setattr(install, "MAC", False)
    code, out, _ = run(capsys, "install")
    assert code == 1  # the add-in is not installed: not a success
    assert out.startswith("没有安装加载项：本机没有 Microsoft Excel") and "--xlstart" in out
    assert conf_of(home).read_bytes() == f'"INTERPRETER_WIN","{sys.executable}"\r\n'.encode("gbk")
    code, out, _ = run(capsys, "status")
    assert code == 1 and "加载项：未安装。本机没有 Microsoft Excel" in out
    assert f"INTERPRETER_WIN = {sys.executable}" in out and "尚未就绪" in out
    code, out, _ = run(capsys, "uninstall")
    assert code == 0 and "本机没有 Microsoft Excel" in out and not conf_of(home).exists()


def test_status_finds_an_addin_of_another_version(home, tmp_path, capsys, built_addin):
    xlstart = tmp_path / "xlstart"
    xlstart.mkdir()
    run(capsys, "install", "--xlstart", xlstart)
    (xlstart / "jixiao.xlam").write_bytes(b"an old add-in")
    code, out, _ = run(capsys, "status", "--xlstart", xlstart)
    assert code == 1 and "生成的不同（旧版本，或另一个 Python 的）：运行 jixiao addin install 更新" in out
    code, out, _ = run(capsys, "install", "--xlstart", xlstart)
    assert code == 0 and (xlstart / "jixiao.xlam").read_bytes() == built_addin


def test_a_conf_excel_would_misread_is_reported(home, tmp_path, capsys):
    xlstart = tmp_path / "xlstart"
    run(capsys, "install", "--xlstart", xlstart)
    conf = conf_of(home)
    conf.write_bytes(b"\xef\xbb\xbf" + conf.read_bytes())  # saved by an editor as UTF-8 with a BOM
    code, out, _ = run(capsys, "status", "--xlstart", xlstart)
    assert code == 1 and "UTF-8 BOM" in out


def test_xlwings_installer_is_used_where_excel_answers_and_a_copy_follows_when_it_fails(tmp_path, monkeypatch,
                                                                                       built_addin):
    folder = tmp_path / "XLSTART"
    startup = install.Startup(folder, "excel", True)
    calls = []

    def xlwings_installer(name, source):  # as xlwings.cli._addin_install: copies into Excel's StartupPath
        calls.append(name)
        folder.mkdir(exist_ok=True)
        (folder / Path(source).name).write_bytes(Path(source).read_bytes())
        return "Successfully installed the xlwings add-in!"

    monkeypatch.setattr(install, "_with_xlwings", xlwings_installer)
    monkeypatch.setattr(install, "_excel_running", lambda: False)
    assert install.install_file(built_addin, startup) == "由 xlwings 的安装程序复制"
    assert calls == ["_addin_install"] and (folder / "jixiao.xlam").read_bytes() == built_addin

    def failing(name, source):
        return "Error: Failed to install the add-in: If Excel is running, quit Excel and try again."

    monkeypatch.setattr(install, "_with_xlwings", failing)
    (folder / "jixiao.xlam").write_bytes(b"old")
    how = install.install_file(built_addin, startup)
    assert how.startswith("xlwings 的安装程序没有装好（Error: Failed") and how.endswith("改为直接复制")
    assert (folder / "jixiao.xlam").read_bytes() == built_addin


def test_the_addin_runs_pythonw_on_windows(tmp_path):
    exe = tmp_path / "Scripts" / "python.exe"
    exe.parent.mkdir()
    exe.write_bytes(b"")
    assert install.interpreter(exe, windows=True) == exe  # no pythonw.exe beside it: python.exe
    (exe.parent / "pythonw.exe").write_bytes(b"")
    assert install.interpreter(exe, windows=True) == exe.parent / "pythonw.exe"
    assert install.interpreter(exe, windows=False) == exe


def test_pythonpath_is_written_only_for_a_jixiao_that_is_not_installed(tmp_path):
    assert install.needs_pythonpath() is False  # this Python imports this very jixiao from anywhere
    assert install.needs_pythonpath(tmp_path / "missing" / "python") is True
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests do not run in a virtual environment")
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert install.needs_pythonpath(base) is True  # the interpreter the venv was made from has no jixiao


def test_help_names_the_three_actions(capsys):
    with pytest.raises(SystemExit) as exc:
        install.main(["--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and all(a in out for a in ("install", "uninstall", "status"))
    with pytest.raises(SystemExit) as exc:
        cli.main(["addin"])
    assert exc.value.code == 2 and "install" in capsys.readouterr().err


def test_an_addin_file_that_cannot_be_replaced_is_a_message(home, tmp_path, capsys):
    xlstart = tmp_path / "xlstart"
    (xlstart / "jixiao.xlam").mkdir(parents=True)  # not a file: never replaced
    code, out, err = run(capsys, "install", "--xlstart", xlstart)
    assert code == 2 and "已存在，但不是普通文件（文件夹或快捷方式），不会替换" in err and "Traceback" not in err
    assert not conf_of(home).exists()  # nothing else written
