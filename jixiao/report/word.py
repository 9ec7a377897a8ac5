"""Writing the report as a Word document (python-docx) in the typography of a Chinese official document.

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

from copy import deepcopy

import docx
from lxml import etree
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX, WD_LINE_SPACING
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


def _runs(paragraph, runs: list, font: str | None = None, size=None, bold=None) -> None:
    for r in runs:
        if isinstance(r, Prompt):
            run = paragraph.add_run(clean(str(r)))
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        else:
            run = paragraph.add_run(clean(r))
        if font:
            set_font(run, font, size, bold)


def _table(document, grid: Grid, options: tuple[str, ...]) -> None:
    landscape = "横排" in options
    attached = "附件" in options
    if attached or landscape:
        section = document.add_section(WD_SECTION.NEW_PAGE)
        _page(section, landscape)
    if attached:
        p = document.add_paragraph(style="Normal")
        p.paragraph_format.first_line_indent = Pt(0)
        _runs(p, ["附件"], HEI, SAN_HAO)
    p = document.add_paragraph(style="Title")
    _runs(p, [grid.title])
    if grid.subtitle:
        p = document.add_paragraph(style="Subtitle")
        _runs(p, [grid.subtitle])
    ncols = len(grid.widths)
    nrows = grid.nrows
    table = document.add_table(rows=nrows, cols=ncols)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    section = document.sections[-1]
    usable = section.page_width - section.left_margin - section.right_margin
    total = sum(grid.widths)
    widths = [int(usable * w / total) for w in grid.widths]
    for col, width in zip(table.columns, widths):
        col.width = width
    _cell_margins(table, Mm(1.2))
    for row in table.rows:            # a row is never split across pages
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    cells = [list(row.cells) for row in table.rows]
    for row in cells:
        for c, cell in enumerate(row):
            cell.width = widths[c]
    for spec in grid.cells:
        cell = cells[spec.row][spec.col]
        if spec.rows > 1 or spec.cols > 1:
            cell = cell.merge(cells[spec.row + spec.rows - 1][spec.col + spec.cols - 1])
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        lines = clean(spec.text).split("\n") or [""]
        para = cell.paragraphs[0]
        for n, line in enumerate(lines):
            if n:
                para = cell.add_paragraph()
            fmt = para.paragraph_format
            fmt.first_line_indent = Pt(0)
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT if spec.kind == "left" else WD_ALIGN_PARAGRAPH.CENTER
            if line:
                run = para.add_run(line)
                set_font(run, HEI if spec.kind == "head" else BODY_FONT, WU_HAO)
    if grid.notes:
        for n, line in enumerate(grid.notes.split("\n")):
            p = document.add_paragraph(style="Normal")
            fmt = p.paragraph_format
            fmt.first_line_indent = Pt(0)
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            fmt.space_before = Pt(4) if n == 0 else Pt(0)
            _runs(p, [line], BODY_FONT, WU_HAO)


def _cell_margins(table, margin) -> None:
    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(margin.twips)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    look = tbl_pr.find(qn("w:tblLook"))      # the schema's order: tblCellMar comes before tblLook
    if look is not None:
        look.addprevious(mar)
    else:
        tbl_pr.append(mar)


def new_document():
    document = docx.Document()
    _styles(document)
    section = document.sections[0]
    _page(section)
    _footers(document, section)
    return document


def write_blocks(document, blocks: list[Block], grid: Grid) -> None:
    after_table = False
    for block in blocks:
        if block.kind == "table":
            _table(document, grid, block.options)
            after_table = True
            continue
        if after_table:       # text after a landscape table: back to a portrait page
            section = document.sections[-1]
            if section.orientation == WD_ORIENT.LANDSCAPE:
                _page(document.add_section(WD_SECTION.NEW_PAGE))
            after_table = False
        if block.kind == "pagebreak":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            continue
        p = document.add_paragraph(style=STYLES["body" if block.kind == "signature" else block.kind][0])
        if block.kind == "signature":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.first_line_indent = Pt(0)
        _runs(p, block.runs)
