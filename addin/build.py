"""Build the jixiao Excel add-in, and macro-enabled workbooks, from the text sources in ``addin/``.

    python -m jixiao.addin.build --out dist/addin [--xlsm-from template.xlsx ...]

writes ``dist/addin/jixiao.xlam`` (and ``<name>.xlsm`` beside it for each ``--xlsm-from`` workbook).
No Excel, no Windows: the VBA project (``xl/vbaProject.bin``) is written by pyOpenVBA from the modules
listed in :mod:`jixiao.addin.vba_sources`, the package by :mod:`zipfile`.

What goes into a package
------------------------
- ``xl/vbaProject.bin``: xlwings' custom add-in module (from the installed xlwings, ``PROJECT_NAME =
  "jixiao"``), ``Dictionary`` (xlwings' Mac helper), ``JixiaoRibbon`` (the ribbon callback), the UDF
  wrappers written by xlwings' own generator, ``JixiaoUdfInfo`` (Function Wizard texts) and the code of
  ``ThisWorkbook``. Content type ``application/vnd.ms-office.vbaProject``, related from the workbook.
- ``customUI/customUI14.xml``: ``addin/ribbon/customUI14.xml`` as it is, related from ``_rels/.rels``
  with type ``http://schemas.microsoft.com/office/2007/relationships/ui/extensibility``. There is no
  ``customUI/customUI.xml`` (2006 schema): only Excel 2007 needs one, and Excel 2007 is no target
  (Excel 2010 and later, Windows and Mac, read customUI14; WPS and LibreOffice run no xlwings).
- the add-in only: one sheet ``jixiao.conf``, the configuration sheet xlwings' custom add-in module
  reads (``GetConfigFromSheet(ThisWorkbook)`` looks for ``PROJECT_NAME & ".conf"``): ``UDF Modules =
  jixiao.udfs.functions``. Nothing else is set there on purpose: an entry on that sheet wins over the user's
  ``%USERPROFILE%\\.jixiao\\jixiao.conf`` file, so an empty ``Interpreter_Win`` row would hide the
  user's own setting. The sheet's column D says where the other keys go.

Reproducible: the same sources and the same installed xlwings/pyOpenVBA give byte-identical files
(entries sorted, fixed timestamps, fixed document properties). Files are written atomically.

openpyxl drops the customUI14 relationship when it saves a workbook with ``keep_vba=True`` (it keeps
the part): call :func:`restore_ribbon` after such a save.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from defusedxml import ElementTree as SafeET

from jixiao.engine.files import atomic_output

from jixiao.addin import vba_sources
from jixiao.addin.vba_sources import (
    PROJECT_NAME,
    UDF_MODULES,
    VBAModuleSource,
    check_ascii,
)
from jixiao.addin.workbook import CONF_SHEET

ADDIN_DIR = Path(__file__).resolve().parent
RIBBON_SOURCE = ADDIN_DIR / "ribbon" / "customUI14.xml"

ADDIN_NAME = f"{PROJECT_NAME}.xlam"

CT_ADDIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
CT_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"
CT_XML = "application/xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"

NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
#: customUI14.xml (2009/07 schema) is related with the "2007" type; customUI.xml (2006) with "2006".
REL_UI14 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
REL_UI12 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"

RIBBON_PART = "customUI/customUI14.xml"
WORKBOOK_PART = "xl/workbook.xml"
VBA_PART = "xl/vbaProject.bin"
CORE_PART = "docProps/core.xml"

#: Every zip entry gets this timestamp (the earliest a zip can hold).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: Document properties of the add-in (a build date would make builds differ).
CORE_DATE = "2000-01-01T00:00:00Z"
#: The VB_Base of a workbook's document module (the class Excel's workbook object implements).
WORKBOOK_DOCUMENT_BASE = "0{00020819-0000-0000-C000-000000000046}"


class BuildError(RuntimeError):
    """The add-in or a workbook could not be built from its sources."""


@dataclass
class Package:
    """An OOXML package in memory: part name (no leading slash) -> bytes."""

    parts: dict[str, bytes]

    @classmethod
    def read(cls, data: bytes) -> "Package":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return cls({info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()})

    def to_bytes(self) -> bytes:
        """Deterministic zip: entries sorted, fixed timestamp and permissions, deflate level 9."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name in sorted(self.parts):
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 0
                info.external_attr = 0
                zf.writestr(info, self.parts[name], compresslevel=9)
        return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Small XML parts: [Content_Types].xml and relationships, parsed and written out again
# ---------------------------------------------------------------------------------------------

def _parse_content_types(data: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    root = SafeET.fromstring(data)
    defaults = [(e.get("Extension", ""), e.get("ContentType", "")) for e in root if e.tag == f"{{{NS_CT}}}Default"]
    overrides = [(e.get("PartName", ""), e.get("ContentType", "")) for e in root if e.tag == f"{{{NS_CT}}}Override"]
    return defaults, overrides


def _write_content_types(defaults: list[tuple[str, str]], overrides: list[tuple[str, str]]) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', f'<Types xmlns="{NS_CT}">']
    out += [f"<Default Extension={quoteattr(ext)} ContentType={quoteattr(ct)}/>" for ext, ct in defaults]
    out += [f"<Override PartName={quoteattr(part)} ContentType={quoteattr(ct)}/>" for part, ct in overrides]
    out.append("</Types>")
    return "".join(out).encode("utf-8")


def _parse_rels(data: bytes) -> list[dict[str, str]]:
    root = SafeET.fromstring(data)
    return [dict(e.attrib) for e in root if e.tag == f"{{{NS_RELS}}}Relationship"]


def _write_rels(rels: list[dict[str, str]]) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', f'<Relationships xmlns="{NS_RELS}">']
    for rel in rels:
        attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in rel.items())
        out.append(f"<Relationship {attrs}/>")
    out.append("</Relationships>")
    return "".join(out).encode("utf-8")


def _free_rel_id(rels: list[dict[str, str]]) -> str:
    taken = {rel.get("Id") for rel in rels}
    n = 1
    while f"rId{n}" in taken:
        n += 1
    return f"rId{n}"


def _target_part(target: str) -> str:
    """A root relationship's target as a part name (no leading slash)."""
    return target.lstrip("/")


def _main_part(package: Package) -> str:
    rels = _parse_rels(package.parts["_rels/.rels"])
    for rel in rels:
        if rel.get("Type") == REL_OFFICE_DOCUMENT:
            return _target_part(rel["Target"])
    raise BuildError("the package has no officeDocument relationship: not a workbook")


def _set_content_types(package: Package, main_content_type: str) -> None:
    """The workbook part gets ``main_content_type``; .bin and .xml parts their Defaults."""
    defaults, overrides = _parse_content_types(package.parts["[Content_Types].xml"])
    main = "/" + _main_part(package)
    overrides = [(p, main_content_type if p == main else ct) for p, ct in overrides]
    if not any(p == main for p, _ in overrides):
        overrides.append((main, main_content_type))
    by_ext = {ext.lower(): ct for ext, ct in defaults}
    if VBA_PART in package.parts and by_ext.get("bin") != CT_VBA:
        if "bin" in by_ext:  # bin taken by another type (printer settings): an Override of its own
            overrides = [(p, ct) for p, ct in overrides if p != "/" + VBA_PART] + [("/" + VBA_PART, CT_VBA)]
        else:
            defaults.append(("bin", CT_VBA))
    if RIBBON_PART in package.parts and "xml" not in by_ext:
        overrides = [(p, ct) for p, ct in overrides if p != "/" + RIBBON_PART] + [("/" + RIBBON_PART, CT_XML)]
    package.parts["[Content_Types].xml"] = _write_content_types(defaults, overrides)


def _add_ribbon(package: Package, ribbon: bytes | None) -> bool:
    """Put the ribbon part (when ``ribbon`` is given) and its root relationship into ``package``.

    Returns whether anything changed. A customUI14 relationship already present is kept as it is."""
    changed = False
    if ribbon is not None and package.parts.get(RIBBON_PART) != ribbon:
        package.parts[RIBBON_PART] = ribbon
        changed = True
    rels = _parse_rels(package.parts["_rels/.rels"])
    if not any(rel.get("Type") == REL_UI14 for rel in rels):
        rels.append({"Id": _free_rel_id(rels), "Type": REL_UI14, "Target": RIBBON_PART})
        package.parts["_rels/.rels"] = _write_rels(rels)
        changed = True
    return changed


# ---------------------------------------------------------------------------------------------
# The VBA project
# ---------------------------------------------------------------------------------------------

def ribbon_xml() -> bytes:
    return RIBBON_SOURCE.read_bytes()


def vba_modules(workbook_name: str, udf_modules: str = UDF_MODULES,
                extra_path: list[str] | None = None) -> list[VBAModuleSource]:
    """Every module of the project, in the order they go in (document module last)."""
    committed = vba_sources.committed_modules()
    modules = [
        vba_sources.xlwings_module(),
        vba_sources.dictionary_class(),
        *[m for m in committed if m.kind == "standard"],
        *vba_sources.udf_modules(udf_modules, workbook_name, extra_path),
        *[m for m in committed if m.kind == "document"],
    ]
    seen: set[str] = set()
    for module in modules:
        check_ascii(module)
        key = module.name.casefold()
        if key in seen:
            raise BuildError(f"two VBA modules named {module.name}")
        seen.add(key)
    return modules


def _with_vba_project(package: Package, modules: list[VBAModuleSource]) -> Package:
    """``package`` (a workbook without VBA) with a VBA project holding ``modules``, made by pyOpenVBA.

    pyOpenVBA adds the project as Excel does for a first macro: document modules for the workbook and
    each sheet (code names written into workbook.xml and the sheets), the vbaProject relationship and
    the bin content type.
    """
    from pyopenvba import ExcelFile, VBAModuleKind

    if VBA_PART in package.parts:
        raise BuildError("the workbook already has a VBA project")
    with tempfile.TemporaryDirectory(prefix="jixiao-vba-") as td:
        src, dst = Path(td) / "in.xlsm", Path(td) / "out.xlsm"
        src.write_bytes(package.to_bytes())
        with ExcelFile(src) as book:
            project = book.add_vba_project()
            documents = [m.name for m in project.modules if WORKBOOK_DOCUMENT_BASE in (m.attribute_header or "")]
            if len(documents) != 1:
                raise BuildError(f"expected one workbook document module, found {documents}")
            for module in modules:
                if module.kind == "document":
                    book.set_module(documents[0], module.source)
                elif module.kind == "class":
                    project.add_module(module.name, module.source, kind=VBAModuleKind.other)
                else:
                    project.add_module(module.name, module.source)
            book.save(dst)
        return Package.read(dst.read_bytes())


def _macro_enable(package: Package, modules: list[VBAModuleSource], main_content_type: str) -> Package:
    out = _with_vba_project(package, modules)
    _add_ribbon(out, ribbon_xml())
    _set_content_types(out, main_content_type)
    return out


# ---------------------------------------------------------------------------------------------
# The add-in's own workbook: the jixiao.conf sheet
# ---------------------------------------------------------------------------------------------

#: (key, value) rows of the conf sheet, read by xlwings from A1 down to the first empty cell.
CONF_ROWS = [("UDF Modules", UDF_MODULES)]

#: Column D of the conf sheet (not read by xlwings: it stops at column B).
CONF_NOTES = [
    "说明（本列不是配置）：xlwings 从 A1 起向下读取连续的配置行，A 列为配置项，B 列为取值。",
    "这里只设 UDF Modules。其余配置项请写在用户配置文件 %USERPROFILE%\\.jixiao\\jixiao.conf 中"
    "（每行一项，如 \"INTERPRETER_WIN\",\"C:\\jixiao\\.venv\\Scripts\\pythonw.exe\"），"
    "或工作簿所在文件夹的 jixiao.conf 中；Mac 上为 ~/Library/Containers/com.microsoft.Excel/Data/jixiao.conf。",
    "不要在本表 A 列加入取值为空的配置项：本表的配置优先于配置文件，空值会盖住用户的设置。",
    "Interpreter_Win：Windows 上 python.exe 或 pythonw.exe 的完整路径；不设时使用 PATH 中的 pythonw。",
    "Interpreter_Mac：Mac 上 python 的完整路径。",
    "PYTHONPATH：未用 pip 安装 jixiao 时，填写 jixiao 项目所在的文件夹。",
    "Conda Path / Conda Env：使用 conda 环境时的 conda 安装位置和环境名称。",
    "Show Console：设为 True 时显示 Python 控制台窗口，便于排查问题。",
]


def _core_xml(title: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{title}</dc:title><dc:creator>jixiao</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{CORE_DATE}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{CORE_DATE}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode("utf-8")


def conf_workbook() -> Package:
    """The add-in's workbook before VBA: the ``jixiao.conf`` sheet, fixed document properties."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = CONF_SHEET
    for row, (key, value) in enumerate(CONF_ROWS, start=1):
        ws.cell(row, 1, key)
        ws.cell(row, 2, value)
    for row, note in enumerate(CONF_NOTES, start=1):
        cell = ws.cell(row, 4, note)
        cell.alignment = Alignment(wrap_text=False, vertical="top")
    ws["D1"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 3
    ws.column_dimensions["D"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    package = Package.read(buf.getvalue())
    package.parts[CORE_PART] = _core_xml("绩效自评加载项")
    return package


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------

def _atomic_write(path: Path, data: bytes) -> None:
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


def addin_bytes(udf_modules: str = UDF_MODULES, extra_path: list[str] | None = None) -> bytes:
    """The bytes of ``jixiao.xlam``."""
    modules = vba_modules(ADDIN_NAME, udf_modules, extra_path)
    return _macro_enable(conf_workbook(), modules, CT_ADDIN).to_bytes()


def build_addin(out_dir: Path, *, udf_modules: str = UDF_MODULES,
                extra_path: list[str] | None = None) -> Path:
    """Write ``out_dir/jixiao.xlam`` and return its path."""
    out = Path(out_dir) / ADDIN_NAME
    _atomic_write(out, addin_bytes(udf_modules, extra_path))
    return out


def make_macro_enabled(xlsx_in: Path, xlsm_out: Path, *, udf_modules: str = UDF_MODULES,
                       extra_path: list[str] | None = None) -> Path:
    """Write ``xlsm_out``: the workbook ``xlsx_in`` with the add-in's VBA project and ribbon.

    For users who cannot install add-ins: the buttons and the JX_ functions live in the workbook.
    The UDF wrappers refer to ``ThisWorkbook`` (xlwings writes them so for a workbook), the add-in's
    to ``ActiveWorkbook``; the modules are otherwise the add-in's. ``xlsx_in`` is not changed.
    """
    xlsx_in, xlsm_out = Path(xlsx_in), Path(xlsm_out)
    if xlsm_out.suffix.lower() != ".xlsm":
        raise BuildError(f"{xlsm_out}: a macro-enabled workbook needs the .xlsm extension")
    try:
        package = Package.read(xlsx_in.read_bytes())
    except zipfile.BadZipFile as exc:
        raise BuildError(f"{xlsx_in}: not an .xlsx workbook ({exc})") from None
    if _main_part(package) != WORKBOOK_PART:
        raise BuildError(f"{xlsx_in}: expected the workbook at {WORKBOOK_PART}")
    modules = vba_modules(xlsm_out.name, udf_modules, extra_path)
    _atomic_write(xlsm_out, _macro_enable(package, modules, CT_XLSM).to_bytes())
    return xlsm_out


def restore_ribbon(xlsm_path: Path) -> bool:
    """Give a macro-enabled workbook its ribbon relationship back, after openpyxl saved it.

    openpyxl (``keep_vba=True``) keeps ``customUI/customUI14.xml`` but writes ``_rels/.rels`` without
    its relationship, so Excel shows no 绩效自评 tab. This adds the relationship, and the part too if
    it went missing (the ribbon of this build). Idempotent: returns False, and leaves the file
    untouched, when there is nothing to do. The other entries are copied as they are.
    """
    xlsm_path = Path(xlsm_path)
    data = xlsm_path.read_bytes()
    package = Package.read(data)
    if VBA_PART not in package.parts:
        raise BuildError(f"{xlsm_path}: no VBA project, so the ribbon's callbacks would not exist")
    ribbon = None if RIBBON_PART in package.parts else ribbon_xml()
    if not _add_ribbon(package, ribbon):
        return False
    if ribbon is not None:
        _set_content_types(package, _content_type_of_main(package))
    # Copy entries as they were (order, timestamps, compression); only changed parts are new.
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w") as zout:
        names = []
        for info in zin.infolist():
            if info.is_dir():
                continue
            names.append(info.filename)
            zout.writestr(info, package.parts[info.filename], compress_type=info.compress_type)
        for name in sorted(set(package.parts) - set(names)):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, package.parts[name])
    _atomic_write(xlsm_path, buf.getvalue())
    return True


def _content_type_of_main(package: Package) -> str:
    _, overrides = _parse_content_types(package.parts["[Content_Types].xml"])
    main = "/" + _main_part(package)
    return next((ct for p, ct in overrides if p == main), CT_XLSM)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jixiao.addin.build",
        description="Build jixiao.xlam (and macro-enabled .xlsm workbooks) from addin/ sources.",
    )
    parser.add_argument("--out", type=Path, default=Path("dist/addin"), help="output folder (dist/addin)")
    parser.add_argument("--xlsm-from", type=Path, action="append", default=[], metavar="XLSX",
                        help="also write OUT/<name>.xlsm from this .xlsx (repeatable)")
    parser.add_argument("--udf-modules", default=UDF_MODULES,
                        help=f"Python modules with the UDFs, ';'-separated ({UDF_MODULES})")
    args = parser.parse_args(argv)
    try:
        started = time.perf_counter()
        path = build_addin(args.out, udf_modules=args.udf_modules)
        print(f"{path} ({path.stat().st_size} bytes, xlwings {vba_sources.xlwings_version()}, "
              f"{time.perf_counter() - started:.2f} s)")
        for xlsx in args.xlsm_from:
            started = time.perf_counter()
            out = make_macro_enabled(xlsx, args.out / (xlsx.stem + ".xlsm"), udf_modules=args.udf_modules)
            print(f"{out} ({out.stat().st_size} bytes, {time.perf_counter() - started:.2f} s)")
    except (BuildError, vba_sources.VBASourceError, OSError) as exc:
        print(f"jixiao.addin.build: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
