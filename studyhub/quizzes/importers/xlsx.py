"""The XLSX question template (the layout Chinese exam systems use), its reader and writer.

Columns: 题型, 题干, 选项A…选项H, 答案, 解析, 分类, 难度, 标签, 标题 (the last optional);
the rules a person filling it in can rely on are in :data:`INSTRUCTIONS`, which the
template carries as its second sheet. Every row is checked and each problem is
reported with its row number as Excel shows it. Export writes the same layout, so
exporting and importing again gives the same questions (what the layout cannot
hold — per-option feedback, partial-credit weights, media files — is left out).
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from studyhub.quizzes.importers.common import SPACE, Invalid, plain_to_html
from studyhub.quizzes.importers.model import (
    FULL_WEIGHT,
    KEYS,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    Problem,
    QType,
)
from studyhub.web.spreadsheets import openpyxl_cell

SHEET = "题目"
NOTES_SHEET = "填写说明"
OPTION_HEADERS = [f"选项{key}" for key in KEYS]
HEADERS = ["题型", "题干", *OPTION_HEADERS, "答案", "解析", "分类", "难度", "标签", "标题"]
_COLUMN_KEYS = ["type", "stem", *KEYS, "answer", "explanation", "category", "difficulty",
                "tags", "title"]  # fmt: skip
_ALIASES = {"题目": "stem", "题目内容": "stem", "试题内容": "stem", "试题类型": "type",
            "类型": "type", "正确答案": "answer", "参考答案": "answer", "答案解析": "explanation",
            "试题解析": "explanation", "知识点": "category", "试题分类": "category",
            "难易度": "difficulty", "难易程度": "difficulty"}  # fmt: skip
_HEADER_KEYS = {**dict(zip(HEADERS, _COLUMN_KEYS, strict=True)), **_ALIASES}
_HEADER_KEYS.update({key.lower(): key for key in _COLUMN_KEYS if len(key) > 1})
_HEADER_SEARCH_ROWS = 10
_MAX_ROWS = 100_000

TYPE_NAMES: dict[QType, str] = {"single": "单选", "multiple": "多选", "truefalse": "判断",
                                "fillin": "填空"}  # fmt: skip
_TYPES: dict[str, QType] = {"单项选择": "single", "单项选择题": "single", "多项选择": "multiple",
                            "多项选择题": "multiple", "fill-in": "fillin",
                            "true/false": "truefalse"}  # fmt: skip
for _qtype, _name in TYPE_NAMES.items():
    _TYPES.update({_name: _qtype, _name + "题": _qtype, _qtype: _qtype})
_TRUE = {"对", "正确", "√", "✓", "✔", "T", "TRUE"}
_FALSE = {"错", "错误", "×", "✗", "✘", "X", "F", "FALSE"}
_HTML_MARK = "[html]"
_BLANK_SEP = re.compile(r"[;；]")
_ALTERNATIVE_SEP = re.compile(r"[|｜]")
_LETTER_SEP = re.compile(r"[\s,，、;；]+")
_TAG_SEP = re.compile(r"[,，、;；]")
_STEM_BLANK = re.compile(r"_{3,}|（\s*）|\(\s*\)")

INSTRUCTIONS = [
    "题目导入模板填写说明",
    "1. 每行一道题，第一行是列名，请勿修改列名。列的顺序可以调整，"
    "不用的列（如 选项G、选项H、标题）可以删除。",
    "2. 题型：单选、多选、判断、填空（也可写 单选题、多选题、判断题、填空题）。",
    "3. 题干：题目内容。填空题的空可以写作 ____（三个或更多下划线）或 （ ）；"
    "若题干中写了空，空的个数须与答案中的空数相同。",
    "4. 选项A…选项H：单选题、多选题至少两个选项，从选项A起连续填写，中间不要留空。"
    "判断题、填空题不填选项。",
    "5. 答案：单选题填一个字母，如 B；"
    "多选题填所有正确选项的字母，如 ABD（也可写 A,B,D 或 A、B、D）；"
    "判断题填 对/错、正确/错误、√/×、T/F 之一；"
    "填空题：几个空之间用分号 ; 或 ； 分隔，"
    "同一个空可接受的几种答案之间用竖线 | 或 ｜ 分隔，"
    "如“中国共产党|中共;人民”表示两个空，第一个空填“中国共产党”或“中共”都算对。",
    "6. 解析：答题后显示的解释，可不填。",
    "7. 分类：知识点路径，各级之间用 / 分隔，如 党章/总纲；可不填。",
    "8. 难度：1 到 5 的整数（1 最易，5 最难），可不填。",
    "9. 标签：多个标签用逗号或顿号（、）分隔，可不填。",
    "10. 标题：题目的简短名称，供题库管理时查看，可不填。",
    "11. 题干、选项、解析按纯文本显示；若某格以 [html] 开头，其后的内容按 HTML 显示"
    "（导出含格式的题目时会这样写）。",
    "12. 只要有一行有错，整个文件都不会导入（除非选择跳过有错的题目）；错误报告会列出行号。"
    "同一题目重复导入不会产生重复数据。",
]
EXAMPLES = [
    ["单选", "中国共产党的最高理想和最终目标是实现（ ）。", "社会主义", "共产主义", "小康社会", "",
     "", "", "", "", "B", "见《中国共产党章程》总纲。", "党章/总纲", 1, "党章、理想信念", ""],
    ["多选", "“四个意识”包括下列哪些？", "政治意识", "大局意识", "核心意识", "看齐意识",
     "", "", "", "", "ABCD", "", "党的建设", 2, "", ""],
    ["判断", "党员有权参加党的有关会议，阅读党的有关文件。", "", "", "", "", "", "", "", "",
     "对", "", "党章/党员", 1, "", ""],
    ["填空", "中国共产党是中国____的先锋队，同时是中国人民和中华民族的先锋队。", "", "", "", "",
     "", "", "", "", "工人阶级", "", "党章/总纲", 2, "", ""],
]  # fmt: skip


def parse(data: bytes, *, filename: str = "") -> ParseResult:
    result = ParseResult()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
        result.errors.append(Problem(0, _("The file cannot be read as an Excel workbook (.xlsx).")))
        return result
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        sheet.reset_dimensions()
        _read(enumerate(sheet.iter_rows(values_only=True), start=1), result)
    finally:
        workbook.close()
    return result


def _read(rows: Iterator[tuple[int, tuple[Any, ...]]], result: ParseResult) -> None:
    header: tuple[int, list[str | None]] | None = None
    for number, values in rows:
        keys = [_column_key(value) for value in values]
        if "type" in keys and "stem" in keys:
            header = number, keys
            break
        if number >= _HEADER_SEARCH_ROWS:
            break
    if header is None:
        message = _("No row of column names was found; the first row must name the columns.")
        result.errors.append(Problem(1, message))
        return
    number, keys = header
    if "answer" not in keys:
        result.errors.append(
            Problem(number, _("The file has no column %(column)s.", column="答案"))
        )
        return
    columns = {key: index for index, key in reversed(list(enumerate(keys))) if key}
    for row_number, row in rows:
        if row_number > _MAX_ROWS:
            result.errors.append(Problem(row_number, _("A file holds at most 100,000 questions.")))
            return
        cells = {
            key: _text(row[index]) if index < len(row) else "" for key, index in columns.items()
        }
        if not any(cells.values()):
            continue
        try:
            result.questions.append(_question(cells, row_number))
        except Invalid as exc:
            result.errors.append(Problem(row_number, str(exc)))


def _column_key(value: Any) -> str | None:
    name = "".join(_text(value).split())
    return _HEADER_KEYS.get(name) or _HEADER_KEYS.get(name.lower())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").strip(SPACE)


def _html(text: str) -> str:
    if text.lower().startswith(_HTML_MARK):
        return text[len(_HTML_MARK) :].strip()
    return plain_to_html(text)


def _question(cells: dict[str, str], row: int) -> ParsedQuestion:
    given_type = cells.get("type", "")
    qtype = _TYPES.get(given_type.lower().replace(" ", ""))
    if qtype is None:
        raise Invalid(
            _(
                "%(column)s “%(value)s” is not one of %(choices)s.",
                column="题型",
                value=given_type,
                choices="单选、多选、判断、填空",
            )
        )
    for key, column in (("stem", "题干"), ("answer", "答案")):
        if not cells.get(key):
            raise Invalid(_("%(column)s is empty.", column=column))
    question = ParsedQuestion(
        qtype=qtype,
        stem_html=_html(cells["stem"]),
        answer="",
        title=" ".join(cells.get("title", "").split()) or None,
        explanation_html=_html(cells.get("explanation", "")),
        category_path=[
            p.strip() for p in re.split(r"[/／]", cells.get("category", "")) if p.strip()
        ],
        difficulty=_difficulty(cells.get("difficulty", "")),
        tags=list(
            dict.fromkeys(t.strip() for t in _TAG_SEP.split(cells.get("tags", "")) if t.strip())
        ),
        line=row,
    )
    answer = cells["answer"]
    if qtype in ("single", "multiple"):
        _choice(question, cells, answer)
    elif qtype == "truefalse":
        if answer.upper() not in _TRUE | _FALSE:
            raise Invalid(
                _(
                    "The answer to a true/false question is one of %(choices)s, not “%(value)s”.",
                    choices="对、错、正确、错误、√、×、T、F",
                    value=answer,
                )
            )
        question.answer = answer.upper() in _TRUE
    else:
        question.answer = _blanks(cells["stem"], answer)
    return question


def _difficulty(text: str) -> int | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value.is_integer() or not 1 <= value <= 5:
        raise Invalid(
            _(
                "%(column)s must be a whole number from 1 to 5, not “%(value)s”.",
                column="难度",
                value=text,
            )
        )
    return int(value)


def _choice(question: ParsedQuestion, cells: dict[str, str], answer: str) -> None:
    texts = [cells.get(key, "") for key in KEYS]
    while texts and not texts[-1]:
        texts.pop()
    if "" in texts:
        column = OPTION_HEADERS[texts.index("")]
        raise Invalid(_("%(column)s is empty but a later option is not.", column=column))
    if len(texts) < 2:
        raise Invalid(_("A choice question needs at least two options."))
    letters = [part for part in _LETTER_SEP.split(answer.upper()) if part]
    if len(letters) == 1:
        letters = list(letters[0])
    valid = KEYS[: len(texts)]
    if not letters or any(letter not in valid for letter in letters):
        raise Invalid(
            _(
                "The answer “%(value)s” must be option letters from A to %(last)s.",
                value=answer,
                last=valid[-1],
            )
        )
    right = sorted(set(letters))
    if question.qtype == "single" and len(right) != 1:
        raise Invalid(
            _(
                "A single-choice question has one right option; the answer gives %(count)d.",
                count=len(right),
            )
        )
    share = FULL_WEIGHT / len(right)
    question.options = [
        ParsedOption(key, _html(text), share if key in right else 0.0)
        for key, text in zip(KEYS, texts, strict=False)
    ]
    question.answer = right[0] if question.qtype == "single" else right


def _blanks(stem: str, answer: str) -> list[list[str]]:
    blanks = []
    for part in _BLANK_SEP.split(answer):
        accepted = [" ".join(text.split()) for text in _ALTERNATIVE_SEP.split(part)]
        if not all(accepted):
            raise Invalid(
                _("The answer “%(value)s” has an empty blank or alternative.", value=answer)
            )
        blanks.append(accepted)
    marked = len(_STEM_BLANK.findall(stem))
    if marked and marked != len(blanks):
        raise Invalid(
            _(
                "The stem has %(marked)d blanks but the answer gives %(given)d.",
                marked=marked,
                given=len(blanks),
            )
        )
    return blanks


# Writing ---------------------------------------------------------------------------------


def _plain(markup: str) -> str:
    """The cell text for some HTML: plain text when it is escaped text, else [html]…"""
    text = html.unescape(markup.replace("<br>\n", "\n"))
    if plain_to_html(text) == markup:
        return text
    return _HTML_MARK + markup


def _answer_text(question: ParsedQuestion) -> str:
    if question.qtype == "single":
        return str(question.answer)
    if question.qtype == "multiple":
        return "".join(question.answer)  # type: ignore[arg-type]
    if question.qtype == "truefalse":
        return "对" if question.answer else "错"
    return ";".join("|".join(blank) for blank in question.answer)  # type: ignore[union-attr]


def _row(question: ParsedQuestion) -> list[Any]:
    options = {option.key: _plain(option.html) for option in question.options}
    return [
        TYPE_NAMES[question.qtype],
        _plain(question.stem_html),
        *(options.get(key, "") for key in KEYS),
        _answer_text(question),
        _plain(question.explanation_html) if question.explanation_html else "",
        "/".join(question.category_path),
        question.difficulty if question.difficulty is not None else "",
        "、".join(question.tags),
        question.title or "",
    ]


def _workbook(rows: Iterable[list[Any]]) -> bytes:
    """A workbook of the questions sheet (streamed) and the instructions."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.freeze_panes = "A2"
    for index, width in enumerate([8, 50, *[18] * len(KEYS), 10, 30, 20, 6, 16, 16], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    types = DataValidation(
        type="list", formula1=f'"{",".join(TYPE_NAMES.values())}"', allow_blank=True
    )
    levels = DataValidation(
        type="whole", operator="between", formula1="1", formula2="5", allow_blank=True
    )
    sheet.data_validations.append(types)
    sheet.data_validations.append(levels)
    types.add(f"A2:A{_MAX_ROWS}")
    level_column = get_column_letter(HEADERS.index("难度") + 1)
    levels.add(f"{level_column}2:{level_column}{_MAX_ROWS}")
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F1E4E4")
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    notes = workbook.create_sheet(NOTES_SHEET)
    notes.column_dimensions["A"].width = 120
    for number, line in enumerate(INSTRUCTIONS):
        cell = WriteOnlyCell(notes, value=line)
        cell.alignment = Alignment(wrap_text=True)
        if number == 0:
            cell.font = Font(bold=True)
        notes.append([cell])
    notes.append([])
    notes.append([WriteOnlyCell(notes, value="示例（请在“题目”表中填写，不要在本表填写）：")])
    notes.append(HEADERS)
    for example in EXAMPLES:
        notes.append(example)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet: Any, value: Any) -> Any:
    """Text stays text: a cell that starts with = is never written as a formula."""
    return openpyxl_cell(sheet, value)


def write_template() -> bytes:
    """The empty template staff download: the questions sheet and the instructions."""
    return _workbook([])


def write_questions(questions: Iterable[ParsedQuestion]) -> bytes:
    """Questions in the template's layout, for export (importing it gives them back)."""
    return _workbook(_row(question) for question in questions)
