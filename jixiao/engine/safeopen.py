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

Limits (checked on the zip's central directory, before extraction; see LIMITS)
    members                    at most 10,000 entries in the archive
    total uncompressed size    at most 512 MiB declared over all members
    one part we parse          at most 64 MiB uncompressed (workbook, sheets, shared strings)
    compression ratio          at most 200:1 for any member larger than 1 MiB uncompressed
                               (ordinary sheet XML compresses 5-30:1; zip bombs 1000:1 and more)
    sheet size                 at most 100,000 rows and 2,000,000 cells in a sheet we read, from
                               its <dimension> and counted while parsing
zipfile stops decompressing a member at its declared size and checks its CRC, so the declared sizes
bound the memory used and a lying or damaged member fails as "文件已损坏".

Macros: a .xlsm/.xltm may carry VBA (``xl/vbaProject.bin``). jixiao reads cell values and defined
names from the XML parts only; it never opens, evaluates or runs VBA, and neither does openpyxl
(which has no VBA interpreter at all). Files are opened for reading only and never written.
"""
from __future__ import annotations

import os
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path

import defusedxml  # noqa: F401  - openpyxl parses XML safely only when defusedxml is importable
import pyexpat

from .errors import WorkbookError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 256 * 1024 * 1024      # the file on disk
    max_members: int = 10_000
    max_total_uncompressed: int = 512 * 1024 * 1024
    max_part_bytes: int = 64 * 1024 * 1024       # one XML part we parse
    max_ratio: float = 200.0
    ratio_floor: int = 1024 * 1024               # ratio only checked above this uncompressed size
    max_rows: int = 100_000
    max_cells: int = 2_000_000
    max_legacy_bytes: int = 32 * 1024 * 1024     # an old binary .xls/.et: read whole, not compressed


LIMITS = Limits()


def describe_limits(limits: Limits = LIMITS) -> str:
    mib = 1024 * 1024
    return (f"文件不超过 {limits.max_file_bytes // mib} MB；压缩包内不超过 {limits.max_members} 个部件，"
            f"解压后合计不超过 {limits.max_total_uncompressed // mib} MB，单个表格部件不超过 "
            f"{limits.max_part_bytes // mib} MB，压缩比不超过 {limits.max_ratio:g}:1；"
            f"每张工作表不超过 {limits.max_rows} 行、{limits.max_cells} 个单元格；"
            f"旧版 .xls/.et 文件不超过 {limits.max_legacy_bytes // mib} MB")


def _fail(path, message: str) -> WorkbookError:
    return WorkbookError(message, where=str(path))


def sniff(path) -> str:
    """What the file is by its first bytes: "zip", "ole2-encrypted", "ole2", "empty" or "other"."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            if head == OLE2_MAGIC:
                return "ole2-encrypted" if _ole_has_encryption(fh) else "ole2"
    except IsADirectoryError:
        raise _fail(path, "这是一个文件夹，不是 Excel 工作簿") from None
    except PermissionError:
        raise _fail(path, "没有读取此文件的权限") from None
    except FileNotFoundError:
        raise _fail(path, "文件不存在") from None
    except OSError as exc:
        raise _fail(path, f"无法读取文件：{exc.strerror or exc}") from None
    if not head:
        return "empty"
    if head[:4] in ZIP_MAGICS:
        return "zip"
    return "other"


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


def check_kind(path) -> None:
    """Raise the right WorkbookError unless the file is a zip package."""
    kind = sniff(path)
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
        check_kind(self.path)
        try:
            size = self.path.stat().st_size
        except OSError as exc:
            raise _fail(self.path, f"无法读取文件：{exc.strerror or exc}") from None
        if size > limits.max_file_bytes:
            raise _fail(self.path, f"文件过大（{size / 1024 / 1024:.0f} MB），超出校验上限；"
                        f"绩效自评表通常不足 1 MB，请删除无关的图片或工作表后再校验")
        try:
            self.zip = zipfile.ZipFile(self.path, "r")
        except zipfile.BadZipFile:
            raise _fail(self.path, "文件已损坏（压缩包不完整或被截断），请重新获取或在 Excel/WPS 中打开后另存") from None
        except (OSError, ValueError, EOFError) as exc:
            raise _fail(self.path, f"文件已损坏，无法读取：{exc}") from None
        try:
            self.infos = {info.filename: info for info in self._checked_infos()}
            self._check_type()
        except BaseException:
            self.zip.close()
            raise

    def _checked_infos(self) -> list[zipfile.ZipInfo]:
        lim = self.limits
        infos = self.zip.infolist()
        if len(infos) > lim.max_members:
            raise _fail(self.path, f"压缩包内部件过多（{len(infos)} 个，上限 {lim.max_members}），疑似恶意文件，已拒绝读取")
        total = sum(i.file_size for i in infos)
        if total > lim.max_total_uncompressed:
            raise _fail(self.path, f"解压后体积过大（{total / 1024 / 1024:.0f} MB，上限 "
                        f"{lim.max_total_uncompressed // 1024 // 1024} MB），疑似压缩炸弹，已拒绝读取")
        for info in infos:
            if info.file_size > lim.ratio_floor:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > lim.max_ratio:
                    raise _fail(self.path, f"部件 {info.filename} 压缩比异常（{ratio:.0f}:1），疑似压缩炸弹，已拒绝读取")
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
            raise _fail(self.path, f"部件 {name} 过大（{info.file_size / 1024 / 1024:.0f} MB，上限 "
                        f"{self.limits.max_part_bytes // 1024 // 1024} MB），工作表内容异常庞大，已拒绝读取")
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
            raise _fail(self.path, f"部件 {name} 过大，已拒绝读取")
        return data

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> "Package":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# Safe XML ---------------------------------------------------------------------------------------

class XMLForbidden(ValueError):
    """A DTD, entity declaration or external reference in a part: never legitimate in OOXML."""


def _forbid(*_args):
    raise XMLForbidden("DTD/entity")


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
