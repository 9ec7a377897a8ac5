"""The VBA modules of the jixiao add-in, as text, ready for pyOpenVBA.

Where each module comes from:

- ``xlwings``        the installed xlwings' ``xlwings_custom_addin.bas`` with ``PROJECT_NAME`` set to
                     ``jixiao``: its DLL declarations name the installed version (``xlwings64-<ver>.dll``),
                     so the add-in always matches the xlwings that built it. Never committed.
- ``Dictionary``     the installed xlwings' ``addin/Dictionary.cls`` (the xlwings module uses it on Mac).
- ``JixiaoRibbon``   ``addin/vba/JixiaoRibbon.bas``: the one ribbon callback ``JX_OnAction``.
- ``xlwings_udfs``   the UDF wrappers, written by xlwings' own ``xlwings.udfs.import_udfs`` (run on Linux
                     in a subprocess with ``pythoncom``/``pywintypes``/``win32com`` stubbed, against a
                     stand-in workbook that captures the module it would import into Excel).
- ``JixiaoUdfInfo``  generated here from the same run: the Function Wizard texts (description, category,
                     argument help) that ``import_udfs`` registers through ``Application.MacroOptions``.
                     xlwings does that from Python over COM when a user clicks "Import Functions"; a
                     pre-built add-in has to do it itself, so ``ThisWorkbook``'s ``Workbook_Open`` calls
                     ``JX_RegisterFunctionHelp`` here.
- ``ThisWorkbook``   ``addin/vba/ThisWorkbook.cls``: the body of the workbook's document module.

VBA source is stored in code page 1252: every module must be ASCII. Chinese text is written as
``ChrW(&H....)`` expressions (:func:`vba_string_expr`).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jixiao

ADDIN_DIR = Path(__file__).resolve().parent
#: The folder holding the jixiao package (the checkout, or site-packages once installed): the UDF
#: generator's subprocess imports jixiao from there.
REPO_ROOT = Path(jixiao.__file__).resolve().parent.parent
VBA_DIR = ADDIN_DIR / "vba"

PROJECT_NAME = "jixiao"
UDF_MODULES = "jixiao.udfs.functions"

#: Names of the generated modules.
UDF_WRAPPER_MODULE = "xlwings_udfs"
UDF_INFO_MODULE = "JixiaoUdfInfo"
UDF_INFO_ENTRY = "JX_RegisterFunctionHelp"

#: VBA's physical line limit is 1023 characters; stay well below it.
_MAX_LINE = 700


class VBASourceError(ValueError):
    """A VBA source that cannot go into a code page 1252 project as it is."""


@dataclass(frozen=True)
class VBAModuleSource:
    """One module of the project: ``kind`` is "standard", "class" or "document"."""

    name: str
    kind: str
    source: str  # CRLF line endings, ASCII only
    origin: str  # where the text came from, for error messages and the build report


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------

def crlf(text: str) -> str:
    """Normalise line endings to CRLF (VBA's), ending with one."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n")


def check_ascii(module: VBAModuleSource) -> None:
    """Raise :class:`VBASourceError` naming each non-ASCII line of ``module``."""
    bad = [
        f"  line {n}: {line!r}"
        for n, line in enumerate(module.source.split("\r\n"), start=1)
        if not line.isascii()
    ]
    if bad:
        raise VBASourceError(
            f"VBA module {module.name} ({module.origin}) has non-ASCII characters; VBA source is "
            "code page 1252, so they would turn into '?'. Write them with ChrW(&H....):\n"
            + "\n".join(bad[:10])
        )


def _vba_tokens(text: str) -> list[str]:
    """``text`` as VBA expression pieces: quoted runs of printable ASCII, ChrW(&H....) for the rest."""
    tokens: list[str] = []
    run: list[str] = []

    def flush() -> None:
        text = "".join(run)
        for start in range(0, len(text), 200):  # a long run in pieces, so lines can be split
            tokens.append('"' + text[start:start + 200].replace('"', '""') + '"')
        run.clear()

    for ch in text:
        code = ord(ch)
        if 0x20 <= code < 0x7F:
            run.append(ch)
            continue
        flush()
        if code > 0xFFFF:  # ChrW takes one UTF-16 unit: write the surrogate pair
            code -= 0x10000
            tokens.append(f"ChrW(&H{0xD800 + (code >> 10):04X})")
            tokens.append(f"ChrW(&H{0xDC00 + (code & 0x3FF):04X})")
        else:
            tokens.append(f"ChrW(&H{code:04X})")
    flush()
    return tokens or ['""']


def vba_string_expr(text: str) -> str:
    """A VBA expression (ASCII only) whose value is ``text``, e.g. ``ChrW(&H7EE9) & ChrW(&H6548)``.

    Long texts give long expressions: use :func:`vba_assign_lines` to spread one over statements."""
    return " & ".join(_vba_tokens(text))


def vba_assign_lines(var: str, text: str, indent: str = "    ") -> list[str]:
    """Statements assigning ``text`` to VBA variable ``var``, each line below VBA's length limit."""
    lines: list[str] = []
    current: list[str] = []
    width = 0
    for token in _vba_tokens(text):
        if current and width + len(token) + 3 > _MAX_LINE:
            lines.append(current)
            current, width = [], 0
        current.append(token)
        width += len(token) + 3
    lines.append(current)
    out = [f"{indent}{var} = {' & '.join(lines[0])}"]
    out += [f"{indent}{var} = {var} & {' & '.join(chunk)}" for chunk in lines[1:]]
    return out


# ---------------------------------------------------------------------------------------------
# Modules taken from the installed xlwings
# ---------------------------------------------------------------------------------------------

def _xlwings_dir() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent


def xlwings_version() -> str:
    import xlwings

    return xlwings.__version__


_PROJECT_NAME_RE = re.compile(r'^(Public Const PROJECT_NAME As String = )"[^"\r\n]*"', re.MULTILINE)


def xlwings_module() -> VBAModuleSource:
    """xlwings' custom add-in module, with ``PROJECT_NAME = "jixiao"``."""
    path = _xlwings_dir() / "xlwings_custom_addin.bas"
    text = path.read_text(encoding="ascii")
    text, count = _PROJECT_NAME_RE.subn(rf'\1"{PROJECT_NAME}"', text)
    if count != 1:
        raise VBASourceError(f"{path}: expected one 'Public Const PROJECT_NAME' line, found {count}")
    version = xlwings_version()
    if f'Public Const XLWINGS_VERSION As String = "{version}"' not in text:
        raise VBASourceError(f"{path}: XLWINGS_VERSION is not the installed xlwings {version}")
    name = _vb_name(text) or "xlwings"
    return VBAModuleSource(name, "standard", crlf(text), f"xlwings {version}: {path.name}")


def dictionary_class() -> VBAModuleSource:
    """VBA-Dictionary (Tim Hall, MIT) as shipped by xlwings: the xlwings module needs it on Mac."""
    path = _xlwings_dir() / "addin" / "Dictionary.cls"
    text = path.read_text(encoding="ascii")
    return VBAModuleSource("Dictionary", "class", crlf(text), f"xlwings {xlwings_version()}: addin/{path.name}")


def _vb_name(text: str) -> str | None:
    found = re.search(r'^Attribute VB_Name = "([^"]+)"', text, re.MULTILINE)
    return found.group(1) if found else None


# ---------------------------------------------------------------------------------------------
# Committed modules (addin/vba)
# ---------------------------------------------------------------------------------------------

def committed_modules() -> list[VBAModuleSource]:
    """``addin/vba/*.bas`` (standard modules) and ``ThisWorkbook.cls`` (the workbook's code)."""
    out = []
    for path in sorted(VBA_DIR.glob("*.bas")):
        text = path.read_text(encoding="ascii")
        name = _vb_name(text)
        if name is None:
            raise VBASourceError(f"{path}: no 'Attribute VB_Name' line")
        out.append(VBAModuleSource(name, "standard", crlf(text), f"addin/vba/{path.name}"))
    this = VBA_DIR / "ThisWorkbook.cls"
    out.append(VBAModuleSource("ThisWorkbook", "document", crlf(this.read_text(encoding="ascii")),
                               f"addin/vba/{this.name}"))
    return out


# ---------------------------------------------------------------------------------------------
# UDF wrappers, through xlwings' own generator
# ---------------------------------------------------------------------------------------------

def udf_metadata(module_names: str = UDF_MODULES, workbook_name: str = f"{PROJECT_NAME}.xlam",
                 extra_path: list[str] | None = None) -> dict:
    """Run ``xlwings.udfs.import_udfs`` in a subprocess and return what it would put into Excel.

    ``{"vba": <the xlwings_udfs module text>, "macro_options": [{Macro, Description, Category,
    ArgumentDescriptions}, ...], "xlwings": <version>}``. The wrappers refer to ``ActiveWorkbook`` when
    ``workbook_name`` ends in ``.xlam`` and to ``ThisWorkbook`` otherwise, as xlwings writes them.
    """
    env = dict(os.environ)
    paths = [str(REPO_ROOT), *(extra_path or [])]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    proc = subprocess.run(
        [sys.executable, "-m", "jixiao.addin.vba_sources", "--udf-json", module_names, workbook_name],
        capture_output=True, text=True, encoding="utf-8", env=env, cwd=str(REPO_ROOT),
        stdin=subprocess.DEVNULL, timeout=300,
    )
    if proc.returncode != 0:
        raise VBASourceError(
            f"xlwings' UDF generator failed on {module_names!r} (exit {proc.returncode}):\n"
            f"{proc.stderr.strip()[-3000:]}"
        )
    last = [line for line in proc.stdout.splitlines() if line.strip()][-1]
    return json.loads(last)


@lru_cache(maxsize=8)
def _udf_metadata_of_kind(module_names: str, addin: bool, extra_path: tuple[str, ...]) -> dict:
    """udf_metadata, run once per process for an add-in or for a workbook: of the workbook's name
    only its kind shows in the modules (ActiveWorkbook or ThisWorkbook in the wrappers; the Function
    Wizard module uses the functions' names), so every template a run builds shares one subprocess."""
    return udf_metadata(module_names, f"{PROJECT_NAME}.xlam" if addin else f"{PROJECT_NAME}.xlsm", list(extra_path))


def udf_modules(module_names: str = UDF_MODULES, workbook_name: str = f"{PROJECT_NAME}.xlam",
                extra_path: list[str] | None = None) -> list[VBAModuleSource]:
    """The ``xlwings_udfs`` wrapper module and the ``JixiaoUdfInfo`` Function Wizard module."""
    meta = _udf_metadata_of_kind(module_names, workbook_name.lower().endswith(".xlam"), tuple(extra_path or ()))
    origin = f"xlwings {meta['xlwings']} import_udfs({module_names!r})"
    wrappers = VBAModuleSource(UDF_WRAPPER_MODULE, "standard", crlf(meta["vba"]), origin)
    info = VBAModuleSource(UDF_INFO_MODULE, "standard",
                           crlf(udf_info_module_text(meta["macro_options"], module_names)),
                           f"addin/vba_sources.py from {origin}")
    return [wrappers, info]


def _function_name(macro: str) -> str:
    return macro.rsplit("!", 1)[-1]


def udf_info_module_text(macro_options: list[dict], module_names: str) -> str:
    """VBA that registers each function's Function Wizard texts with ``Application.MacroOptions``.

    Same values as xlwings' ``import_udfs`` (description and argument help cut to 255 characters,
    the category), Chinese written with ChrW. Late-bound (``Application`` as Object) so that an Excel
    without ``ArgumentDescriptions`` (2007) fails at run time, inside ``On Error Resume Next``, rather
    than failing to compile.
    """
    lines = [
        f'Attribute VB_Name = "{UDF_INFO_MODULE}"',
        "' Autogenerated by addin/build.py - changes will be lost with the next build.",
        f"' Function Wizard texts of the xlwings UDFs in {module_names}: what xlwings' import_udfs",
        "' registers through Application.MacroOptions. Called from ThisWorkbook's Workbook_Open.",
        "' VBA source is code page 1252, so non-ASCII text is written with ChrW.",
        "Option Explicit",
        "",
        f"Public Sub {UDF_INFO_ENTRY}()",
        "    Dim wasSaved As Boolean",
        "    On Error Resume Next",
        "    wasSaved = ThisWorkbook.Saved",
    ]
    names = [_function_name(opt["Macro"]) for opt in macro_options]
    lines += [f"    JX_Help_{name}" for name in names]
    lines += [
        "    ThisWorkbook.Saved = wasSaved",
        "End Sub",
    ]
    for name, opt in zip(names, macro_options):
        args = opt.get("ArgumentDescriptions") or []
        lines += ["", f"Private Sub JX_Help_{name}()", "    Dim app As Object"]
        lines.append("    Dim d As String, c As Variant")
        if args:
            lines.append(f"    Dim a({len(args) - 1}) As Variant")
        lines += vba_assign_lines("d", opt["Description"])
        category = opt["Category"]
        if isinstance(category, int):
            lines.append(f"    c = {category}")
        else:
            lines += vba_assign_lines("c", category)
        for i, text in enumerate(args):
            lines += vba_assign_lines(f"a({i})", text)
        lines.append("    Set app = Application")
        # 'Book''s name.xlsm'!JX_X: the workbook name quoted as in a formula reference
        macro = f"\"'\" & Replace(ThisWorkbook.Name, \"'\", \"''\") & \"'!{name}\""
        call = f"    app.MacroOptions Macro:={macro}, Description:=d, Category:=c"
        if args:
            call += ", ArgumentDescriptions:=a"
        lines += [call, "End Sub"]
    return "\r\n".join(lines) + "\r\n"


def _generate_udf_json(module_names: str, workbook_name: str) -> dict:  # runs in the subprocess
    """Stub the Windows-only modules, use xlwings' real decorators, capture ``import_udfs``."""
    import importlib
    import types

    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["pythoncom"].CoInitialize = lambda *a, **k: None
    sys.modules["pywintypes"].com_error = type("com_error", (Exception,), {})
    sys.modules["win32com.client"].Dispatch = lambda *a, **k: None
    sys.modules["win32com"].client = sys.modules["win32com.client"]

    import xlwings
    import xlwings.udfs as udfs

    # On Linux xlwings.func/arg/ret/sub are no-ops; the UDF module must see the real ones.
    xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub = udfs.xlfunc, udfs.xlarg, udfs.xlret, udfs.xlsub
    for module_name in module_names.split(";"):
        module = importlib.import_module(module_name)
        udfs.udf_modules[module_name] = {"filename": module.__file__, "filetime": None, "module": module}

    captured: dict = {"vba": None, "macro_options": []}

    class _Components:
        def Remove(self, component):  # noqa: N802 - COM names
            pass

        def __call__(self, name):
            return name

        def Import(self, path):  # noqa: N802
            with open(path, encoding="utf-8") as fh:
                captured["vba"] = fh.read()

    class _Application:
        Version = "16.0"

        def MacroOptions(self, Macro, **kwargs):  # noqa: N802, N803
            captured["macro_options"].append({
                "Macro": Macro,
                "Description": kwargs.get("Description"),
                "Category": kwargs.get("Category"),
                "ArgumentDescriptions": list(kwargs.get("ArgumentDescriptions") or []),
            })

    class _Workbook:
        Name = workbook_name
        VBProject = types.SimpleNamespace(VBComponents=_Components())
        Application = _Application()

    udfs.import_udfs(module_names, _Workbook())
    if captured["vba"] is None:
        raise RuntimeError("import_udfs did not import a module")
    captured["xlwings"] = xlwings.__version__
    return captured


def _main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--udf-json":
        data = _generate_udf_json(argv[1], argv[2])
        # import_udfs prints "Imported functions from ..." on stdout: keep our JSON on the last line
        sys.stdout.write("\n" + json.dumps(data, ensure_ascii=True) + "\n")
        return 0
    print("usage: python -m jixiao.addin.vba_sources --udf-json MODULES WORKBOOK_NAME", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
