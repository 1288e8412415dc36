"""The XLSX template: reading and checking rows, the template itself, export round trips."""

from __future__ import annotations

import dataclasses
import io
import json
import time

import pytest
from openpyxl import Workbook, load_workbook

from studyhub.quizzes.importers import aiken, gift, moodle_xml, xlsx
from studyhub.quizzes.importers.common import plain_to_html
from studyhub.quizzes.importers.model import KEYS, ParsedOption, ParsedQuestion
from tests.conftest import shared_data

HEADERS = xlsx.HEADERS
COLUMNS = {"explanation": "解析", "category": "分类", "difficulty": "难度", "tags": "标签",
           "title": "标题"}  # fmt: skip


def workbook(
    rows: list[list[object]], *, headers: list[str] = HEADERS, title_rows: int = 0
) -> bytes:
    book = Workbook()
    sheet = book.active
    for _ in range(title_rows):
        sheet.append(["党章知识题库"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(qtype: str, stem: str, options: list[str], answer: object, **more: object) -> list[object]:
    cells: dict[str, object] = {"题型": qtype, "题干": stem, "答案": answer}
    cells.update({f"选项{key}": text for key, text in zip(KEYS, options, strict=False)})
    cells.update({COLUMNS[key]: value for key, value in more.items()})
    return [cells.get(header) for header in HEADERS]


def test_template_has_the_columns_and_instructions():
    data = xlsx.write_template()
    book = load_workbook(io.BytesIO(data))

    assert book.sheetnames == ["题目", "填写说明"]
    assert [cell.value for cell in book["题目"][1]] == HEADERS
    assert book["题目"].max_row == 1
    notes = "\n".join(str(c.value) for r in book["填写说明"].iter_rows() for c in r if c.value)
    assert "分号 ; 或 ；" in notes and "竖线 | 或 ｜" in notes
    for word in ("单选", "多选", "判断", "填空", "ABD", "对/错", "1 到 5"):
        assert word in notes
    result = xlsx.parse(data)
    assert (result.questions, result.errors) == ([], [])


def test_template_examples_are_valid_rows():
    book = load_workbook(io.BytesIO(xlsx.write_template()))
    rows = [list(r) for r in book["填写说明"].iter_rows(values_only=True)]
    start = rows.index(HEADERS)
    result = xlsx.parse(workbook(rows[start + 1 :]))
    assert result.errors == []
    assert [q.qtype for q in result.questions] == [
        "single",
        "multiple",
        "truefalse",
        "fillin",
        "essay",
    ]


def test_rows_of_every_type():
    party = ["社会主义", "共产主义"]
    awareness = ["政治意识", "大局意识", "核心意识", "看齐意识"]
    more = {"category": "党章 / 总纲", "difficulty": 2, "tags": "党章，理想、信念"}
    data = workbook(
        [
            row("单选", "党的最高理想是（ ）。", party, "b", explanation="见党章总纲。", **more),
            row("多选题", "“四个意识”包括", awareness, "A、B,D"),
            row("判断", "党员有表决权。", [], "√"),
            row("判断题", "1 < 2 & 3", ["正确", "错误"], "F"),
            row("填空", "党的____是为人民服务，党的____是人民。", [], "宗旨;根基|基础 ｜ 力量"),
            row("填空", "二加二等于", [], 4),
            [],
            row("single", "Plain <b>text</b>", ["1+1=2", "[html]<b>2</b>"], "A", title="Sum"),
        ],
        title_rows=2,
    )
    result = xlsx.parse(data)

    assert result.errors == []
    single, multiple, true, false, blanks, number, html = result.questions
    assert (single.line, single.qtype, single.answer) == (4, "single", "B")
    assert [(o.key, o.html, o.weight) for o in single.options] == [
        ("A", "社会主义", 0),
        ("B", "共产主义", 100),
    ]
    assert single.explanation_html == "见党章总纲。"
    assert single.category_path == ["党章", "总纲"]
    assert (single.difficulty, single.tags) == (2, ["党章", "理想", "信念"])
    assert (multiple.qtype, multiple.answer) == ("multiple", ["A", "B", "D"])
    assert [o.weight for o in multiple.options] == pytest.approx([100 / 3, 100 / 3, 0, 100 / 3])
    assert (true.answer, false.answer, false.options) == (True, False, [])
    assert false.stem_html == "1 &lt; 2 &amp; 3"
    assert blanks.answer == [["宗旨"], ["根基", "基础", "力量"]]
    assert number.answer == [["4"]]
    assert html.line == 11  # the empty row still counts
    assert html.stem_html == "Plain &lt;b&gt;text&lt;/b&gt;"
    assert [o.html for o in html.options] == ["1+1=2", "<b>2</b>"]
    assert html.title == "Sum"


BAD_ROWS = [
    (row("", "为什么？", [], "因为"), ["题型"]),
    (row("单选", "", ["a", "b"], "A"), ["题干"]),
    (row("单选", "题", ["a", "b"], None), ["答案"]),
    (row("单选", "题", ["a"], "A"), []),
    (row("单选", "题", ["a", "", "c"], "A"), ["选项B"]),
    (row("单选", "题", ["a", "b"], "C"), ["C", "B"]),
    (row("单选", "题", ["a", "b"], "AB"), ["2"]),
    (row("多选", "题", ["a", "b"], "A9"), ["A9"]),
    (row("判断", "题", [], "也许"), ["也许"]),
    (row("填空", "题____和____", [], "一"), ["2", "1"]),
    (row("填空", "题", [], "一;;三"), ["一;;三"]),
    (row("单选", "题", ["a", "b"], "A", difficulty=6), ["难度", "6"]),
    (row("单选", "题", ["a", "b"], "A", difficulty="难"), ["难度", "难"]),
]


def test_every_bad_row_is_reported_with_its_row_number():
    data = workbook([bad for bad, _words in BAD_ROWS] + [row("判断", "好题", [], "对")])
    result = xlsx.parse(data)

    assert [q.line for q in result.questions] == [len(BAD_ROWS) + 2]
    assert [p.line for p in result.errors] == list(range(2, len(BAD_ROWS) + 2))
    for problem, (_row, words) in zip(result.errors, BAD_ROWS, strict=True):
        for word in words:
            assert word in problem.message, problem


def test_files_that_are_not_the_template():
    assert xlsx.parse(b"not a zip").errors[0].line == 0
    no_header = xlsx.parse(workbook([["a", "b"]], headers=["x", "y"]))
    assert [p.line for p in no_header.errors] == [1]
    no_answer = xlsx.parse(workbook([], headers=["题型", "题干", "选项A"]))
    assert [p.line for p in no_answer.errors] == [1]
    assert "答案" in no_answer.errors[0].message


def _same(written: list[ParsedQuestion], read: list[ParsedQuestion]) -> None:
    assert len(read) == len(written)
    for before, after in zip(written, read, strict=True):
        expected = dataclasses.replace(
            before, line=after.line, feedback_html={}, media=[], idnumber=None
        )
        assert after == expected


ROUND_TRIP = [
    ParsedQuestion(
        qtype="single",
        stem_html="党的最高理想是（ ）。<br>\n第二行 &lt;b&gt;",
        options=[ParsedOption("A", "社会主义", 0), ParsedOption("B", "=共产主义", 100)],
        answer="B",
        explanation_html="<p>HTML <b>解析</b></p>",
        category_path=["党章", "总纲"],
        difficulty=3,
        tags=["党章", "理想"],
        title="最高理想",
    ),
    ParsedQuestion(
        qtype="multiple",
        stem_html="选出正确的",
        options=[ParsedOption(k, f"选项 {k}", 50 if k in "AC" else 0) for k in "ABCD"],
        answer=["A", "C"],
    ),
    ParsedQuestion(qtype="truefalse", stem_html="+1 是正数", answer=True, difficulty=1),
    ParsedQuestion(qtype="truefalse", stem_html="@假", answer=False, tags=["a b"]),
    ParsedQuestion(
        qtype="fillin",
        stem_html="____ 和 ____",
        answer=[["甲", "A"], ["乙"]],
        explanation_html="两个空",
    ),
]


def test_export_then_import_gives_the_same_questions():
    data = xlsx.write_questions(ROUND_TRIP)
    result = xlsx.parse(data)
    assert result.errors == []
    _same(ROUND_TRIP, result.questions)
    sheet = load_workbook(io.BytesIO(data))["题目"]
    assert sheet["D2"].value == "=共产主义" and sheet["D2"].data_type == "s"  # not a formula


def test_moodle_fixtures_survive_an_export_round_trip():
    written: list[ParsedQuestion] = []
    for relative in (
        "gift/examples.txt",
        "gift/questions.gift.txt",
        "gift/questions_in_category.gift.txt",
    ):
        written += gift.parse(shared_data(f"moodle/{relative}").read_bytes()).questions
    written += aiken.parse(shared_data("moodle/aiken/questions.aiken.txt").read_bytes()).questions
    for name in ("truefalse.xml", "multichoice.xml", "nested_categories_with_questions.xml"):
        written += moodle_xml.parse(shared_data(f"moodle/xml/{name}").read_bytes()).questions
    result = xlsx.parse(xlsx.write_questions(written))

    assert result.errors == []

    # The template keeps the right answers, not partial credit: compare without weights.
    def plain(question: ParsedQuestion) -> ParsedQuestion:
        options = [dataclasses.replace(o, weight=0.0) for o in question.options]
        return dataclasses.replace(
            question, options=options, line=0, feedback_html={}, media=[], idnumber=None
        )

    assert [plain(q) for q in result.questions] == [plain(q) for q in written]


@pytest.mark.slow
def test_the_xxqg_bank_through_the_template(tmp_path):
    bank = json.loads(shared_data("xxqg/tiku_sorted.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("题目")
    sheet.append(HEADERS)
    for key, right in bank.items():
        stem, *options = key.split("|")
        sheet.append(row("单选", stem, options, KEYS[options.index(right)]))
    path = tmp_path / "xxqg.xlsx"
    book.save(path)

    result = xlsx.parse(path.read_bytes(), filename=path.name)

    assert result.errors == []
    assert len(result.questions) == len(bank) == 9370
    assert {q.qtype for q in result.questions} == {"single"}
    for question, (key, right) in zip(result.questions, bank.items(), strict=True):
        stem, *options = key.split("|")
        assert question.stem_html == plain_to_html(stem)  # the blanks' no-break spaces kept
        assert [o.html for o in question.options] == [plain_to_html(o) for o in options]
        assert question.option(question.answer).html == plain_to_html(right)
    assert {len(q.options) for q in result.questions} == {2, 3, 4}
    assert len(result.duplicates) == 3  # stems that differ only in white space
    assert time.perf_counter() - started < 30
