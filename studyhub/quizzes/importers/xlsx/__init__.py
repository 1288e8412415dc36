"""The XLSX question template (the layout Chinese exam systems use), its reader and writer.

Columns: 题型, 题干, 选项A…选项H, 答案, 解析, 分类, 难度, 标签, 标题, and optionally
ID (a re-import updates the question with that ID) and 评分标准 (an essay's rubric);
the rules a person filling it in can rely on are in :data:`INSTRUCTIONS`, which the
template carries as its second sheet. Every row is checked and each problem is
reported with its row number as Excel shows it. Cells are read as the text
Excel shows (``cells.displayed_text``): a date cell showing 7月1日 is "7月1日".
Rows of types we do not support are listed as skipped, never blocking. The same
reader takes a CSV file's rows (``csv_bank``). Export writes the same layout, so
exporting and importing again gives the same questions (what the layout cannot
hold — per-option feedback, partial-credit weights, media files — is left out).

``layout`` holds the columns, types and instructions, ``reader`` reads rows,
``writer`` writes the template and exports.
"""

from studyhub.quizzes.importers.xlsx.layout import (
    EXAMPLES,
    HEADERS,
    INSTRUCTIONS,
    NOTES_SHEET,
    OPTION_HEADERS,
    REQUIRED_HEADERS,
    SHEET,
    TYPE_NAMES,
)
from studyhub.quizzes.importers.xlsx.reader import header_keys, is_header, parse, read_rows
from studyhub.quizzes.importers.xlsx.writer import write_questions, write_template

__all__ = [
    "EXAMPLES",
    "HEADERS",
    "INSTRUCTIONS",
    "NOTES_SHEET",
    "OPTION_HEADERS",
    "REQUIRED_HEADERS",
    "SHEET",
    "TYPE_NAMES",
    "header_keys",
    "is_header",
    "parse",
    "read_rows",
    "write_questions",
    "write_template",
]
