"""Daily quiz pages, the mistake book's pages and the home panel."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.org.models import Role
from studyhub.points import services as points
from studyhub.points.models import PointEntry
from studyhub.quizzes.models import Attempt, AttemptItem, MistakeCard, MistakeReview
from studyhub.quizzes.services import daily, mistakes
from studyhub.readings.services import tracking
from tests.quizzes.stats_helpers import make_bank, many, single
from tests.readings.tracking_helpers import make_reading


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def org(session, make):
    committee = make.committee()
    branch = make.branch(committee)
    bank = make_bank(session, committee)
    questions = many(session, bank, 8)  # the right answer is always "B"
    return {
        "committee": committee,
        "branch": branch,
        "bank": bank,
        "questions": questions,
        "member": make.member(branch, name="王芳"),
        "staff": make.member(branch, name="干事", role=Role.STAFF, role_unit=committee),
    }


def _attempt(session, member):
    return session.scalars(select(Attempt).where(Attempt.user_id == member.user_id)).one()


def _explanations(html: str) -> list[str]:
    return re.findall(r"第\d+题的解析", html)


def test_a_member_does_the_daily_quiz(client, login, session, org):
    member = org["member"]
    login(member.user)

    page = client.get("/quizzes/daily")
    assert page.status_code == 200 and "Start today" in page.text

    started = client.post("/quizzes/daily/start")
    attempt = _attempt(session, member)
    assert started.status_code == 302
    assert started.location.endswith(f"/quizzes/daily/{attempt.id}/1")

    first = client.get(f"/quizzes/daily/{attempt.id}/1")
    assert "Question 1 of 5" in first.text
    assert "Check" in first.text and "data-one-tap" in first.text  # single choice: one tap
    assert _explanations(first.text) == []  # nothing of the answer before it is given
    assert "is-right" not in first.text

    for position in range(1, 6):
        answer = "B" if position != 2 else "A"
        done = client.post(f"/quizzes/daily/{attempt.id}/{position}", data={"response": answer})
        assert done.status_code == 302
        if answer == "A":  # wrong: it stays, with the right answer and the explanation
            assert done.location.endswith(f"/quizzes/daily/{attempt.id}/{position}")
            shown = client.get(done.location)
            assert "Wrong" in shown.text and 'id="next"' in shown.text
            assert len(_explanations(shown.text)) == 1
        elif position < 5:  # right: straight on, the verdict and explanation folded above
            assert done.location.endswith(
                f"/quizzes/daily/{attempt.id}/{position + 1}?after={position}"
            )
            shown = client.get(done.location)
            assert 'id="previous-answer"' in shown.text and "Right" in shown.text
            assert len(_explanations(shown.text)) == 1
            assert f"Question {position + 1} of 5" in shown.text
        else:  # the last one right: today's result
            assert done.location.endswith("/quizzes/daily")

    result = client.get("/quizzes/daily")
    assert "4 of 5 right" in result.text
    assert "Points today: 4" in result.text
    assert "Quiz days in a row: 1" in result.text
    assert len(_explanations(result.text)) == 5
    assert (
        session.scalar(
            select(func.sum(PointEntry.points)).where(PointEntry.kind == points.DAILY_QUIZ)
        )
        == 4
    )

    # A second start the same day goes back to the result; no new attempt.
    again = client.post("/quizzes/daily/start")
    assert again.location.endswith("/quizzes/daily")
    assert session.scalar(select(func.count(Attempt.id))) == 1


def test_an_empty_answer_is_refused_with_a_message(client, login, session, org):
    login(org["member"].user)
    client.post("/quizzes/daily/start")
    attempt = _attempt(session, org["member"])

    response = client.post(f"/quizzes/daily/{attempt.id}/1", data={}, follow_redirects=True)

    assert "Choose or write an answer first." in response.text
    item = session.scalars(
        select(AttemptItem).where(AttemptItem.attempt_id == attempt.id, AttemptItem.position == 1)
    ).one()
    assert item.score is None


def test_an_answer_is_not_changed_by_a_second_post(client, login, session, org):
    login(org["member"].user)
    client.post("/quizzes/daily/start")
    attempt = _attempt(session, org["member"])

    client.post(f"/quizzes/daily/{attempt.id}/1", data={"response": "A"})
    client.post(f"/quizzes/daily/{attempt.id}/1", data={"response": "B"})

    assert session.scalar(select(func.count(PointEntry.id))) == 0
    page = client.get(f"/quizzes/daily/{attempt.id}/1")
    assert "Wrong" in page.text


def test_someone_elses_daily_quiz_is_not_found(client, login, session, org, make):
    login(org["member"].user)
    client.post("/quizzes/daily/start")
    attempt = _attempt(session, org["member"])
    other = make.member(org["branch"])
    login(other.user)

    assert client.get(f"/quizzes/daily/{attempt.id}/1").status_code == 404
    assert client.post(f"/quizzes/daily/{attempt.id}/1", data={"response": "B"}).status_code == 404


def test_the_daily_quiz_is_for_members(client, login, make):
    login(make.admin())
    assert client.get("/quizzes/daily").status_code == 404
    assert client.post("/quizzes/daily/start").status_code == 404


def test_the_home_panel(client, login, session, org):
    member = org["member"]
    login(member.user)

    home = client.get("/")
    assert 'id="daily-panel"' in home.text
    assert "Answer today" in home.text
    assert "due for review" not in home.text

    mistakes.add_mistakes(
        session,
        user_id=member.user_id,
        question_ids=[q.id for q in org["questions"][:2]],
        now=clock.now_utc(),
    )
    client.post("/quizzes/daily/start")
    attempt = _attempt(session, member)
    client.post(f"/quizzes/daily/{attempt.id}/1", data={"response": "B"})

    home = client.get("/")
    assert "1 of 5 answered" in home.text
    assert "2 due for review" in home.text
    assert "Quiz points today: 1" in home.text


def test_staff_choose_the_banks_and_points(client, login, session, org):
    committee = org["committee"]
    login(org["member"].user)
    assert client.get(f"/quizzes/committees/{committee.id}/daily").status_code == 403

    login(org["staff"].user)
    page = client.get(f"/quizzes/committees/{committee.id}/daily")
    assert page.status_code == 200
    assert f"{org['bank'].name} (8 questions)" in page.text

    saved = client.post(
        f"/quizzes/committees/{committee.id}/daily",
        data={"banks": [org["bank"].id], "question_count": 3, "points": 2, "daily_cap": 4},
    )
    assert saved.status_code == 302
    quiz = daily.daily_quiz_of(session, committee.id)
    assert daily.settings_of(session, quiz) == daily.DailySettings([org["bank"].id], 3, 2, 4)

    bad = client.post(
        f"/quizzes/committees/{committee.id}/daily",
        data={"banks": [org["bank"].id], "question_count": 50, "points": 2, "daily_cap": 4},
    )
    assert bad.status_code == 200 and "between 1 and 20" in bad.text


# The mistake book ----------------------------------------------------------------------------


def test_the_mistake_book_and_a_review(client, login, session, org):
    member = org["member"]
    question = single(session, org["bank"], 99, answer="C")
    mistakes.add_mistakes(
        session, user_id=member.user_id, question_ids=[question.id], now=clock.now_utc()
    )
    card = session.scalars(select(MistakeCard)).one()
    login(member.user)

    book = client.get("/quizzes/mistakes")
    assert "Due now: 1" in book.text and "第99题" in book.text

    review = client.get("/quizzes/mistakes/review")
    assert "第99题" in review.text
    assert "第99题的解析" not in review.text  # the explanation only after answering
    assert "is-right" not in review.text

    feedback = client.post(
        f"/quizzes/mistakes/{card.id}/review", data={"response": "A", "reviews": 0}
    )
    assert feedback.status_code == 200
    assert "Wrong" in feedback.text
    assert "Right answer: C" in feedback.text
    assert "第99题的解析" in feedback.text
    assert "It comes back on" in feedback.text

    repeated = client.post(
        f"/quizzes/mistakes/{card.id}/review", data={"response": "C", "reviews": 0}
    )
    assert repeated.status_code == 302
    assert session.scalar(select(func.count(MistakeReview.id))) == 1

    done = client.get("/quizzes/mistakes/review")
    assert "Nothing to review now" in done.text


def test_a_card_is_only_its_owners(client, login, session, org, make):
    question = single(session, org["bank"], 98)
    mistakes.add_mistakes(
        session, user_id=org["member"].user_id, question_ids=[question.id], now=clock.now_utc()
    )
    card = session.scalars(select(MistakeCard)).one()
    login(make.member(org["branch"]).user)

    response = client.post(
        f"/quizzes/mistakes/{card.id}/review", data={"response": "B", "reviews": 0}
    )

    assert response.status_code == 404
    assert "Due now: 0" in client.get("/quizzes/mistakes").text


def test_a_daily_quiz_in_progress_goes_on_where_it_was(client, login, session, org):
    login(org["member"].user)
    client.post("/quizzes/daily/start")
    attempt = _attempt(session, org["member"])
    client.post(f"/quizzes/daily/{attempt.id}/1", data={"response": "B"})

    page = client.get("/quizzes/daily")

    assert page.status_code == 302
    assert page.location.endswith(f"/quizzes/daily/{attempt.id}/2")


def test_home_starts_the_daily_quiz_in_one_tap(client, login, org):
    login(org["member"].user)
    home = client.get("/").text
    form = re.search(r'<form method="post" action="([^"]+)" id="daily-start-form">', home)
    assert form is not None and form.group(1) == "/quizzes/daily/start"
    assert 'id="daily-go"' in home


def test_a_studied_reading_leads_on_to_the_daily_quiz(client, login, session, org):
    member = org["member"]
    today = clock.local_today(org["committee"].timezone)
    reading = make_reading(session, org["committee"], daily_on=today, min_seconds=30)
    login(member.user)

    page = client.get(f"/readings/{reading.id}").text
    # Hidden until the reading is credited (reading.js shows it then), already in the page.
    assert re.search(r'<div id="next-steps" class="next-steps" hidden>', page)
    assert 'action="/quizzes/daily/start"' in page and "Next: daily quiz" in page

    tracking.mark_studied(
        session, reading, user_id=member.user_id, now=clock.now_utc() + timedelta(minutes=5)
    )
    page = client.get(f"/readings/{reading.id}").text
    assert re.search(r'<div id="next-steps" class="next-steps">', page)
