"""The work record as PDF, written with fpdf2 and a TrueType CJK font.

Why fpdf2: it is pure Python (with fontTools), maintained, installs from PyPI with no system
libraries, embeds a subset of any TrueType/OpenType font (collections too) and writes tables,
outlines and a table of contents with page numbers. WeasyPrint would render our HTML print
page but needs Pango, HarfBuzz and fontconfig from the system, which a CI runner or a slim
container may lack; ReportLab's CJK support relies on Adobe's CID fonts that readers must
supply. The font is the first of :data:`FONT_CANDIDATES` present (Debian's fonts-wqy-zenhei,
which CI installs, or Noto CJK), unless the caller names one (the ``POSTER_FONT`` setting).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flask_babel import lazy_gettext as _l
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from studyhub.core.errors import DomainError
from studyhub.meetings.services.documents import RecordSheet, label

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FAMILY = "cjk"
LINE = 7.0


class NoFont(DomainError):
    http_status = 503


def cjk_font(preferred: str | None = None) -> Path:
    """The font file to embed; NoFont (a readable 503) when the machine has none."""
    for candidate in ([preferred] if preferred else []) + list(FONT_CANDIDATES):
        if Path(candidate).is_file():
            return Path(candidate)
    raise NoFont(_l("No Chinese font is installed on the server to write the PDF."))


class _Record(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FAMILY, size=9)
        self.cell(0, 10, str(self.page_no()), align="C")


def _pdf(title: str, font: str | None) -> _Record:
    pdf = _Record(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font(FAMILY, fname=str(cjk_font(font)))
    pdf.set_font(FAMILY, size=11)
    pdf.set_title(title)
    pdf.set_creator("studyhub")
    return pdf


def _heading(pdf: FPDF, text: str, size: int) -> None:
    pdf.set_x(pdf.l_margin)  # the contents are drawn last, after the footer moved x
    pdf.set_font(FAMILY, size=size)
    pdf.multi_cell(0, size * 0.6, text, align="C", wrapmode=WrapMode.CHAR,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.ln(3)
    pdf.set_font(FAMILY, size=11)


def _sheet(pdf: FPDF, sheet: RecordSheet, title: str) -> None:
    _heading(pdf, title, 16)
    rows = [
        (label("branch"), sheet.branch, None, None),
        *([(label("joint"), "、".join(sheet.joint), None, None)] if sheet.joint else []),
        (label("kind"), sheet.kind, label("time"), sheet.time),
        (label("place"), sheet.place, label("host"), sheet.host),
        (label("recorder"), sheet.recorder, label("lecturer"), sheet.lecturer),
        (label("topic"), sheet.title, None, None),
        (label("expected"), str(sheet.expected), label("attended"), str(sheet.attended)),
        (label("present"), "、".join(sheet.present) or label("none"), None, None),
        (label("absentees"), "、".join(sheet.absentees) or label("none"), None, None),
    ]
    if sheet.guests:
        rows.append((label("guests"), sheet.guests, None, None))
    with pdf.table(
        col_widths=(22, 35, 22, 35),
        first_row_as_headings=False,
        wrapmode=WrapMode.CHAR,
        line_height=LINE,
    ) as table:
        for first, value, second, other in rows:
            row = table.row()
            row.cell(first)
            if second is None:
                row.cell(value, colspan=3)
            else:
                row.cell(value)
                row.cell(second)
                row.cell(other)
    for name, lines in (("minutes", sheet.minutes), ("decisions", sheet.decisions)):
        pdf.ln(4)
        pdf.set_font(FAMILY, size=13)
        pdf.cell(0, 8, label(name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, size=11)
        for line in lines or [label("none")]:
            pdf.multi_cell(0, LINE, line, align="L", wrapmode=WrapMode.CHAR,
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.ln(14)
    pdf.cell(0, LINE, f"{label('host_sign')}：__________        "
             f"{label('recorder_sign')}：__________")  # fmt: skip


def _contents(pdf: FPDF, outline) -> None:
    _heading(pdf, label("contents"), 14)
    for section in outline:
        pdf.cell(150, LINE, section.name, link=pdf.add_link(page=section.page_number))
        pdf.cell(0, LINE, str(section.page_number), align="R",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip


def write_pdf(
    sheets: Sequence[RecordSheet], *, title: str, contents: bool = False, font: str | None = None
) -> bytes:
    """The records as one PDF: with ``contents``, a title, a table of contents with page
    numbers (and the PDF's outline), then each record from a new page."""
    pdf = _pdf(title, font)
    if contents:
        pdf.add_page()
        _heading(pdf, title, 18)
        # The contents take this page (and more for a long year, about 30 lines a page);
        # fpdf2 draws them at the end, when the sections' pages are known, and starts the
        # first record on a new page.
        pdf.insert_toc_placeholder(_contents, pages=1 + len(sheets) // 30)
    for number, sheet in enumerate(sheets):
        if number or not contents:
            pdf.add_page()
        if contents:
            pdf.start_section(sheet.heading())
        _sheet(pdf, sheet, sheet.heading() if contents else title)
    return bytes(pdf.output())
