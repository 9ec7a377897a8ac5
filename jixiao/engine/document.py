"""Read the text of a Word document (.docx) safely: the paragraphs of a 自评报告 that rule T07 checks
against its form.

Input reading, like `reader` for workbooks, so it lives in the engine (faces write reports, the engine
reads them). The file is untrusted: its kind is decided by its first bytes, the zip is opened through
`safeopen.Package` with the same limits as a workbook (members, sizes, compression ratio), and
word/document.xml is parsed with the same hardened expat parser (no DTD, no entities). Only the main
document part is read: no headers, footers, comments, macros or embedded objects.

What is a paragraph here
    Each non-empty <w:p> of the body, in order, with its visible text: <w:t> runs, tabs as a space,
    line breaks as a new line. Deleted text of tracked changes (<w:delText>) and field codes
    (<w:instrText>) are not text; inserted text is. A table row is one paragraph, its cells joined
    by "，" (a row names its indicator in one cell and gives its numbers in the others). Text boxes
    nested inside a paragraph are paragraphs of their own. A cell's own paragraphs are joined by a space.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import WorkbookError
from .safeopen import LIMITS, Limits, Package, expat_parser, local_name, parse_xml, sniff

DOCUMENT_PART = "word/document.xml"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MAX_PARAGRAPHS = 100_000


@dataclass(frozen=True)
class Paragraph:
    number: int     # 1-based, among the non-empty paragraphs and table rows, in document order
    text: str
    in_table: bool = False

    @property
    def where(self) -> str:
        return f"第{self.number}段" + ("（表格行）" if self.in_table else "")


class _DocumentPackage(Package):
    """A checked zip package that must be a Word document."""

    def _check_type(self) -> None:
        if DOCUMENT_PART in self.infos:
            return
        if "xl/workbook.xml" in self.infos or "xl/workbook.bin" in self.infos:
            raise WorkbookError("这是 Excel 工作簿，不是 Word 文档；--report 请给出自评报告的 .docx 文件",
                                where=str(self.path))
        raise WorkbookError("不是 Word 文档（.docx）：压缩包中没有 word/document.xml；"
                            "请在 Word/WPS 中另存为 .docx 后再校验", where=str(self.path))


def _check_kind(path: Path) -> None:
    kind = sniff(path)
    if kind == "zip":
        return
    if kind == "ole2-encrypted":
        raise WorkbookError("文档已加密（设置了打开密码），请取消密码后另存为 .docx 再校验", where=str(path))
    if kind == "ole2":
        raise WorkbookError("这是旧版 Word .doc 格式（或 WPS .wps），请在 Word/WPS 中另存为 .docx 后再校验",
                            where=str(path))
    if kind == "empty":
        raise WorkbookError("文件是空的（0 字节），不是 Word 文档", where=str(path))
    raise WorkbookError("不是 Word 文档（无法识别的文件格式）；请提交 .docx 格式的自评报告", where=str(path))


def read_paragraphs(path, limits: Limits = LIMITS) -> list[Paragraph]:
    """The non-empty paragraphs of a .docx body, in order. Raises WorkbookError (Chinese message naming
    the file) for anything that is not a readable Word document."""
    path = Path(path)
    if not path.is_file():
        raise WorkbookError("找不到文件" if not path.exists() else "不是文件", where=str(path))
    _check_kind(path)
    with _DocumentPackage(path, limits) as pkg:
        data = pkg.read(DOCUMENT_PART)
    return _paragraphs(path, data)


def _paragraphs(path, data: bytes) -> list[Paragraph]:
    out: list[Paragraph] = []
    paras: list[list[str]] = []        # open <w:p> buffers (text boxes nest paragraphs)
    rows: list[list[str]] = []         # open <w:tr>: the texts of its cells
    cells: list[list[str]] = []        # open <w:tc>: the texts of its paragraphs
    st = {"text": 0, "skip": 0}

    def emit(text: str, in_table: bool) -> None:
        text = text.strip()
        if not text:
            return
        if len(out) >= MAX_PARAGRAPHS:
            raise WorkbookError(f"文档过大（超过 {MAX_PARAGRAPHS} 段），已拒绝读取", where=str(path))
        out.append(Paragraph(len(out) + 1, text, in_table))

    def start(name, attrs):
        local = local_name(name)
        if local == "p":
            paras.append([])
        elif local == "t":
            st["text"] += 1
        elif local in ("delText", "instrText"):
            st["skip"] += 1
        elif local == "tab" and paras and not st["skip"]:
            paras[-1].append(" ")
        elif local in ("br", "cr") and paras and not st["skip"]:
            paras[-1].append("\n")
        elif local == "tr":
            rows.append([])
        elif local == "tc":
            cells.append([])

    def end(name):
        local = local_name(name)
        if local == "p" and paras:
            text = "".join(paras.pop())
            if cells:
                if text.strip():
                    cells[-1].append(text.strip())
            else:
                emit(text, False)
        elif local == "t":
            st["text"] -= 1
        elif local in ("delText", "instrText"):
            st["skip"] -= 1
        elif local == "tc" and cells:
            text = " ".join(cells.pop())
            if rows:
                rows[-1].append(text)
        elif local == "tr" and rows:
            texts = [t for t in rows.pop() if t.strip()]
            emit("，".join(texts), True)

    def chars(text):
        if st["text"] and not st["skip"] and paras:
            paras[-1].append(text)

    parser = expat_parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parse_xml(path, DOCUMENT_PART, data, parser)
    return out
