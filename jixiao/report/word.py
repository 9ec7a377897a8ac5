"""Writing the report as a Word document in the typography of a Chinese official document.

python-docx makes the base package once per process (styles, font table, settings, page setup, footers
with page numbers); each report's body is WordprocessingML built with lxml and saved with the base's
other parts. (python-docx's paragraph and table API looks styles up by name and recomputes a table's
grid at each merge: ~0.5 s a report, against the 20 reports a second a reviewer's folder needs.)

Page and type (GB/T 9704-2012《党政机关公文格式》, as 绩效自评报告 are written)
    A4 portrait; margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right (a 156 × 225 mm text block);
    body 仿宋_GB2312 三号 (16 pt), exactly 28.9 pt line spacing (22 lines a page), first line indented two
    characters; title 方正小标宋简体 二号 centred; 一级标题 黑体, 二级标题 楷体_GB2312, 三级标题 仿宋_GB2312 bold,
    all 三号; page numbers "— 1 —" in 宋体 四号, odd pages at the right, even pages at the left.
    Headings use Word's Heading 1-3 styles, so Word's navigation pane and a table of contents see the
    outline. Fonts are named for East Asian text (w:eastAsia) and listed in the font table with the
    names Windows 10+ ships (仿宋, 楷体) as alternates, for machines without the _GB2312 fonts.
The 自评表 is a table with every cell's borders (Table Grid), 仿宋_GB2312 五号, in its own section
(landscape when asked, `@自评表 横排`). 【请补充：…】 prompts are highlighted yellow.
"""
from __future__ import annotations

import datetime
import io
import posixpath
import re
import zipfile
from copy import deepcopy
from xml.sax.saxutils import escape as xml_escape

import docx
from lxml import etree
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .facts import Prompt
from .outline import Block, clean
from .table import Grid

BODY_FONT, HEI, KAI, TITLE_FONT, SONG = "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体", "宋体"
ALT_NAMES = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体"}
SAN_HAO, ER_HAO, SI_HAO, WU_HAO, XIAO_SI = Pt(16), Pt(22), Pt(14), Pt(10.5), Pt(12)
LINE = Pt(28.9)
STYLES = {  # block kind -> (style name, font, size, bold, alignment, first-line indent in characters)
    "title": ("Title", TITLE_FONT, ER_HAO, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "subtitle": ("Subtitle", KAI, SAN_HAO, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "h1": ("Heading 1", HEI, SAN_HAO, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "h2": ("Heading 2", KAI, SAN_HAO, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "h3": ("Heading 3", BODY_FONT, SAN_HAO, True, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "body": ("Normal", BODY_FONT, SAN_HAO, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
}


def set_font(rpr_owner, name: str, size=None, bold: bool | None = None) -> None:
    """Set a style's or a run's font for Latin and East Asian text alike (theme fonts removed)."""
    font = rpr_owner.font
    font.name = name
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    rpr = rpr_owner.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _plain_style(style, name: str, size, bold: bool) -> None:
    set_font(style, name, size, bold)
    style.font.italic = False
    style.font.color.rgb = None
    rpr = style.element.get_or_add_rPr()
    for tag in ("w:color", "w:i", "w:iCs", "w:spacing", "w:kern"):
        for el in rpr.findall(qn(tag)):
            rpr.remove(el)
    ppr = style.element.get_or_add_pPr()
    for tag in ("w:pBdr", "w:keepNext"):
        for el in ppr.findall(qn(tag)):
            ppr.remove(el)


def _styles(document) -> None:
    for kind, (style_name, font, size, bold, align, indent) in STYLES.items():
        style = document.styles[style_name]
        _plain_style(style, font, size, bold)
        fmt = style.paragraph_format
        fmt.alignment = align
        fmt.first_line_indent = Pt(16 * indent) if indent else Pt(0)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(36) if kind == "title" else LINE
        fmt.widow_control = True
    for style_name in ("Heading 1", "Heading 2", "Heading 3"):
        document.styles[style_name].paragraph_format.keep_with_next = True
    _font_table(document)


def _font_table(document) -> None:
    """List the _GB2312 / 方正 fonts in word/fontTable.xml with the names Windows 10+ ships as alternates
    (w:altName), so Word substitutes 仿宋 for 仿宋_GB2312 where the latter is not installed. python-docx
    keeps that part as bytes (a plain Part): it is parsed, extended and written back."""
    part = next((rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable")), None)
    if part is None:
        return
    root = etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
    for name, alt in ALT_NAMES.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        etree.SubElement(font, qn("w:altName")).set(qn("w:val"), alt)
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")       # GB2312
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page(section, landscape: bool = False) -> None:
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(25), Mm(22)
        section.left_margin, section.right_margin = Mm(25), Mm(25)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28) if not landscape else Mm(12)


def _page_number(paragraph) -> None:
    """"— N —": a PAGE field between two dashes."""
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    run.append(t)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" —")
    for r in paragraph.runs:
        set_font(r, SONG, SI_HAO)
    rpr = deepcopy(paragraph.runs[0]._r.rPr)
    run.insert(0, rpr)


def _footers(document, section) -> None:
    document.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        p = footer.paragraphs[0]
        p.alignment = align
        fmt = p.paragraph_format
        fmt.first_line_indent = Pt(0)
        if side == "right":
            fmt.right_indent = SI_HAO
        else:
            fmt.left_indent = SI_HAO
        _page_number(p)


# The body, written as WordprocessingML text ------------------------------------------------------
# python-docx's paragraph and table API looks styles up by name and recomputes a table's grid for each
# merge (~0.5 s a report); even lxml elements cost ~20 ms. The body is written as text instead: every
# value goes through `_text` (XML-escaped, characters XML cannot hold removed), and the markup is ours.

STYLE_IDS = {"title": "Title", "subtitle": "Subtitle", "h1": "Heading1", "h2": "Heading2", "h3": "Heading3",
             "body": None, "signature": None}
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _text(value: str) -> str:
    return xml_escape(clean(value))


def _paragraph(runs: str = "", style: str | None = None, align: str | None = None, indent0: bool = False,
               single: bool = False, before: int = 0) -> str:
    ppr = f'<w:pStyle w:val="{style}"/>' if style else ""
    if single:
        ppr += f'<w:spacing w:before="{before}" w:after="0" w:line="240" w:lineRule="auto"/>'
    if indent0:
        ppr += '<w:ind w:firstLine="0"/>'
    if align:
        ppr += f'<w:jc w:val="{align}"/>'
    return f"<w:p><w:pPr>{ppr}</w:pPr>{runs}</w:p>"


def _run(text: str, font: str | None = None, size=None, highlight: str | None = None) -> str:
    rpr = ""
    if font:
        rpr += f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>'
    if size:
        rpr += f'<w:sz w:val="{int(size.pt * 2)}"/><w:szCs w:val="{int(size.pt * 2)}"/>'
    if highlight:                      # the schema's order: rFonts, sz, szCs, highlight
        rpr += f'<w:highlight w:val="{highlight}"/>'
    return (f"<w:r>{'<w:rPr>' + rpr + '</w:rPr>' if rpr else ''}"
            f'<w:t xml:space="preserve">{_text(text)}</w:t></w:r>')


def _runs(runs: list, font: str | None = None, size=None) -> str:
    return "".join(_run(str(r), font, size, highlight="yellow") if isinstance(r, Prompt) else _run(r, font, size)
                   for r in runs)


class ReportDocument:
    """One report: the base package's parts, the body written so far, and the page setup of the
    section being written (its w:sectPr). `save` writes the .docx."""

    def __init__(self, base: "_Base"):
        self.base = base
        self.chunks: list[str] = []
        self.landscape = False
        self.title = ""

    def add(self, xml: str) -> None:
        self.chunks.append(xml)

    def new_section(self, landscape: bool) -> None:
        """End the section being written on this page (its w:sectPr goes into a paragraph's properties)
        and start a new page with the given orientation."""
        self.add(f"<w:p><w:pPr>{self.base.sect[self.landscape]}</w:pPr></w:p>")
        self.landscape = landscape

    @property
    def text_width(self) -> int:
        """Width of the text block in twips."""
        return self.base.text_width[self.landscape]

    def save(self, path) -> None:
        document = (self.base.head + "".join(self.chunks) + self.base.sect[self.landscape] + self.base.tail).encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for name, data in self.base.parts.items():
                if name == DOCUMENT_PART:
                    data = document
                elif name == CORE_PART:
                    data = _core(self.title)
                z.writestr(name, data)


DOCUMENT_PART, CORE_PART = "word/document.xml", "docProps/core.xml"
_BODY_MARK = "jixiao-report-body"      # where each report's body goes in the base's document.xml


def _core(title: str) -> bytes:
    ns = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
          "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/",
          "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
    root = etree.Element(f"{{{ns['cp']}}}coreProperties", nsmap=ns)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for tag, value in (("dc:title", title), ("dc:creator", "jixiao"), ("cp:lastModifiedBy", "jixiao"),
                       ("dc:description", "由 jixiao 根据绩效自评表生成")):
        prefix, local = tag.split(":")
        etree.SubElement(root, f"{{{ns[prefix]}}}{local}").text = clean(value)
    for local in ("created", "modified"):
        el = etree.SubElement(root, f"{{{ns['dcterms']}}}{local}")
        el.set(f"{{{ns['xsi']}}}type", "dcterms:W3CDTF")
        el.text = now
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


class _Base:
    """The parts every report shares (styles, fonts, settings, footers), made once per process with
    python-docx, and the page setups of a portrait and a landscape section."""

    def __init__(self):
        document = docx.Document()
        _styles(document)
        section = document.sections[0]
        _footers(document, section)
        self.sect, self.text_width = {}, {}
        for landscape in (True, False):
            _page(section, landscape)
            el = section._sectPr
            self.sect[landscape] = re.sub(r"\sxmlns:\w+=\"[^\"]*\"", "", etree.tostring(el, encoding="unicode"))
            width = section.page_width - section.left_margin - section.right_margin
            self.text_width[landscape] = int(width / 635)          # EMU -> twips
        body = document.element.body
        for child in list(body):
            body.remove(child)
        body.text = _BODY_MARK
        buf = io.BytesIO()
        document.save(buf)
        with zipfile.ZipFile(buf) as z:
            self.parts = {name: z.read(name) for name in z.namelist()}
        _trim(self.parts)
        self.head, _, self.tail = self.parts[DOCUMENT_PART].decode().partition(_BODY_MARK)


#: Parts of python-docx's default template a report does not need: Word 2010's copy of the styles, a
#: thumbnail of another document, a bibliography store.
_DROP = ("word/stylesWithEffects.xml", "docProps/thumbnail.jpeg", "customXml/")
_KEEP_TABLE_STYLES = ("TableNormal", "TableGrid")
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def _trim(parts: dict[str, bytes]) -> None:
    """Drop the unneeded parts (and their relationships and content types) and the ~270 table styles
    no report uses: a report is 40 KB smaller and much faster to write."""
    for name in [n for n in parts if n.startswith(_DROP)]:
        del parts[name]
    for rels_name, base in (("_rels/.rels", ""), ("word/_rels/document.xml.rels", "word/")):
        root = etree.fromstring(parts[rels_name])
        for rel in list(root):
            target = rel.get("Target", "").lstrip("/")
            target = target if target.startswith(("word/", "docProps/", "customXml/")) else base + target
            target = posixpath.normpath(target)
            if target.startswith(_DROP) or target not in parts and rel.get("TargetMode") != "External":
                root.remove(rel)
        parts[rels_name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    types = etree.fromstring(parts["[Content_Types].xml"])
    for override in types.findall(_CT_NS + "Override"):
        if override.get("PartName", "").lstrip("/") not in parts:
            types.remove(override)
    parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True)
    styles = etree.fromstring(parts["word/styles.xml"])
    for style in styles.findall(_W + "style"):
        if style.get(_W + "type") == "table" and style.get(_W + "styleId") not in _KEEP_TABLE_STYLES:
            styles.remove(style)
    parts["word/styles.xml"] = etree.tostring(styles, xml_declaration=True, encoding="UTF-8", standalone=True)


_BASE: _Base | None = None


def new_document() -> ReportDocument:
    global _BASE
    if _BASE is None:
        _BASE = _Base()
    return ReportDocument(_BASE)


def _table(document: ReportDocument, grid: Grid, options: tuple[str, ...]) -> None:
    landscape = "横排" in options
    attached = "附件" in options
    if attached or landscape:
        document.new_section(landscape)
    if attached:
        document.add(_paragraph(_runs(["附件"], HEI, SAN_HAO), indent0=True))
    document.add(_paragraph(_runs([grid.title]), "Title"))
    if grid.subtitle:
        document.add(_paragraph(_runs([grid.subtitle]), "Subtitle"))
    total = sum(grid.widths)
    widths = [int(document.text_width * w / total) for w in grid.widths]
    document.add(_grid_table(grid, widths))
    for n, line in enumerate(grid.notes.split("\n") if grid.notes else []):
        document.add(_paragraph(_runs([line], BODY_FONT, WU_HAO), indent0=True, single=True, before=80 if n == 0 else 0))


def _grid_table(grid: Grid, widths: list[int]) -> str:
    """A w:tbl of the grid: one w:tc per placed cell (w:gridSpan across columns), w:vMerge down rows."""
    out = ['<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/>', f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/>',
           '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="68" w:type="dxa"/>'
           '<w:right w:w="68" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="04A0" w:firstRow="0" w:lastRow="0" '
           'w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
           *(f'<w:gridCol w:w="{w}"/>' for w in widths), "</w:tblGrid>"]
    starts = {(c.row, c.col): c for c in grid.cells}
    covered = {}                    # (row, col) -> the cell merged down into it
    for c in grid.cells:
        for r in range(c.row + 1, c.row + c.rows):
            covered[(r, c.col)] = c
    for r in range(grid.nrows):
        out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")       # a row is never split across pages
        col = 0
        while col < len(widths):
            cell = starts.get((r, col))
            above = covered.get((r, col))
            span = cell.cols if cell else (above.cols if above else 1)
            pr = f'<w:tcW w:w="{sum(widths[col:col + span])}" w:type="dxa"/>'
            if span > 1:
                pr += f'<w:gridSpan w:val="{span}"/>'
            if cell is not None and cell.rows > 1:
                pr += '<w:vMerge w:val="restart"/>'
            elif above is not None:
                pr += "<w:vMerge/>"
            out.append(f'<w:tc><w:tcPr>{pr}<w:vAlign w:val="center"/></w:tcPr>')
            align = "left" if cell is not None and cell.kind == "left" else "center"
            font = HEI if cell is not None and cell.kind == "head" else BODY_FONT
            for line in (clean(cell.text).split("\n") if cell is not None else [""]):
                out.append(_paragraph(_run(line, font, WU_HAO) if line else "", align=align, indent0=True, single=True))
            out.append("</w:tc>")
            col += span
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def write_blocks(document: ReportDocument, blocks: list[Block], grid: Grid) -> None:
    document.title = next((b.text for b in blocks if b.kind == "title"), "绩效自评报告")[:255]
    after_table = False
    for block in blocks:
        if block.kind == "table":
            _table(document, grid, block.options)
            after_table = True
            continue
        if after_table and document.landscape:       # text after a landscape table: a portrait page
            document.new_section(False)
        after_table = False
        if block.kind == "pagebreak":
            document.add('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
        elif block.kind == "signature":
            document.add(_paragraph(_runs(block.runs), align="right", indent0=True))
        else:
            document.add(_paragraph(_runs(block.runs), STYLE_IDS[block.kind]))
