"""The work record as a Word document (.docx), written with python-docx.

Body text in 宋体 and headings in 黑体 (Word on a Chinese system has both; another reader
substitutes its own CJK font), A4 with the margins of the paper record book. Each meeting is
its header table, the attendance, the minutes, the decisions and two signature lines; a year
starts with a contents list of its meetings and puts each record on its own page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from studyhub.meetings.services.documents import RecordSheet, label

BODY_FONT = "宋体"
HEADING_FONT = "黑体"


def _east_asian(style_or_run, name: str) -> None:
    """Set the font for Chinese text too (python-docx's font.name sets only the Latin one)."""
    style_or_run.font.name = name
    element = style_or_run.element
    r_pr = element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), name)


def _document() -> Document:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.2)
    normal = document.styles["Normal"]
    _east_asian(normal, BODY_FONT)
    normal.font.size = Pt(12)
    for name in ("Title", "Heading 1", "Heading 2"):
        _east_asian(document.styles[name], HEADING_FONT)
    return document


def _cell(cell, text: str, *, bold: bool = False) -> None:
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold


def _sheet(document, sheet: RecordSheet, title: str) -> None:
    heading = document.add_heading(title, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rows = [
        (label("branch"), sheet.branch, None, None),
        *([(label("joint"), "、".join(sheet.joint), None, None)] if sheet.joint else []),
        (label("kind"), sheet.kind, label("time"), sheet.time),
        (label("place"), sheet.place, label("host"), sheet.host),
        (label("recorder"), sheet.recorder, label("lecturer"), sheet.lecturer),
        (label("topic"), sheet.title, None, None),
        (label("expected"), str(sheet.expected), label("attended"), str(sheet.attended)),
    ]
    table = document.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for first, value, second, other in rows:
        cells = table.add_row().cells
        _cell(cells[0], first, bold=True)
        if second is None:
            merged = cells[1].merge(cells[3])
            _cell(merged, value)
        else:
            _cell(cells[1], value)
            _cell(cells[2], second, bold=True)
            _cell(cells[3], other)
    for name, text in (
        ("present", "、".join(sheet.present) or label("none")),
        ("absentees", "、".join(sheet.absentees) or label("none")),
        ("guests", sheet.guests),
    ):
        if not text:
            continue
        cells = table.add_row().cells
        _cell(cells[0], label(name), bold=True)
        _cell(cells[1].merge(cells[3]), text)
    for name, lines in (("minutes", sheet.minutes), ("decisions", sheet.decisions)):
        document.add_heading(label(name), level=2)
        for line in lines or [label("none")]:
            document.add_paragraph(line)
    signatures = document.add_paragraph()
    signatures.paragraph_format.space_before = Pt(24)
    signatures.add_run(
        f"{label('host_sign')}：＿＿＿＿＿＿　　{label('recorder_sign')}：＿＿＿＿＿＿"
    )


def write_docx(
    sheets: Sequence[RecordSheet], *, title: str, contents: bool = False, font: str | None = None
) -> bytes:
    """The records as one .docx: with ``contents``, a title page listing them first. (``font``
    is for the PDF writer's signature; Word uses the reader's own 宋体 and 黑体.)"""
    document = _document()
    if contents:
        document.add_heading(title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
        document.add_heading(label("contents"), level=2)
        for number, sheet in enumerate(sheets, start=1):
            document.add_paragraph(f"{number}. {sheet.heading()}")
    for number, sheet in enumerate(sheets):
        if contents or number:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _sheet(document, sheet, sheet.heading() if contents else title)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
