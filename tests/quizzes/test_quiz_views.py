"""Staff quiz pages: create and edit (local times), questions and random rules, publish with
the checks, assign to units; only the committee's staff."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from studyhub.core.clock import as_utc
from studyhub.quizzes.models import (
    GradingMethod,
    QuestionType,
    Quiz,
    QuizAssignment,
    QuizMode,
    QuizSlot,
    ReviewTiming,
)
from studyhub.quizzes.services import bank as banks
from tests.quizzes.attempt_helpers import make_quiz, numbered, start

pytestmark = pytest.mark.usefixtures("in_english")

FORM = {
    "title": "  第四季度  党章知识测试 ",
    "mode": "exam",
    "instructions": "闭卷作答。",
    "time_limit_minutes": "30",
    "opens_at": "2026-12-01T09:00",
    "closes_at": "2026-12-07T18:00",
    "attempts_allowed": "2",
    "grading_method": "last",
    "pass_percent": "80",
    "shuffle_questions": "y",
    "multiple_partial_credit": "y",
    "review_score": "immediately",
    "review_correctness": "after_close",
    "review_answers": "after_close",
    "review_explanations": "never",
}


def quizzes_of(session, committee):
    return session.scalars(select(Quiz).where(Quiz.committee_id == committee.id)).all()


def test_staff_create_a_quiz_with_local_times(client, login, session, world):
    login(world.staff.user)
    response = client.post(f"/quizzes/committees/{world.committee.id}/quizzes/new", data=FORM)
    assert response.status_code == 302
    (quiz,) = quizzes_of(session, world.committee)
    assert response.headers["Location"].endswith(f"/quizzes/{quiz.id}/manage")
    assert quiz.title == "第四季度 党章知识测试" and quiz.mode == QuizMode.EXAM
    assert quiz.time_limit_seconds == 1800
    # 09:00 in Shanghai is 01:00 UTC.
    assert as_utc(quiz.opens_at) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert as_utc(quiz.closes_at) == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert (quiz.attempts_allowed, quiz.grading_method, quiz.pass_percent) == (
        2,
        GradingMethod.LAST,
        Decimal(80),
    )
    assert quiz.shuffle_questions and not quiz.shuffle_options and quiz.multiple_partial_credit
    assert quiz.review_explanations == ReviewTiming.NEVER and quiz.published_at is None
    # The edit form shows the local times again.
    page = client.get(f"/quizzes/{quiz.id}/edit").get_data(as_text=True)
    assert 'value="2026-12-01T09:00"' in page and 'value="2026-12-07T18:00"' in page
    assert client.get(f"/quizzes/committees/{world.committee.id}/quizzes").status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"closes_at": "2026-11-30T09:00"}, "The quiz must close after it opens."),
        ({"title": ""}, "Enter a title."),
        ({"pass_percent": "120"}, "A percentage from 0 to 100."),
        ({"time_limit_minutes": "0"}, "Number must be between 1 and 1440."),
    ],
)
def test_bad_settings_are_refused_with_a_message(client, login, session, world, change, message):
    login(world.staff.user)
    response = client.post(
        f"/quizzes/committees/{world.committee.id}/quizzes/new", data=FORM | change
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert not quizzes_of(session, world.committee)


def test_edit_settings(client, login, session, world):
    quiz = make_quiz(session, world, publish=False)
    login(world.staff.user)
    form = FORM | {"title": "改过的标题", "attempts_allowed": "", "time_limit_minutes": ""}
    assert client.post(f"/quizzes/{quiz.id}/edit", data=form).status_code == 302
    session.refresh(quiz)
    assert quiz.title == "改过的标题" and quiz.attempts_allowed is None
    assert quiz.time_limit_seconds is None


def test_questions_rules_publish_and_assign(client, login, session, world):
    quiz = make_quiz(session, world, publish=False, questions=[])
    history = banks.ensure_category(session, world.bank, "党史")
    for n in range(3):
        numbered(session, world.bank, 100 + n, category=history)
    session.commit()
    login(world.staff.user)
    base = f"/quizzes/{quiz.id}"
    page = client.get(f"{base}/manage").get_data(as_text=True)
    assert "Add at least one question or random rule." in page
    assert f'value="{world.bank.id}:{history.id}"' in page  # the rule's category choice

    ids = f"{world.questions['single'].id}，{world.questions['fillin'].id} 99999"
    response = client.post(f"{base}/slots/questions", data={"question_ids": ids, "points": "2"})
    assert response.status_code == 302
    assert session.scalar(select(func.count(QuizSlot.id)).where(QuizSlot.quiz_id == quiz.id)) == 0
    ids = f"{world.questions['single'].id}, {world.questions['fillin'].id}"
    client.post(f"{base}/slots/questions", data={"question_ids": ids, "points": "2"})
    rule = {
        "source": f"{world.bank.id}:{history.id}",
        "include_subcategories": "y",
        "qtype": "single",
        "count": "4",
        "points": "1.5",
    }
    client.post(f"{base}/slots/rule", data=rule)
    session.refresh(quiz)
    assert [(s.position, s.question_id, s.points) for s in quiz.slots[:2]] == [
        (1, world.questions["single"].id, 2),
        (2, world.questions["fillin"].id, 2),
    ]
    rule_slot = quiz.slots[2]
    assert (rule_slot.category_id, rule_slot.qtype, rule_slot.count) == (
        history.id,
        QuestionType.SINGLE,
        4,
    )
    page = client.get(f"{base}/manage").get_data(as_text=True)
    assert "Number 3 asks for 4 questions but only 3 can be drawn" in page
    response = client.post(f"{base}/publish", follow_redirects=True)
    assert "only 3 can be drawn" in response.get_data(as_text=True)
    session.refresh(quiz)
    assert quiz.published_at is None

    client.post(f"{base}/slots/{rule_slot.id}/remove")
    rule["count"] = "3"
    client.post(f"{base}/slots/rule", data=rule)
    response = client.post(f"{base}/publish", follow_redirects=True)
    assert "The quiz is published" in response.get_data(as_text=True)
    session.refresh(quiz)
    assert quiz.published_at is not None and [s.position for s in quiz.slots] == [1, 2, 3]

    client.post(f"{base}/assign", data={"unit_id": world.general.id})
    client.post(f"{base}/assign", data={"unit_id": world.general.id})
    assignments = session.scalars(
        select(QuizAssignment.unit_id).where(QuizAssignment.quiz_id == quiz.id)
    ).all()
    assert assignments == [world.general.id]
    page = client.get(f"{base}/manage").get_data(as_text=True)
    assert "机关党总支" in page and "5 questions, 8.5 points" in page
    client.post(f"{base}/assignments/{world.general.id}/remove")
    assert not session.scalars(
        select(QuizAssignment).where(QuizAssignment.quiz_id == quiz.id)
    ).all()


def test_another_committees_unit_cannot_be_chosen(client, login, session, world):
    quiz = make_quiz(session, world, publish=False)
    login(world.staff.user)
    client.post(f"/quizzes/{quiz.id}/assign", data={"unit_id": world.stranger.branch_id})
    assert not session.scalars(
        select(QuizAssignment).where(QuizAssignment.quiz_id == quiz.id)
    ).all()


def test_questions_are_locked_once_members_started(client, login, session, world):
    quiz = make_quiz(session, world)
    start(session, quiz, world.member)
    session.commit()
    login(world.staff.user)
    page = client.get(f"/quizzes/{quiz.id}/manage").get_data(as_text=True)
    assert "its questions can no longer change" in page and "Add a random rule" not in page
    slot = quiz.slots[0]
    response = client.post(f"/quizzes/{quiz.id}/slots/{slot.id}/remove", follow_redirects=True)
    assert "can no longer change" in response.get_data(as_text=True)
    assert session.get(QuizSlot, slot.id) is not None


@pytest.mark.parametrize("who", ["member", "stranger_staff"])
def test_only_the_committees_staff_manage_quizzes(client, login, session, world, who):
    quiz = make_quiz(session, world, publish=False)
    login(getattr(world, who).user)
    for url in (
        f"/quizzes/committees/{world.committee.id}/quizzes",
        f"/quizzes/committees/{world.committee.id}/quizzes/new",
        f"/quizzes/{quiz.id}/manage",
        f"/quizzes/{quiz.id}/edit",
    ):
        assert client.get(url).status_code == 403, url
    for url in ("publish", "slots/rule", "assign"):
        assert client.post(f"/quizzes/{quiz.id}/{url}").status_code == 403, url
    assert (
        client.post(f"/quizzes/committees/{world.committee.id}/quizzes/new", data=FORM).status_code
        == 403
    )
    session.refresh(quiz)
    assert quiz.published_at is None and len(quizzes_of(session, world.committee)) == 1


def test_staff_start_page_goes_to_their_committee(client, login, session, world):
    login(world.staff.user)
    response = client.get("/quizzes/manage/")
    assert response.headers["Location"].endswith(
        f"/quizzes/committees/{world.committee.id}/quizzes"
    )
    login(world.member.user)
    assert client.get("/quizzes/manage/").status_code == 403
