"""Issue 17: imports that never store a wrong answer silently, re-import as versions, essays,
fair matching. Every file is made in the test."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from studyhub.quizzes import importers
from studyhub.quizzes.cli import media_url
from studyhub.quizzes.importers import gift, moodle_xml, xlsx
from studyhub.quizzes.importers.cells import displayed_text
from studyhub.quizzes.importers.xlsx import HEADERS
from studyhub.quizzes.models import (
    ALL_MATCH_RULES,
    AttemptItem,
    Question,
    QuestionType,
    QuestionVersion,
)
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.services import content, grading, imports
from studyhub.quizzes.services.bank import QuestionFields
from studyhub.web.storage import LocalStorage
from tests.conftest import NOW
from tests.quizzes.bank_helpers import Org, count_questions, use_in_attempt, versions_of

# Files made here ---------------------------------------------------------------------------


def row(qtype, stem, options=(), answer="", **extra):
    cells = {"题型": qtype, "题干": stem, "答案": answer, **extra}
    for key, text in zip("ABCDEFGH", options, strict=False):
        cells[f"选项{key}"] = text
    return cells


def xlsx_file(rows, headers=HEADERS, *, formats=None) -> bytes:
    """A workbook with ``headers`` and ``rows`` (dicts by header); ``formats`` by (row, header)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "题目"
    sheet.append(list(headers))
    for number, values in enumerate(rows, start=2):
        sheet.append([values.get(h, None) for h in headers])
        for (at, header), code in (formats or {}).items():
            if at == number:
                sheet.cell(number, headers.index(header) + 1).number_format = code
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(rows, headers=("题型", "题干", "选项A", "选项B", "选项C", "答案", "解析")) -> str:
    lines = [",".join(headers)]
    for values in rows:
        lines.append(",".join(f'"{values.get(h, "")}"' for h in headers))
    return "\n".join(lines) + "\n"


def prepare(session, bank, data: bytes, filename: str):
    result = importers.parse(data, filename=filename)
    return imports.prepare_import(session, bank, result, media_url=media_url)


def store(session, app, bank, data: bytes, filename: str, **options):
    result = importers.parse(data, filename=filename)
    return imports.import_parse_result(
        session,
        bank,
        result,
        category_path=None,
        skip_invalid=options.pop("skip_invalid", False),
        now=NOW,
        media_storage=LocalStorage(Path(app.instance_path) / "uploads"),
        media_url=media_url,
        **options,
    )


def current(session, question: Question) -> QuestionVersion:
    return session.get_one(QuestionVersion, question.current_version_id)


# Excel cells as shown ----------------------------------------------------------------------


def test_date_and_number_cells_become_the_text_the_author_saw(english_messages):
    data = xlsx_file(
        [
            row("填空", "中国共产党的生日是____。", answer=datetime(2021, 7, 1)),
            row("填空", "中国共产党成立于____年。", answer=1921),
            row("填空", "比例是____。", answer=0.25),
        ],
        formats={(2, "答案"): 'm"月"d"日"', (4, "答案"): "0%"},
    )
    result = xlsx.parse(data)
    assert result.errors == []
    assert [q.answer for q in result.questions] == [[["7月1日"]], [["1921"]], [["25%"]]]


def test_a_zh_cn_builtin_date_format_is_read_as_excel_shows_it():
    """Chinese Excel writes 7月1日 as the number 44378 with built-in format 58 only."""
    cell = SimpleNamespace(value=44378.0, style_array=SimpleNamespace(numFmtId=58))
    assert displayed_text(cell) == "7月1日"
    assert displayed_text(SimpleNamespace(value=1921.0, number_format="General")) == "1921"


# Plausibility warnings ---------------------------------------------------------------------

SUSPICIOUS = [
    row("填空", "遵义会议在____召开。", answer="[object Object]"),
    row("单选", "党的根本宗旨是？", ["为人民服务", "为人民服务", "发展经济"], "A"),
    row("填空", "以下哪项不属于四个自信？", answer="文化自信"),
    row("单选", "正常的题目？", ["甲", "乙"], "B"),
]


def test_warnings_are_listed_with_lines_and_block_until_confirmed(
    session, app, bank, english_messages
):
    data = xlsx_file(SUSPICIOUS)
    prepared = prepare(session, bank, data, "bank.xlsx")
    assert [(w.line) for w in prepared.warnings] == [2, 3, 4]
    messages = " ".join(w.message for w in prepared.warnings)
    assert "[object Object]" in messages
    assert "one of two identical options (A and B)" in messages
    assert "no options" in messages
    assert prepared.blocks(skip_invalid=False, confirm_warnings=False)

    blocked = store(session, app, bank, data, "bank.xlsx")
    assert (blocked.is_blocked, blocked.stored, count_questions(session, bank)) == (True, 0, 0)
    assert len(blocked.warnings) == 3

    confirmed = store(session, app, bank, data, "bank.xlsx", confirm_warnings=True)
    assert (confirmed.is_blocked, confirmed.stored) == (False, 4)


def test_other_option_problems_are_invalid_with_a_clear_message(english_messages):
    result = xlsx.parse(
        xlsx_file(
            [
                row("单选", "只有一个选项？", ["甲"], "A"),
                row("单选", "答案超出选项？", ["甲", "乙"], "D"),
                row("填空", "有____和____两个空。", answer="一"),
            ]
        )
    )
    assert [p.line for p in result.errors] == [2, 3, 4]
    assert "at least two options" in result.errors[0].message
    assert "A to B" in result.errors[1].message
    assert "semicolon ; or ；" in result.errors[2].message  # the hint names the separator


# Blank markers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mark", ["（）", "（ ）", "()", "( )", "（)", "(）", "＿＿", "___", "（\u3000）"]
)
def test_every_blank_marker_is_recognised(mark):
    assert content.count_blanks(f"<p>党的宗旨是{mark}，根本是{mark}。</p>") == 2


# GIFT --------------------------------------------------------------------------------------


def test_gift_answer_blocks_in_one_stem_become_blanks_never_visible_text():
    result = gift.parse("::Q:: 党的理论是{=全面的}、{=系统的 =系统}的。\n".encode())
    [question] = result.questions
    assert question.qtype == "fillin"
    assert question.answer == [["全面的"], ["系统的", "系统"]]
    assert "{" not in question.stem_html and "=" not in question.stem_html
    assert question.stem_html.count("_____") == 2


def test_gift_blocks_of_other_kinds_in_one_stem_are_refused(english_messages):
    result = gift.parse("党的理论是{~甲 =乙}、{=系统的}的。\n".encode())
    assert result.questions == []
    assert "several answer blocks" in result.errors[0].message


def test_gift_essay_is_imported(session, app, bank):
    report = store(session, app, bank, "::简答:: 谈谈你的学习体会。{}\n".encode(), "e.gift")
    assert (report.stored, report.skipped) == (1, [])
    [question] = session.scalars(select(Question).where(Question.bank_id == bank.id))
    assert question.qtype == QuestionType.ESSAY and current(session, question).answer is None


# CSV ---------------------------------------------------------------------------------------

CSV_ROWS = [
    {"题型": "单选", "题干": "1+1=?", "选项A": "1", "选项B": "2", "答案": "B"},
    {"题型": "判断", "题干": "党员有权参加党的会议。", "答案": "对"},
    {"题型": "计算题", "题干": "计算 2+2", "答案": "4"},
]


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.encode("gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "gb18030"],
)
def test_a_csv_bank_is_detected_by_content_and_imported(session, app, bank, encode):
    data = encode(csv_text(CSV_ROWS))
    assert importers.detect_format(data, filename="题库.txt") == "csv"
    report = store(session, app, bank, data, "题库.txt")
    assert (report.stored, report.errors) == (2, [])
    assert report.skipped == [{"name": "计算 2+2", "type": "计算题", "line": 4}]
    assert report.by_type["single"] == {"stored": 1}
    assert report.by_type["计算题"] == {"skipped": 1}


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"", "empty.gift"),
        (b"\n\n", "empty.txt"),
        (b"", "empty.csv"),
        ("// 只有注释\n".encode(), "c.gift"),
    ],
)
def test_an_empty_file_is_an_error_not_an_empty_bank(data, filename, english_messages):
    result = importers.parse(data, filename=filename)
    assert result.questions == []
    assert [p.line for p in result.errors] == [0]
    assert "empty" in result.errors[0].message


def test_a_file_of_only_unsupported_types_is_an_error(english_messages):
    result = importers.parse("::M:: 配对 {=a -> b =c -> d}\n".encode(), filename="m.gift")
    assert [s.qtype for s in result.skipped] == ["matching"]
    assert "no question of a type that can be imported" in result.errors[0].message


def test_unsupported_types_are_skipped_in_every_format(english_messages):
    sheet = xlsx.parse(
        xlsx_file([row("连线题", "连一连", answer="A-1"), row("判断", "对吗", answer="对")])
    )
    assert ([s.qtype for s in sheet.skipped], sheet.errors) == (["连线题"], [])
    text = gift.parse("::N:: 1+1? {#2}\n\n::T:: 天是蓝的 {T}\n".encode())
    assert ([s.qtype for s in text.skipped], text.errors) == (["numerical"], [])
    xml = moodle_xml.parse(
        b'<quiz><question type="numerical"><name><text>N</text></name>'
        b"<questiontext><text>1+1</text></questiontext></question></quiz>"
    )
    assert [s.qtype for s in xml.skipped] == ["numerical"]


def test_a_wrong_header_lists_the_expected_and_the_found_columns(english_messages):
    data = xlsx_file([{"序号": 1, "题目类型2": "单选"}], headers=["序号", "题目类型2", "正确答"])
    [problem] = xlsx.parse(data).errors
    assert "题型、题干" in problem.message and "序号、题目类型2、正确答" in problem.message
    aliases = xlsx_file(
        [{"序号": 1, "题目类型": "判断", "题干": "对吗", "正确答案": "对"}],
        headers=["序号", "题目类型", "题干", "正确答案"],
    )
    assert [q.answer for q in xlsx.parse(aliases).questions] == [True]
    letters = xlsx_file(
        [{"题型": "单选", "题目": "选哪个？", "A": "甲", "B": "乙", "正确答案": "B"}],
        headers=["题型", "题目", "A", "B", "正确答案"],
    )
    [choice] = xlsx.parse(letters).questions
    assert (choice.answer, [o.html for o in choice.options]) == ("B", ["甲", "乙"])


# Re-import as versions ---------------------------------------------------------------------

BANK_ROWS = [
    row("单选", "遵义会议是哪一年召开的？", ["1935年", "1936年"], "B", 解析="旧解析"),
    row("判断", "党员有权参加党的有关会议。", answer="对"),
    row("填空", "中国共产党是中国____的先锋队。", answer="工人阶级"),
]


def test_a_corrected_file_updates_the_question_as_a_new_version(session, app, bank, org: Org):
    first = store(session, app, bank, xlsx_file(BANK_ROWS), "bank.xlsx")
    assert first.stored == 3
    zunyi = session.scalars(select(Question).where(Question.qtype == QuestionType.SINGLE)).one()
    item = use_in_attempt(session, bank, zunyi, org.member.user_id)
    old_version_id = item.version_id

    fixed = [
        row("单选", "遵义会议是哪一年召开的？", ["1935年", "1936年"], "A", 解析="新解析"),
        *BANK_ROWS[1:],
    ]
    data = xlsx_file(fixed)
    preview = prepare(session, bank, data, "bank.xlsx")
    assert (len(preview.questions), len(preview.updates), preview.unchanged) == (0, 1, 2)
    assert preview.updates[0].replaces_id == zunyi.id
    assert set(preview.updates[0].changed) == {"answer", "explanation"}
    assert preview.by_type["single"] == {"updated": 1}

    report = store(session, app, bank, data, "bank.xlsx")
    assert (report.stored, report.updated, report.unchanged) == (0, 1, 2)
    assert count_questions(session, bank) == 3  # never a second question
    versions = versions_of(session, zunyi)
    assert [(v.number, v.answer) for v in versions] == [(1, "B"), (2, "A")]
    assert session.get_one(AttemptItem, item.id).version_id == old_version_id  # past attempt
    assert current(session, zunyi).explanation_html == "新解析"


def test_the_id_column_names_the_question_a_row_updates(session, app, bank):
    rows = [row("填空", "党的____是为人民服务。", answer="宗旨", ID="Q-7")]
    store(session, app, bank, xlsx_file(rows), "a.xlsx")
    question = session.scalars(select(Question).where(Question.bank_id == bank.id)).one()
    assert question.external_id == "Q-7"
    changed = [row("填空", "党的根本____是全心全意为人民服务。", answer="宗旨", ID="Q-7")]
    report = store(session, app, bank, xlsx_file(changed), "a.xlsx")
    assert (report.stored, report.updated) == (0, 1)
    assert "根本" in current(session, question).stem_html


def test_a_stem_matching_several_questions_asks_for_the_id_column(
    session, app, bank, english_messages
):
    for answer in ("一", "二"):
        bank_service.create_question(
            session,
            bank,
            QuestionFields(qtype=QuestionType.FILLIN, stem="第____个", answer=[[answer]]),
            by_user_id=None,
            now=NOW,
        )
    prepared = prepare(session, bank, xlsx_file([row("填空", "第____个", answer="三")]), "x.xlsx")
    assert len(prepared.errors) == 1 and "ID column" in prepared.errors[0].message


def test_cli_json_reports_each_count_separately(app, session, org: Org, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "bank.xlsx"
    path.write_bytes(xlsx_file([*BANK_ROWS, row("连线题", "连一连", answer="x")]))
    args = ["import-questions", str(path), "--bank", "新题库", "--committee", "题库党委", "--json"]
    first = json.loads(runner.invoke(args=args).stdout)
    assert (first["stored"], first["updated"], first["unchanged"]) == (3, 0, 0)
    assert (len(first["skipped"]), first["invalid"]) == (1, 0)
    path.write_bytes(
        xlsx_file([row("判断", "党员有权参加党的有关会议。", answer="错"), *BANK_ROWS[::2]])
    )
    again = json.loads(runner.invoke(args=args).stdout)
    assert (again["stored"], again["updated"], again["unchanged"], again["invalid"]) == (0, 1, 2, 0)
    assert again["by_type"]["truefalse"] == {"updated": 1}

    path.write_bytes(xlsx_file(SUSPICIOUS[:1]))
    blocked = runner.invoke(args=args)
    assert blocked.exit_code == 1 and json.loads(blocked.stdout)["warnings"][0]["line"] == 2
    accepted = runner.invoke(args=[*args, "--accept-warnings"])
    assert accepted.exit_code == 0 and json.loads(accepted.stdout)["stored"] == 1


# Essays --------------------------------------------------------------------------------------


def test_essay_rows_with_a_model_answer_and_a_rubric(session, app, bank):
    data = xlsx_file(
        [row("简答", "简述两项党员义务。", answer="学习；执行", 评分标准="第一项:2;第二项:3")]
    )
    report = store(session, app, bank, data, "e.xlsx")
    assert report.stored == 1
    question = session.scalars(select(Question).where(Question.bank_id == bank.id)).one()
    version = current(session, question)
    assert question.qtype == QuestionType.ESSAY and version.answer is None
    assert version.model_answer_html == "学习；执行"
    assert version.rubric == [
        {"criterion": "第一项", "points": 2},
        {"criterion": "第二项", "points": 3},
    ]


def test_a_moodle_essay_keeps_its_grader_information_as_model_answer():
    result = moodle_xml.parse(
        b'<quiz><question type="essay"><name><text>E</text></name>'
        b"<questiontext><text>Why?</text></questiontext>"
        b'<graderinfo format="html"><text>Because.</text></graderinfo></question></quiz>'
    )
    [essay] = result.questions
    assert (essay.qtype, essay.model_answer_html) == ("essay", "Because.")


def test_an_essay_rubric_needs_points(session, bank, english_messages):
    fields = QuestionFields(
        qtype=QuestionType.ESSAY, stem="谈体会", answer=None, rubric=[{"criterion": "要点"}]
    )
    with pytest.raises(Exception, match="needs points"):
        bank_service.create_question(session, bank, fields, by_user_id=None, now=NOW)


# Fair matching -------------------------------------------------------------------------------

RULES = ALL_MATCH_RULES


@pytest.mark.parametrize(
    ("accepted", "typed"),
    [
        ("遵义会议", "遵义会议。"),
        ("民族、民主", "民族，民主"),
        ("民族、民主", "民族;民主"),
        ("《共产党宣言》", "共产党宣言"),
        ("“两个确立”", "两个确立"),
        ("遵义会议", "遵义 会议"),
    ],
)
def test_fair_matching_accepts_what_a_person_would(accepted, typed):
    assert grading.blank_matches([accepted], typed, RULES)
    assert not grading.blank_matches([accepted], typed)  # exact without the rules


def test_each_rule_can_be_turned_off():
    assert not grading.blank_matches(["遵义会议"], "遵义会议。", ["spaces", "quotes"])
    assert grading.blank_matches(["New York"], "new york", RULES)
    assert not grading.blank_matches(["New York"], "NewYork", RULES)  # Latin spaces count


def test_new_banks_default_to_every_rule_and_questions_take_the_default(session, bank):
    assert bank.match_rules == RULES
    question = bank_service.create_question(
        session,
        bank,
        QuestionFields(qtype=QuestionType.FILLIN, stem="党的____", answer=[["宗旨"]]),
        by_user_id=None,
        now=NOW,
    )
    assert current(session, question).match_rules == RULES
    bank_service.update_bank(session, bank, name=bank.name, match_rules=["quotes"])
    other = bank_service.create_question(
        session,
        bank,
        QuestionFields(qtype=QuestionType.FILLIN, stem="党的____二", answer=[["宗旨"]]),
        by_user_id=None,
        now=NOW,
    )
    assert current(session, other).match_rules == ["quotes"]
    assert current(session, question).match_rules == RULES  # existing ones keep theirs


# The page ------------------------------------------------------------------------------------


@pytest.fixture
def staff(org: Org, login, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return login(org.staff.user)


def test_the_editor_shows_the_matching_rules_and_the_essay_fields(bank, staff):
    page = staff.get(f"/quizzes/banks/{bank.id}/questions/new?qtype=fillin").get_data(as_text=True)
    for rule in RULES:
        assert re.search(rf'<input[^>]*checked[^>]*value="{rule}"|value="{rule}"[^>]*checked', page)
    assert 'name="model_answer"' in page and 'name="rubric"' in page


def test_the_preview_shows_warnings_and_counts_by_type(bank, staff):
    data = {
        "file_format": "auto",
        "category": "",
        "file": (io.BytesIO(xlsx_file(SUSPICIOUS)), "bank.xlsx"),
    }
    page = staff.post(
        f"/quizzes/banks/{bank.id}/import", data=data, content_type="multipart/form-data"
    ).get_data(as_text=True)
    warnings = page.split('id="import-warnings"')[1].split("</table>")[0]
    assert re.findall(r"<tr><td>(\d+)</td>", warnings) == ["2", "3", "4"]
    assert 'data-qtype="single"' in page and 'name="confirm_warnings"' in page


def test_a_too_large_upload_keeps_the_form_and_states_the_limit(app, bank, staff):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    data = {
        "file_format": "gift",
        "category": "党史/导入",
        "file": (io.BytesIO(b"x" * 3000), "big.gift"),
    }
    response = staff.post(
        f"/quizzes/banks/{bank.id}/import", data=data, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert 'value="党史/导入"' in page  # the other fields are kept
    assert "larger than 0.00195312 MB" in page


def test_the_import_page_states_the_size_limit(app, bank, staff):
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    page = staff.get(f"/quizzes/banks/{bank.id}/import").get_data(as_text=True)
    assert "Files up to 16 MB" in page


def test_two_rows_cannot_change_one_question(session, app, bank, english_messages):
    store(session, app, bank, xlsx_file(BANK_ROWS[2:]), "a.xlsx")
    rows = [
        row("填空", "中国共产党是中国____的先锋队。", answer="工人阶级|无产阶级"),
        row("填空", "中国共产党是中国____的先锋队。", answer="无产阶级"),
    ]
    prepared = prepare(session, bank, xlsx_file(rows), "b.xlsx")
    assert len(prepared.updates) == 1
    assert [p.line for p in prepared.errors] == [3]
    assert "Line 2 already matches" in prepared.errors[0].message


def test_staff_write_an_essay_and_choose_the_matching_rules(session, bank, staff):
    response = staff.post(
        f"/quizzes/banks/{bank.id}/questions/new",
        data={
            "qtype": "essay",
            "text_format": "markdown",
            "stem": "谈谈你的学习体会。",
            "model_answer": "联系实际。",
            "rubric": "联系实际:3\n条理清楚：2分",
            "category_id": "0",
            "difficulty": "0",
        },
    )
    assert response.status_code == 302
    essay = session.scalars(select(Question).where(Question.qtype == QuestionType.ESSAY)).one()
    version = current(session, essay)
    assert version.rubric == [
        {"criterion": "联系实际", "points": 3},
        {"criterion": "条理清楚", "points": 2},
    ]
    assert version.model_answer_html == "<p>联系实际。</p>"
    preview = staff.get(f"/quizzes/questions/{essay.id}").get_data(as_text=True)
    assert "联系实际: 3" in preview and "<textarea" in preview

    staff.post(
        f"/quizzes/banks/{bank.id}/questions/new",
        data={
            "qtype": "fillin",
            "text_format": "markdown",
            "stem": "党的____",
            "fillin_answer": "宗旨",
            "match_rules": ["quotes"],
            "category_id": "0",
            "difficulty": "0",
        },
    )
    fillin = session.scalars(select(Question).where(Question.qtype == QuestionType.FILLIN)).one()
    assert current(session, fillin).match_rules == ["quotes"]

    staff.post(
        f"/quizzes/banks/{bank.id}/edit",
        data={"name": bank.name, "match_rules": ["spaces"], "match_rules_shown": "1"},
    )
    session.refresh(bank)
    assert bank.match_rules == ["spaces"]
    staff.post(f"/quizzes/banks/{bank.id}/edit", data={"name": "改名"})  # another form
    session.refresh(bank)
    assert bank.match_rules == ["spaces"]


def test_a_re_import_keeps_the_question_s_own_matching_rules(session, app, bank):
    store(session, app, bank, xlsx_file(BANK_ROWS[2:]), "a.xlsx")
    question = session.scalars(select(Question).where(Question.bank_id == bank.id)).one()
    current(session, question).match_rules = ["quotes"]
    session.flush()
    changed = [row("填空", "中国共产党是中国____的先锋队。", answer="工人阶级|无产阶级")]
    report = store(session, app, bank, xlsx_file(changed), "a.xlsx")
    assert report.updated == 1
    version = current(session, question)
    assert (version.answer, version.match_rules) == ([["工人阶级", "无产阶级"]], ["quotes"])


def test_confirming_without_ticking_the_warnings_keeps_the_file(session, bank, staff):
    data = {
        "file_format": "auto",
        "category": "",
        "file": (io.BytesIO(xlsx_file(SUSPICIOUS)), "b.xlsx"),
    }
    page = staff.post(
        f"/quizzes/banks/{bank.id}/import", data=data, content_type="multipart/form-data"
    ).get_data(as_text=True)
    form = page.split('id="import-preview"')[1].split("</form>")[0]
    values = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form))
    values.pop("confirm_warnings", None)
    again = staff.post(f"/quizzes/banks/{bank.id}/import", data=values)
    assert again.status_code == 422
    assert "Tick the box" in again.get_data(as_text=True)
    assert count_questions(session, bank) == 0
    done = staff.post(f"/quizzes/banks/{bank.id}/import", data=values | {"confirm_warnings": "y"})
    assert "The import is done." in done.get_data(as_text=True)
    assert count_questions(session, bank) == 4
