"""Export to the XLSX template and import again: the same questions. And a bulk import of the
XXQG bank (9,370 questions) through the service, timed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from studyhub.quizzes import importers
from studyhub.quizzes.cli import media_url
from studyhub.quizzes.importers.common import plain_to_html
from studyhub.quizzes.importers.model import KEYS, ParsedOption, ParsedQuestion
from studyhub.quizzes.importers.xlsx import write_questions
from studyhub.quizzes.models import Bank, Category, Question, QuestionTag, QuestionVersion
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.services import imports
from studyhub.web.storage import LocalStorage
from tests.conftest import NOW, shared_data
from tests.quizzes.bank_helpers import (
    Org,
    add,
    count_questions,
    fillin,
    multiple,
    single,
    truefalse,
)


def snapshot(session, bank: Bank) -> set[tuple]:
    """Everything that makes a bank's live questions what they are, comparable across banks."""
    labels = {node.id: node.label for node in bank_service.category_tree(session, bank)}
    tags: dict[int, list[str]] = {}
    for question_id, name in session.execute(
        select(QuestionTag.question_id, QuestionTag.name)
        .join(Question, Question.id == QuestionTag.question_id)
        .where(Question.bank_id == bank.id)
    ).all():
        tags.setdefault(question_id, []).append(name)
    rows = session.execute(
        select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank.id, Question.is_retired.is_(False))
    ).all()
    return {
        (
            question.qtype,
            question.title,
            question.difficulty,
            labels.get(question.category_id),
            tuple(sorted(tags.get(question.id, []))),
            question.fingerprint,
            version.stem_html,
            json.dumps(version.options, ensure_ascii=False),
            json.dumps(version.answer, ensure_ascii=False),
            version.explanation_html,
        )
        for question, version in rows
    }


def import_xlsx(session, app, bank: Bank, data: bytes, **kwargs):
    result = importers.parse(data, filename="export.xlsx", file_format="xlsx")
    return imports.import_parse_result(
        session,
        bank,
        result,
        category_path=kwargs.get("category_path"),
        skip_invalid=False,
        now=NOW,
        media_storage=LocalStorage(Path(app.instance_path) / "uploads"),
        media_url=media_url,
        confirm_warnings=kwargs.get("confirm_warnings", False),
    )


@pytest.fixture
def full_bank(session, bank):
    zunyi = bank_service.ensure_category(session, bank, "党史/遵义会议")
    rules = bank_service.ensure_category(session, bank, "党章")
    add(
        session,
        bank,
        single(
            "**遵义会议**是哪一年召开的？",
            options=["1934年", "*1935*年", "=1+1"],
            explanation="1935年1月，贵州遵义。",
            category_id=zunyi.id,
            difficulty=2,
            tags=["党史", "遵义会议"],
            title="遵义会议",
        ),
    )
    add(session, bank, multiple(category_id=rules.id, tags=["四个意识"]))
    add(session, bank, truefalse("A & B < C，\u00a0\u00a0\u00a0正确吗？", text_format="html"))
    add(
        session,
        bank,
        fillin(
            "（ ）是党的根本组织原则，党的最高理想是____。",
            answer=[["民主集中制"], ["共产主义", "实现共产主义"]],
            category_id=rules.id,
        ),
    )
    add(session, bank, fillin("最好的动物是什么？", answer=[["Frog", "青蛙"]]))
    add(
        session,
        bank,
        truefalse(
            '<p>看图<img src="/quizzes/media/1/abc.png" alt="图"></p>\n<p>第二段</p>',
            text_format="html",
            answer=False,
        ),
    )
    retired = add(session, bank, truefalse("这道题已停用。"))
    bank_service.set_retired(session, retired, is_retired=True, now=NOW)
    return bank


def test_export_then_import_into_an_empty_bank_gives_the_same_questions(
    session, app, org: Org, full_bank
):
    data = imports.export_questions(session, full_bank)
    empty = bank_service.create_bank(session, org.committee, name="空题库", now=NOW)
    report = import_xlsx(session, app, empty, data)
    assert (report.stored, report.duplicates, report.errors, report.skipped) == (6, 0, [], [])
    before, after = snapshot(session, full_bank), snapshot(session, empty)
    assert len(before) == 6
    assert after == before
    # and into the same bank: every one is a duplicate
    again = import_xlsx(session, app, full_bank, data)
    assert (again.stored, again.duplicates) == (0, 6)


def test_a_category_exports_its_subtree_only(session, app, org: Org, full_bank):
    history = session.scalars(
        select(Category).where(Category.bank_id == full_bank.id, Category.name == "党史")
    ).one()
    data = imports.export_questions(session, full_bank, category=history)
    empty = bank_service.create_bank(session, org.committee, name="空题库", now=NOW)
    report = import_xlsx(session, app, empty, data)
    assert report.stored == 1
    (only,) = snapshot(session, empty)
    assert only[1] == "遵义会议" and only[3] == "党史/遵义会议"


def xxqg_questions(path: Path) -> list[ParsedQuestion]:
    """The XXQG bank (``question|option|option…`` → right option) as single choices."""
    bank = json.loads(path.read_text(encoding="utf-8"))
    questions = []
    for key, right in bank.items():
        stem, *options = key.split("|")
        questions.append(
            ParsedQuestion(
                qtype="single",
                stem_html=plain_to_html(stem),
                options=[ParsedOption(KEYS[i], plain_to_html(o)) for i, o in enumerate(options)],
                answer=KEYS[options.index(right)],
                category_path=["学习强国"],
            )
        )
    return questions


def test_the_xxqg_bank_imports_in_bulk(session, app, bank, capsys):
    path = shared_data("xxqg/tiku_sorted.json")
    questions = xxqg_questions(path)
    assert len(questions) == 9370
    data = write_questions(questions)  # the XLSX template, as staff would fill it
    started = time.perf_counter()
    result = importers.parse(data, filename="xxqg.xlsx", file_format="xlsx")
    parsed = time.perf_counter()
    report = import_xlsx(session, app, bank, data, confirm_warnings=True)
    stored = time.perf_counter()
    assert result.errors == [] and len(result.questions) == 9370
    assert (report.stored, report.duplicates, report.errors) == (9370, 0, [])
    # a real bank has a few questions that look wrong; they are listed (and confirmed here)
    print(f"xxqg warnings: {len(report.warnings)}")
    assert len(report.warnings) < 200
    assert count_questions(session, bank) == 9370
    options = session.scalars(
        select(QuestionVersion.options)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(Question.bank_id == bank.id)
    ).all()
    assert sorted({len(o) for o in options}) == [2, 3, 4]
    with capsys.disabled():
        print(
            f"\nXXQG bulk import ({session.bind.dialect.name}): parse {parsed - started:.1f} s, "
            f"check and store {stored - parsed:.1f} s for 9,370 questions"
        )
    assert stored - parsed < 60
