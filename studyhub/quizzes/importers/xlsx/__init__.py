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

from studyhub.quizzes.importers.cells import displayed_text
from studyhub.quizzes.importers.common import SPACE, Invalid, plain_to_html
from studyhub.quizzes.importers.model import (
    BLANK_PATTERN,
    FULL_WEIGHT,
    KEYS,
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    Problem,
    QType,
    Skipped,
)
from studyhub.web.spreadsheets import openpyxl_cell

SHEET = "题目"
NOTES_SHEET = "填写说明"
OPTION_HEADERS = [f"选项{key}" for key in KEYS]
HEADERS = ["题型", "题干", *OPTION_HEADERS, "答案", "解析", "分类", "难度", "标签", "标题",
           "ID", "评分标准"]  # fmt: skip
_COLUMN_KEYS = ["type", "stem", *KEYS, "answer", "explanation", "category", "difficulty",
                "tags", "title", "id", "rubric"]  # fmt: skip
REQUIRED_HEADERS = ["题型", "题干", "答案"]
_ALIASES = {"题目": "stem", "题目内容": "stem", "试题内容": "stem", "试题类型": "type",
            "类型": "type", "正确答案": "answer", "参考答案": "answer", "答案解析": "explanation",
            "试题解析": "explanation", "知识点": "category", "试题分类": "category",
            "难易度": "difficulty", "难易程度": "difficulty", "题目类型": "type",
            "试题题型": "type", "问题类型": "type", "题目题干": "stem", "试题题干": "stem",
            "标准答案": "answer", "题目ID": "id", "试题ID": "id", "评分要点": "rubric",
            "参考评分标准": "rubric"}  # fmt: skip
_ALIASES.update({f"{key}选项": key for key in KEYS})
_ALIASES.update({f"选项{key}": key for key in KEYS})
_HEADER_KEYS = {**dict(zip(HEADERS, _COLUMN_KEYS, strict=True)), **_ALIASES}
_HEADER_KEYS.update({key.lower(): key for key in _COLUMN_KEYS if len(key) > 1})
_HEADER_SEARCH_ROWS = 10
_MAX_ROWS = 100_000

TYPE_NAMES: dict[QType, str] = {"single": "单选", "multiple": "多选", "truefalse": "判断",
                                "fillin": "填空", "essay": "简答"}  # fmt: skip
_TYPES: dict[str, QType] = {"单项选择": "single", "单项选择题": "single", "多项选择": "multiple",
                            "多项选择题": "multiple", "fill-in": "fillin",
                            "true/false": "truefalse", "问答": "essay", "问答题": "essay",
                            "论述": "essay", "论述题": "essay", "主观题": "essay"}  # fmt: skip
for _qtype, _name in TYPE_NAMES.items():
    _TYPES.update({_name: _qtype, _name + "题": _qtype, _qtype: _qtype})
_TRUE = {"对", "正确", "√", "✓", "✔", "T", "TRUE"}
_FALSE = {"错", "错误", "×", "✗", "✘", "X", "F", "FALSE"}
_HTML_MARK = "[html]"
_BLANK_SEP = re.compile(r"[;；]")
_ALTERNATIVE_SEP = re.compile(r"[|｜]")
_LETTER_SEP = re.compile(r"[\s,，、;；]+")
_TAG_SEP = re.compile(r"[,，、;；]")
_STEM_BLANK = re.compile(BLANK_PATTERN)
_RUBRIC_SEP = re.compile(r"[;；\n]")
_RUBRIC_ROW = re.compile(r"^(?P<criterion>.+?)\s*[:：]\s*(?P<points>\d+(?:\.\d+)?)\s*分?$")

INSTRUCTIONS = [
    "题目导入模板填写说明",
    "1. 每行一道题，第一行是列名，请勿修改列名。列的顺序可以调整，"
    "不用的列（如 选项G、选项H、标题）可以删除。",
    "2. 题型：单选、多选、判断、填空、简答（也可写 单选题、多选题、判断题、填空题、简答题）。"
    "其他题型（如 计算题、连线题）的行会列为“已跳过”，不影响其他题目导入。",
    "3. 题干：题目内容。填空题的空可以写作 ___（三个或更多下划线）、＿＿（两个或更多全角下划线）"
    "或一对中间只有空格的括号：（）、（ ）、()、( )，全角半角混用如（) 也可以；"
    "若题干中写了空，空的个数须与答案中的空数相同。",
    "4. 选项A…选项H：单选题、多选题至少两个选项，从选项A起连续填写，中间不要留空。"
    "判断题、填空题不填选项。",
    "5. 答案：单选题填一个字母，如 B；"
    "多选题填所有正确选项的字母，如 ABD（也可写 A,B,D 或 A、B、D）；"
    "判断题填 对/错、正确/错误、√/×、T/F 之一；"
    "填空题：几个空之间用分号 ; 或 ； 分隔，"
    "同一个空可接受的几种答案之间用竖线 | 或 ｜ 分隔，"
    "如“中国共产党|中共;人民”表示两个空，第一个空填“中国共产党”或“中共”都算对。",
    "6. 解析：答题后显示的解释，可不填。简答题的“答案”列填参考答案（可不填），"
    "“评分标准”列填评分要点及分值，如“要点一:2;要点二:3”。",
    "7. 分类：知识点路径，各级之间用 / 分隔，如 党章/总纲；可不填。",
    "8. 难度：1 到 5 的整数（1 最易，5 最难），可不填。",
    "9. 标签：多个标签用逗号或顿号（、）分隔，可不填。",
    "10. 标题：题目的简短名称，供题库管理时查看，可不填。",
    "11. 题干、选项、解析按纯文本显示；若某格以 [html] 开头，其后的内容按 HTML 显示"
    "（导出含格式的题目时会这样写）。",
    "12. 只要有一行有错，整个文件都不会导入（除非选择跳过有错的题目）；错误报告会列出行号。"
    "同一题目重复导入不会产生重复数据。",
    "13. 修改题库后重新导入：题干和题型相同（或 ID 列相同）而答案、选项或解析不同的题目，"
    "会作为该题的新版本更新，不会新增一道题；已有的答题记录仍按原版本显示和评分。",
    "14. 单元格按 Excel 中显示的文字读取：显示为 7月1日 的日期读作“7月1日”，数字 1921 读作“1921”。",
    "15. 也可以导入 CSV 文件（UTF-8 或 GB18030 编码），列名与本模板相同。",
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
    ["简答", "简述党员的八项义务中的两项。", "", "", "", "", "", "", "", "",
     "认真学习马克思列宁主义……", "", "党章/党员", 3, "", "", "", "写出第一项:2;写出第二项:2"],
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
        epoch = workbook.epoch
        rows = (
            tuple(displayed_text(cell, epoch=epoch) for cell in row) for row in sheet.iter_rows()
        )
        read_rows(enumerate(rows, start=1), result)
    finally:
        workbook.close()
    return result


def header_keys(values: Iterable[Any]) -> list[str | None]:
    """The column each cell of a row names (None: not one of ours)."""
    return [_column_key(value) for value in values]


def is_header(values: Iterable[Any]) -> bool:
    keys = header_keys(values)
    return "type" in keys and "stem" in keys


def _wrong_header(found: list[str]) -> str:
    return _(
        "No row of column names was found. Expected the columns %(expected)s "
        "(required: %(required)s); the first row has %(found)s.",
        expected="、".join(HEADERS),
        required="、".join(REQUIRED_HEADERS),
        found="、".join(found) or _("nothing"),
    )


def read_rows(rows: Iterator[tuple[int, tuple[Any, ...]]], result: ParseResult) -> None:
    """Questions from the template's rows (text cells), the header within the first rows."""
    header: tuple[int, list[str | None]] | None = None
    first: list[str] | None = None
    for number, values in rows:
        keys = header_keys(values)
        if first is None and any(_text(v) for v in values):
            first = [_text(v) for v in values if _text(v)]
        if "type" in keys and "stem" in keys:
            header = number, keys
            break
        if number >= _HEADER_SEARCH_ROWS:
            break
    if header is None:
        if first is None:
            result.errors.append(Problem(0, _("The file is empty: it holds no questions.")))
        else:
            result.errors.append(Problem(1, _wrong_header(first)))
        return
    number, keys = header
    if "answer" not in keys:
        found = [value for value in keys if value]
        result.errors.append(
            Problem(
                number,
                _("The file has no column %(column)s.", column="答案")
                + " "
                + _wrong_header([HEADERS[_COLUMN_KEYS.index(k)] for k in found]),
            )
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
        given_type = cells.get("type", "")
        if given_type and _TYPES.get(given_type.lower().replace(" ", "")) is None:
            name = " ".join(cells.get("title", "").split()) or _first_words(cells.get("stem", ""))
            result.skipped.append(Skipped(name or given_type, given_type, row_number))
            continue
        try:
            result.questions.append(_question(cells, row_number))
        except Invalid as exc:
            result.errors.append(Problem(row_number, str(exc)))


def _first_words(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
                choices="单选、多选、判断、填空、简答",
            )
        )
    required = (("stem", "题干"),) if qtype == "essay" else (("stem", "题干"), ("answer", "答案"))
    for key, column in required:
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
        external_id=cells.get("id", "")[:64] or None,
    )
    answer = cells.get("answer", "")
    if qtype == "essay":
        question.answer = None  # type: ignore[assignment]
        question.model_answer_html = _html(answer) if answer else ""
        question.rubric = _rubric(cells.get("rubric", ""))
    elif qtype in ("single", "multiple"):
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


def _rubric(text: str) -> list[dict[str, object]] | None:
    """``要点一:2;要点二:3`` as rubric rows; a criterion without points is an error."""
    rows: list[dict[str, object]] = []
    for part in _RUBRIC_SEP.split(text):
        part = part.strip()
        if not part:
            continue
        match = _RUBRIC_ROW.match(part)
        if match is None:
            raise Invalid(
                _(
                    "%(column)s “%(value)s” must be criteria with points, "
                    "such as 要点一:2;要点二:3.",
                    column="评分标准",
                    value=part,
                )
            )
        points = float(match.group("points"))
        rows.append(
            {
                "criterion": match.group("criterion").strip(),
                "points": int(points) if points.is_integer() else points,
            }
        )
    return rows or None


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
                "The stem has %(marked)d blanks but the answer gives %(given)d. "
                "Separate the answers of the blanks with a semicolon ; or ；, "
                "and the accepted alternatives of one blank with | (e.g. 答案一;答案二).",
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
    if question.qtype == "essay":
        return _plain(question.model_answer_html) if question.model_answer_html else ""
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
        question.external_id or "",
        ";".join(f"{row['criterion']}:{row['points']}" for row in question.rubric or []),
    ]


def _workbook(rows: Iterable[list[Any]]) -> bytes:
    """A workbook of the questions sheet (streamed) and the instructions."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.freeze_panes = "A2"
    widths = [8, 50, *[18] * len(KEYS), 10, 30, 20, 6, 16, 16, 10, 30]
    for index, width in enumerate(widths, start=1):
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
