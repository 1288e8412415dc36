"""Publishing a quiz, changing a published one and importing questions are recorded."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from studyhub.quizzes import importers
from studyhub.quizzes.cli import media_url
from studyhub.quizzes.models import QuestionType
from studyhub.quizzes.services import bank as banks
from studyhub.quizzes.services import daily, imports, quizzes
from tests.audit_helpers import assert_in, entries, one_entry
from tests.conftest import NOW
from tests.quizzes.attempt_helpers import make_quiz, numbered
from tests.quizzes.test_import_service import media_storage

AIKEN = """党的最高理想是什么？
A. 共产主义
B. 小康社会
ANSWER: A
"""


def test_publishing_and_unpublishing_are_recorded_at_the_committee(session, world):
    quiz = make_quiz(session, world, publish=False)
    quizzes.publish_quiz(session, quiz, actor_id=world.staff.user_id, now=NOW)
    quizzes.publish_quiz(session, quiz, actor_id=world.staff.user_id, now=NOW)  # no change
    published = one_entry(session, "quiz.published")
    assert (published.actor_id, published.object_type, published.object_id) == (
        world.staff.user_id,
        "quiz",
        quiz.id,
    )
    assert_in(published, world.committee)
    assert published.changes == {"published": [False, True]}
    assert published.details["questions"] == 4
    quizzes.unpublish_quiz(session, quiz, actor_id=world.staff.user_id, now=NOW)
    assert one_entry(session, "quiz.unpublished").changes == {"published": [True, False]}


def test_changes_to_a_published_quiz_are_recorded_and_a_draft_s_are_not(session, world):
    draft = make_quiz(session, world, publish=False)
    quizzes.update_quiz(
        session,
        draft,
        replace(quizzes.fields_of(draft), pass_percent=Decimal(80)),
        actor_id=world.staff.user_id,
        now=NOW,
    )
    assert entries(session, "quiz.changed") == []

    quiz = make_quiz(session, world, publish=True)
    quizzes.update_quiz(
        session,
        quiz,
        replace(quizzes.fields_of(quiz), pass_percent=Decimal(75), title="新标题"),
        actor_id=world.staff.user_id,
        now=NOW,
    )
    assigned, changed = entries(session, "quiz.changed")  # make_quiz assigned it once published
    assert assigned.details == {"assigned_to": world.branch.name}
    assert changed.actor_id == world.staff.user_id
    assert changed.changes["pass_percent"] == ["60.00", "75"]
    assert changed.changes["title"][1] == "新标题"
    assert_in(changed, world.committee)

    quizzes.add_question_slot(
        session,
        quiz,
        question_id=numbered(session, world.bank, 1).id,
        points=Decimal(2),
        actor_id=world.staff.user_id,
        now=NOW,
    )
    quizzes.remove_slot(session, quiz, quiz.slots[0].id, actor_id=world.staff.user_id, now=NOW)
    quizzes.unassign_quiz(session, quiz, world.branch.id, actor_id=world.staff.user_id, now=NOW)
    details = [e.details for e in entries(session, "quiz.changed")[2:]]
    assert [sorted(d) for d in details] == [
        ["added_question", "points"],
        ["removed_slot"],
        ["unassigned_from"],
    ]


def test_a_question_import_is_recorded_with_the_file_and_counts(session, app, world):
    result = importers.parse(AIKEN.encode(), filename="题库.txt", file_format="aiken")
    imports.import_parse_result(
        session,
        world.bank,
        result,
        category_path=None,
        skip_invalid=False,
        now=NOW,
        media_storage=media_storage(app),
        media_url=media_url,
        by_user_id=world.staff.user_id,
        file_name="题库.txt",
    )
    entry = one_entry(session, "questions.imported")
    assert entry.actor_id == world.staff.user_id
    assert (entry.object_type, entry.object_id) == ("bank", world.bank.id)
    assert_in(entry, world.committee)
    assert entry.details == {
        "file": "题库.txt",
        "stored": 1,
        "duplicates": 0,
        "updated": 0,
        "unchanged": 0,
        "warnings": 0,
        "skipped": 0,
        "errors": 0,
    }


def test_daily_quiz_settings_record_what_changed(session, world):
    quiz = daily.ensure_daily_quiz(session, world.committee, now=NOW)
    current = daily.settings_of(session, quiz)
    daily.configure_daily(
        session,
        quiz,
        replace(current, question_count=7, points=current.points + 1),
        actor_id=world.staff.user_id,
        now=NOW,
    )
    entry = one_entry(session, "daily_quiz_settings.changed")
    assert entry.actor_id == world.staff.user_id
    assert_in(entry, world.committee)
    assert entry.changes == {
        "points": [current.points, current.points + 1],
        "question_count": [current.question_count, 7],
    }


def _edited(question, n: int, **changes) -> banks.QuestionFields:
    """``numbered(…, n)``'s fields with ``changes``."""
    values = {
        "qtype": QuestionType.SINGLE,
        "stem": f"第{n}题：下列哪一项正确？",
        "options": [f"甲{n}", f"乙{n}", f"丙{n}", f"丁{n}"],
        "answer": "B",
        "category_id": question.category_id,
    }
    values.update(changes)
    return banks.QuestionFields(**values)


def test_editing_a_question_a_published_quiz_gives_is_recorded(session, world):
    fixed = numbered(session, world.bank, 101)
    history = banks.create_category(session, world.bank, name="党史")
    early = banks.create_category(session, world.bank, name="建党初期", parent=history)
    drawn = numbered(session, world.bank, 102, category=early)
    loose = numbered(session, world.bank, 103)
    make_quiz(session, world, questions=[loose], publish=False)  # a draft gives nothing yet
    quiz = make_quiz(
        session,
        world,
        questions=[fixed],
        rules=[{"category_id": history.id, "qtype": QuestionType.SINGLE}],
    )

    banks.update_question(
        session, loose, _edited(loose, 103, answer="C"), by_user_id=world.staff.user_id, now=NOW
    )
    assert entries(session, "question.changed") == []

    banks.update_question(
        session,
        fixed,
        _edited(fixed, 101, answer="C", title="改过的题"),
        by_user_id=world.staff.user_id,
        now=NOW,
    )
    # A question the rule may draw (a subcategory of the rule's) is the quiz's too.
    banks.update_question(
        session,
        drawn,
        _edited(drawn, 102, stem="新的题干"),
        by_user_id=world.staff.user_id,
        now=NOW,
    )
    banks.set_retired(session, drawn, is_retired=True, now=NOW, actor_id=world.staff.user_id)
    banks.set_retired(session, loose, is_retired=True, now=NOW, actor_id=world.staff.user_id)
    answer, stem, retired = entries(session, "question.changed")
    assert (answer.actor_id, answer.object_type, answer.object_id) == (
        world.staff.user_id,
        "question",
        fixed.id,
    )
    assert_in(answer, world.committee)
    assert answer.changes == {"answer": ["B", "C"], "title": [None, "改过的题"]}
    assert answer.details == {
        "bank": world.bank.name,
        "quizzes": [quiz.title],
        "quiz_ids": [quiz.id],
    }
    assert stem.object_id == drawn.id
    assert stem.changes["stem"][1] == "<p>新的题干</p>"
    assert retired.changes == {"is_retired": [False, True]}


def test_a_question_export_is_recorded(session, world, login):
    numbered(session, world.bank, 1)
    session.commit()
    response = login(world.staff.user).get(f"/quizzes/banks/{world.bank.id}/export")
    assert response.status_code == 200
    entry = one_entry(session, "export.downloaded")
    assert entry.actor_id == world.staff.user_id
    assert_in(entry, world.committee)
    assert entry.details == {
        "export": "questions",
        "file": f"{world.bank.name}.xlsx",
        "bank": world.bank.name,
        "category": None,
    }
