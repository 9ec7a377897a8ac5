"""Open a workbook file safely, before any XML parser sees it.

Reviewers run `jixiao validate` over folders of files they received from others, so every input is
untrusted. This module decides what a file is by its first bytes (never by its extension), guards
against zip bombs and absurdly large parts from the zip directory alone (before decompressing
anything), and gives an XML parser that refuses DTDs and entities, as defusedxml does. Every problem
is a `WorkbookError` with a Chinese message naming the file.

What a file can be
    OLE2 compound file (D0 CF 11 E0 A1 B1 1A E1): an encrypted OOXML workbook when it holds an
    ``EncryptionInfo`` stream (Excel stores a password-protected .xlsx like that), otherwise an old
    binary .xls (BIFF) or .et.
    zip (PK\\x03\\x04, or an empty archive PK\\x05\\x06): an OOXML package; it must have
    ``xl/workbook.xml`` (a .xlsb has ``xl/workbook.bin``, an .ods has an OpenDocument mimetype,
    a .docx has ``word/``: each gets its own message).
    anything else: not an Excel workbook.

Limits (one set for every command; see Limits and LIMIT_HELP)
    Checked on the zip's central directory, before anything is decompressed:
    file size                  at most 100 MiB on disk, and a regular file (never a FIFO, a device,
                               a socket or a symlink to one: opened without blocking, checked on the
                               descriptor)
    members                    at most 10,000 entries in the archive
    total uncompressed size    at most 256 MiB declared over all members
    one part we parse          at most 64 MiB uncompressed (workbook, sheets, shared strings)
    compression ratio          at most 200:1 for any member larger than 1 MiB uncompressed
                               (ordinary sheet XML compresses 5-30:1; zip bombs 1000:1 and more)
    DTDs                       no XML part may declare a DTD or entities (checked on every part's
                               prolog, whether or not a command reads the part)
    Counted while parsing, over the parts a command reads (`validate`/`score` read the workbook part,
    the shared strings and the sheets holding named cells; `check`/`recalc`/`new-year`, which load the
    whole workbook with openpyxl, read every XML part first with `vet`):
    sheets, defined names      at most 1,000 sheets and 10,000 defined names
    rows                       no cell below row 100,000
    cells                      at most 300,000 cells (and shared strings) in a workbook
    merged ranges              at most 10,000, covering at most 100,000 cells (and hyperlinks, which
                               openpyxl binds cell by cell, at most 100,000 cells)
    XML                        (vet) at most 1,000,000 elements, nested at most 100 deep, and at most
                               20,000 cell formats, fonts, fills and borders
    Each limit's message names the limit, the file (and part or sheet) and says how to proceed.
zipfile stops decompressing a member at its declared size and checks its CRC, so the declared sizes
bound the memory used and a lying or damaged member fails as "文件已损坏".

Macros: a .xlsm/.xltm may carry VBA (``xl/vbaProject.bin``). jixiao reads cell values and defined
names from the XML parts only; it never opens, evaluates or runs VBA, and neither does openpyxl
(which has no VBA interpreter at all). Files are opened for reading only and never written.
"""
from __future__ import annotations

import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import defusedxml  # noqa: F401  - openpyxl parses XML safely only when defusedxml is importable
import pyexpat

from .errors import JixiaoError, WorkbookError
from .files import open_regular

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 100 * 1024 * 1024      # the file on disk
    max_members: int = 10_000
    max_total_uncompressed: int = 256 * 1024 * 1024
    max_part_bytes: int = 64 * 1024 * 1024       # one XML part we parse
    max_ratio: float = 200.0
    ratio_floor: int = 1024 * 1024               # ratio only checked above this uncompressed size
    max_rows: int = 100_000                      # the last row a sheet may use
    max_cells: int = 300_000                     # cells (and shared strings) of a workbook
    max_sheets: int = 1_000
    max_names: int = 10_000                      # defined names
    max_merges: int = 10_000                     # merged ranges of a workbook
    max_merged_cells: int = 100_000              # cells covered by merged ranges (and by hyperlinks)
    max_elements: int = 1_000_000                # XML elements of a workbook (vet)
    max_depth: int = 100                         # XML nesting (vet)
    max_styles: int = 20_000                     # cell formats, fonts, fills, borders (vet)
    max_legacy_bytes: int = 32 * 1024 * 1024     # an old binary .xls/.et: read whole, not compressed


LIMITS = Limits()

# What each limit is called, and what to do about it. Every limit message is built from this table.
_TOO_MUCH = "请删除多余的内容（或在 Excel/WPS 中把表格复制到新工作簿）后另存再试"
_RESAVE = "已拒绝读取；如确为正常工作簿，请在 Excel/WPS 中打开后另存再试"
_HOSTILE = "疑似损坏或恶意构造的文件，" + _RESAVE
LIMIT_HELP = {
    "max_file_bytes": ("文件大小", "MB", "绩效自评表通常不足 1 MB；请删除无关的图片或工作表后另存再试"),
    "max_members": ("压缩包内部件数", "个", _HOSTILE),
    "max_total_uncompressed": ("解压后总大小", "MB", "疑似压缩炸弹，" + _RESAVE),
    "max_part_bytes": ("解压后大小", "MB", _TOO_MUCH),
    "max_ratio": ("压缩比", ":1", "疑似压缩炸弹，" + _RESAVE),
    "max_rows": ("行数", "行", _TOO_MUCH),
    "max_cells": ("单元格数", "个", _TOO_MUCH),
    "max_sheets": ("工作表数", "张", _TOO_MUCH),
    "max_names": ("定义名称数", "个", "请在“公式—名称管理器”中删除无用的名称后另存再试"),
    "max_merges": ("合并单元格区域数", "个", "请取消多余的合并单元格后另存再试"),
    "max_merged_cells": ("合并单元格（或超链接）覆盖的单元格数", "个", "请取消覆盖整行、整列或大片区域的合并单元格或超链接后另存再试"),
    "max_elements": ("XML 元素数", "个", _HOSTILE),
    "max_depth": ("XML 嵌套层数", "层", _HOSTILE),
    "max_styles": ("单元格格式（样式）数", "个", "请清除多余的单元格格式后另存再试"),
    "max_legacy_bytes": ("旧版 .xls/.et 文件大小", "MB", "请在 Excel/WPS 中另存为 .xlsx 后再试"),
}


def limit_error(path, limit: str, found, where: str = "", limits: "Limits | None" = None) -> WorkbookError:
    """The message for a limit exceeded: which limit, what was found, and how to proceed."""
    what, unit, advice = LIMIT_HELP[limit]
    cap = getattr(limits or LIMITS, limit)
    if unit == "MB":
        cap_text, found_text = _size(cap), _size(found)
    elif unit == ":1":
        cap_text, found_text = f"{cap:g}:1", f"{found:.0f}:1"
    else:
        cap_text, found_text = f"{cap:,}{unit}", f"{found:,}{unit}" if isinstance(found, int) else str(found)
    place = f"{where}的" if where else ""
    return WorkbookError(f"{place}{what}超出 jixiao 的安全上限 {cap_text}（本文件：{found_text}），未作处理。{advice}",
                         where=str(path))


def _size(n: float) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.0f} MB" if n >= 10 * 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n:.0f} 字节"


def describe_limits(limits: Limits = LIMITS) -> str:
    parts = []
    for f in fields(Limits):
        if f.name in LIMIT_HELP:
            what, unit, _ = LIMIT_HELP[f.name]
            cap = getattr(limits, f.name)
            parts.append(f"{what}不超过 " + (_size(cap) if unit == "MB" else
                                            f"{cap:g}:1" if unit == ":1" else f"{cap:,}{unit}"))
    return "；".join(parts)


def _fail(path, message: str) -> WorkbookError:
    return WorkbookError(message, where=str(path))


def _open(path):
    """The file, opened for reading if it is a regular file (else a WorkbookError naming it)."""
    try:
        return open_regular(path)
    except JixiaoError as exc:
        raise _fail(path, exc.message) from None


def _kind_of(fh) -> str:
    fh.seek(0)
    head = fh.read(8)
    if head == OLE2_MAGIC:
        return "ole2-encrypted" if _ole_has_encryption(fh) else "ole2"
    if not head:
        return "empty"
    if head[:4] in ZIP_MAGICS:
        return "zip"
    return "other"


def sniff(path) -> str:
    """What the file is by its first bytes: "zip", "ole2-encrypted", "ole2", "empty" or "other"."""
    with _open(path) as fh:
        try:
            return _kind_of(fh)
        except OSError as exc:
            raise _fail(path, f"无法读取文件：{exc.strerror or exc}") from None


def _ole_has_encryption(fh, limit: int = 64 * 1024 * 1024) -> bool:
    """Whether an OLE2 file has an EncryptionInfo/EncryptedPackage stream. Directory entries store
    their names in UTF-16LE; a search over the file is enough to tell an encrypted .xlsx from a .xls
    (a .xls has a "Workbook" or "Book" stream and never these two)."""
    fh.seek(0)
    tail = b""
    read = 0
    while read < limit:
        chunk = fh.read(1024 * 1024)
        if not chunk:
            break
        read += len(chunk)
        data = tail + chunk
        if _ENCRYPTION_INFO in data or _ENCRYPTED_PACKAGE in data:
            return True
        tail = data[-40:]
    return False


def read_head(path, size: int = 64 * 1024) -> bytes:
    """The first bytes of a regular file (to tell a text export from other files)."""
    with _open(path) as fh:
        try:
            return fh.read(size)
        except OSError as exc:
            raise _fail(path, f"无法读取文件：{exc.strerror or exc}") from None


def read_whole(path, limits: Limits = LIMITS) -> bytes:
    """A whole file that is not a zip (an old .xls/.et, an HTML or XML export): a regular file of at
    most `max_legacy_bytes`, read once."""
    with _open(path) as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            if size > limits.max_legacy_bytes:
                raise limit_error(path, "max_legacy_bytes", size, limits=limits)
            data = fh.read(limits.max_legacy_bytes + 1)
        except OSError as exc:
            raise _fail(path, f"无法读取文件：{exc.strerror or exc}") from None
    if len(data) > limits.max_legacy_bytes:
        raise limit_error(path, "max_legacy_bytes", len(data), limits=limits)
    return data


def check_kind(path, kind: str | None = None) -> None:
    """Raise the right WorkbookError unless the file is a zip package."""
    kind = kind or sniff(path)
    if kind == "zip":
        return
    if kind == "ole2-encrypted":
        raise _fail(path, "工作簿已加密（设置了打开密码），请在 Excel/WPS 中取消密码后另存为 .xlsx 再校验")
    if kind == "ole2":
        raise _fail(path, "这是旧版 .xls 格式（或 WPS .et），请在 Excel/WPS 中另存为 .xlsx 后再校验")
    if kind == "empty":
        raise _fail(path, "文件是空的（0 字节），不是 Excel 工作簿；可能传输或保存时出错，请重新获取")
    raise _fail(path, "不是 Excel 工作簿（无法识别的文件格式）；请提交 .xlsx 或 .xlsm 格式的绩效自评表")


class Package:
    """A checked OOXML zip package, opened read-only. Use as a context manager. With ods=True an
    OpenDocument spreadsheet is accepted as well (`kind` says which: "xlsx" or "ods")."""

    def __init__(self, path, limits: Limits = LIMITS, ods: bool = False):
        self.path = Path(path)
        self.limits = limits
        self.ods = ods
        self.kind = "xlsx"
        self.fh = _open(self.path)
        try:
            try:
                check_kind(self.path, _kind_of(self.fh))
                size = os.fstat(self.fh.fileno()).st_size
            except OSError as exc:
                raise _fail(self.path, f"无法读取文件：{exc.strerror or exc}") from None
            if size > limits.max_file_bytes:
                raise limit_error(self.path, "max_file_bytes", size, limits=limits)
            try:
                self.zip = zipfile.ZipFile(self.fh, "r")
            except zipfile.BadZipFile:
                raise _fail(self.path, "文件已损坏（压缩包不完整或被截断），请重新获取或在 Excel/WPS 中打开后另存") from None
            except (OSError, ValueError, EOFError) as exc:
                raise _fail(self.path, f"文件已损坏，无法读取：{exc}") from None
            try:
                self.infos = {info.filename: info for info in self._checked_infos()}
                self._check_type()
                self._check_prologs()
            except BaseException:
                self.zip.close()
                raise
        except BaseException:
            self.fh.close()
            raise

    def _checked_infos(self) -> list[zipfile.ZipInfo]:
        lim = self.limits
        infos = self.zip.infolist()
        if len(infos) > lim.max_members:
            raise limit_error(self.path, "max_members", len(infos), limits=lim)
        total = sum(i.file_size for i in infos)
        if total > lim.max_total_uncompressed:
            raise limit_error(self.path, "max_total_uncompressed", total, limits=lim)
        for info in infos:
            if info.file_size > lim.ratio_floor:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > lim.max_ratio:
                    raise limit_error(self.path, "max_ratio", ratio, f"部件“{info.filename}”", limits=lim)
            if info.flag_bits & 0x1:
                raise _fail(self.path, "工作簿已加密，请取消密码后另存为 .xlsx 再校验")
        return infos

    def _check_type(self) -> None:
        names = self.infos
        if "xl/workbook.xml" in names or self._main_part() is not None:
            return
        if "xl/workbook.bin" in names:
            raise _fail(self.path, "这是二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx 后再校验")
        if "mimetype" in names:
            try:
                mime = self.zip.read("mimetype")[:100].decode("ascii", "replace")
            except Exception:  # noqa: BLE001 - damaged: the generic message below is right
                mime = ""
            if "opendocument.spreadsheet" in mime and self.ods and "content.xml" in names:
                self.kind = "ods"
                return
            if "opendocument.spreadsheet" in mime:
                raise _fail(self.path, "这是 OpenDocument 表格（.ods），请在 WPS/LibreOffice 中另存为 .xlsx 后再校验")
        if any(n.startswith("word/") for n in names):
            raise _fail(self.path, "这是 Word 文档，不是 Excel 工作簿；请提交绩效自评表的 .xlsx 文件")
        if any(n.startswith("ppt/") for n in names):
            raise _fail(self.path, "这是 PowerPoint 演示文稿，不是 Excel 工作簿")
        raise _fail(self.path, "不是 Excel 工作簿（压缩包中没有工作簿内容）")

    def _main_part(self) -> str | None:
        """The workbook part named by _rels/.rels when it is not at the usual xl/workbook.xml."""
        if "_rels/.rels" not in self.infos:
            return None
        for rel in parse_relationships(self.read("_rels/.rels"), "").values():
            if rel[0].endswith("/officeDocument") and rel[1].lstrip("/") in self.infos:
                target = rel[1].lstrip("/")
                return target if target.endswith(".xml") else None
        return None

    @property
    def workbook_part(self) -> str:
        if "xl/workbook.xml" in self.infos:
            return "xl/workbook.xml"
        return self._main_part() or "xl/workbook.xml"

    def has(self, name: str) -> bool:
        return name in self.infos

    @property
    def has_macros(self) -> bool:
        return any(n.lower().endswith("vbaproject.bin") for n in self.infos)

    def size(self, name: str) -> int:
        return self.infos[name].file_size

    def read(self, name: str) -> bytes:
        """One part, decompressed, within the limits; a damaged member is "文件已损坏"."""
        info = self.infos.get(name)
        if info is None:
            raise _fail(self.path, f"文件已损坏或不完整：缺少部件 {name}")
        if info.file_size > self.limits.max_part_bytes:
            raise limit_error(self.path, "max_part_bytes", info.file_size, f"部件“{name}”", limits=self.limits)
        try:
            with self.zip.open(info) as fh:
                data = fh.read(self.limits.max_part_bytes + 1)
        except zipfile.BadZipFile as exc:
            raise _fail(self.path, f"文件已损坏（部件 {name} 校验失败：{exc}），请重新获取或在 Excel/WPS 中打开后另存") from None
        except (OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
            # zlib.error is an Exception subclass raised through here as well
            raise _fail(self.path, f"文件已损坏（部件 {name} 无法解压：{exc}）") from None
        except Exception as exc:  # noqa: BLE001 - zlib.error and friends
            raise _fail(self.path, f"文件已损坏（部件 {name} 无法解压：{exc}）") from None
        if len(data) > self.limits.max_part_bytes:
            raise limit_error(self.path, "max_part_bytes", len(data), f"部件“{name}”", limits=self.limits)
        return data

    def chunks(self, name: str, size: int = 1 << 16):
        """One member, decompressed piece by piece (for parsing a part without holding it whole)."""
        info = self.infos[name]
        try:
            with self.zip.open(info) as fh:
                while True:
                    chunk = fh.read(size)
                    if not chunk:
                        return
                    yield chunk
        except zipfile.BadZipFile as exc:
            raise _fail(self.path, f"文件已损坏（部件 {name} 校验失败：{exc}），请重新获取或在 Excel/WPS 中打开后另存") from None
        except Exception as exc:  # noqa: BLE001 - OSError, zlib.error, EOFError ...: a damaged member
            if isinstance(exc, JixiaoError):
                raise
            raise _fail(self.path, f"文件已损坏（部件 {name} 无法解压：{exc}）") from None

    def xml_parts(self) -> list[str]:
        return [n for n in self.infos if n.lower().endswith(XML_SUFFIXES)]

    def _check_prologs(self) -> None:
        """No part may declare a DTD: each XML part is read up to its root element (a few bytes),
        whether or not the command goes on to read the part, so that every command refuses the same
        files and no later parser (openpyxl's included) ever sees a DTD."""
        for name in self.xml_parts():
            parser = pyexpat.ParserCreate()
            parser.StartDoctypeDeclHandler = _forbid
            parser.EntityDeclHandler = _forbid

            def root(*_args):
                raise _RootFound

            parser.StartElementHandler = root
            seen = 0
            try:
                for chunk in self.chunks(name, 4096):
                    parser.Parse(chunk, False)
                    seen += len(chunk)
                    if seen > 1024 * 1024:
                        raise _fail(self.path, f"文件已损坏（部件 {name} 开头 1 MB 内没有 XML 内容）")
            except _RootFound:
                continue
            except XMLForbidden:
                raise _fail(self.path, f"部件 {name} 含有 DTD 或实体声明，工作簿不应包含这些内容，已拒绝读取（可能是恶意文件）") from None
            except pyexpat.ExpatError:
                continue   # not XML at all: the reader of the part, if any, says so

    def vet(self) -> None:
        """Read every XML part once, streaming, within the limits: for commands that load the whole
        workbook with openpyxl (check, recalc, new-year). Counts sheets, names, rows, cells, merged
        ranges, hyperlinks, styles, elements and nesting; raises the limit's WorkbookError."""
        _Vet(self).run()

    def close(self) -> None:
        try:
            self.zip.close()
        finally:
            self.fh.close()

    def __enter__(self) -> "Package":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# Safe XML ---------------------------------------------------------------------------------------

class XMLForbidden(ValueError):
    """A DTD, entity declaration or external reference in a part: never legitimate in OOXML."""


def _forbid(*_args):
    raise XMLForbidden("DTD/entity")


class _RootFound(Exception):
    pass


XML_SUFFIXES = (".xml", ".rels", ".vml")
_STYLE_ELEMENTS = frozenset({"xf", "font", "fill", "border", "numFmt", "dxf", "cellStyle"})


class _Vet:
    """One streaming pass over every XML part of a package (Package.vet)."""

    def __init__(self, pkg: "Package"):
        self.pkg, self.lim, self.path = pkg, pkg.limits, pkg.path
        self.elements = self.cells = self.merges = self.merged = self.linked = 0

    def fail(self, limit: str, found, where: str = "") -> WorkbookError:
        return limit_error(self.path, limit, found, where, self.lim)

    def run(self) -> None:
        for name in self.pkg.xml_parts():
            if self.pkg.infos[name].file_size > self.lim.max_part_bytes:
                raise self.fail("max_part_bytes", self.pkg.infos[name].file_size, f"部件“{name}”")
            self.part(name)

    def part(self, name: str) -> None:
        lim = self.lim
        st = {"depth": 0, "rows": 0, "sheets": 0, "names": 0, "styles": 0, "strings": 0}
        where = f"部件“{name}”"

        def start(qname, attrs):
            self.elements += 1
            st["depth"] += 1
            if st["depth"] > lim.max_depth:
                raise self.fail("max_depth", f"超过 {lim.max_depth} 层", where)
            if self.elements > lim.max_elements:
                raise self.fail("max_elements", self.elements)
            local = local_name(qname)
            if local == "c":
                self.cells += 1
                if self.cells > lim.max_cells:
                    raise self.fail("max_cells", self.cells)
            elif local == "row":
                r = attrs.get("r", "")
                st["rows"] = int(r) if r.isdigit() else st["rows"] + 1
                if st["rows"] > lim.max_rows:
                    raise self.fail("max_rows", f"第 {st['rows']:,} 行有内容", where)
            elif local == "mergeCell" or local == "hyperlink":
                area = range_area(attrs.get("ref", ""))
                if local == "mergeCell":
                    self.merges += 1
                    if self.merges > lim.max_merges:
                        raise self.fail("max_merges", self.merges)
                self.merged += area
                if self.merged > lim.max_merged_cells:
                    raise self.fail("max_merged_cells", self.merged)
            elif local == "si":
                st["strings"] += 1
                if st["strings"] > lim.max_cells:
                    raise self.fail("max_cells", st["strings"], f"共享字符串（{name}）")
            elif local == "sheet":
                st["sheets"] += 1
                if st["sheets"] > lim.max_sheets:
                    raise self.fail("max_sheets", st["sheets"])
            elif local == "definedName":
                st["names"] += 1
                if st["names"] > lim.max_names:
                    raise self.fail("max_names", st["names"])
            elif local in _STYLE_ELEMENTS:
                st["styles"] += 1
                if st["styles"] > lim.max_styles:
                    raise self.fail("max_styles", st["styles"], where)

        def end(_qname):
            st["depth"] -= 1

        parser = expat_parser()
        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.buffer_text = False
        try:
            for chunk in self.pkg.chunks(name):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except XMLForbidden:
            raise _fail(self.path, f"部件 {name} 含有 DTD 或实体声明，工作簿不应包含这些内容，已拒绝读取（可能是恶意文件）") from None
        except pyexpat.ExpatError as exc:
            raise _fail(self.path, f"文件已损坏（部件 {name} 不是有效的 XML：{pyexpat.errors.messages.get(exc.code, exc)}，"
                                   f"第{exc.lineno}行）") from None


CELL_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def col_number(letters: str) -> int:
    """Column letters as a number: A -> 1, XFD -> 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def range_area(ref: str) -> int:
    """Cells covered by a reference like "A1:C3" or "B2" (a space-separated list adds up); 1 for
    anything unreadable."""
    total = 0
    for part in ref.split():
        a, _, b = part.partition(":")
        ma, mb = CELL_RE.fullmatch(a), CELL_RE.fullmatch(b or a)
        if not ma or not mb:
            total += 1
            continue
        rows = abs(int(mb.group(2)) - int(ma.group(2))) + 1
        cols = abs(col_number(mb.group(1)) - col_number(ma.group(1))) + 1
        total += rows * cols
    return total


def expat_parser(namespaces: bool = True):
    """A pyexpat parser with defusedxml's protections (no DTD, no entity declarations, no external
    references), used for the parts jixiao reads itself. Names come as "namespace}local"."""
    parser = pyexpat.ParserCreate(namespace_separator="}" if namespaces else None)
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.buffer_text = True
    return parser


def parse_xml(path, part: str, data: bytes, parser) -> None:
    """Run a prepared expat parser over one part; bad XML is "文件已损坏"."""
    try:
        parser.Parse(data, True)
    except XMLForbidden:
        raise _fail(path, f"部件 {part} 含有 DTD 或实体声明，工作簿不应包含这些内容，已拒绝读取（可能是恶意文件）") from None
    except pyexpat.ExpatError as exc:
        raise _fail(path, f"文件已损坏（部件 {part} 不是有效的 XML：{pyexpat.errors.messages.get(exc.code, exc)}，第{exc.lineno}行）") from None


def is_excel_lock_file(path) -> bool:
    """Excel's owner file "~$name.xlsx" left beside an open workbook."""
    return os.path.basename(str(path)).startswith("~$")


# Package-level XML: relationships ---------------------------------------------------------------

def local_name(name: str) -> str:
    """Local name of "namespace}local" (namespace processing) or "prefix:local" (none)."""
    return name[max(name.rfind("}"), name.rfind(":")) + 1:]


def parse_relationships(data: bytes, base: str, path="") -> dict[str, tuple[str, str]]:
    """Relationship Id -> (Type, target part path resolved against `base` directory)."""
    rels: dict[str, tuple[str, str]] = {}

    def start(name, attrs):
        if local_name(name) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(base, target)) if base else target
            rels[attrs.get("Id", "")] = (attrs.get("Type", ""), resolved)

    parser = expat_parser()
    parser.StartElementHandler = start
    parse_xml(path, "relationships", data, parser)
    return rels
