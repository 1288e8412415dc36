"""Staff pages after an exam: exceptions, regrading, results and responses downloads."""

from __future__ import annotations

import csv
import io
import re
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from studyhub.audit.models import AuditEntry
from studyhub.org.models import Role
from studyhub.quizzes.models import QuestionType, QuizOverride
from studyhub.quizzes.services import attempts, overrides
from studyhub.quizzes.services import bank as banks
from tests.conftest import NOW
from tests.quizzes.attempt_helpers import RIGHT, answer_all, later, make_quiz, start

pytestmark = pytest.mark.usefixtures("in_english")


def taken(session, world, quiz, member, answers):
    attempt = start(session, quiz, member)
    answer_all(session, world, attempt, answers)
    attempts.submit_attempt(session, attempt, now=NOW)
    session.commit()
    return attempt


# Exceptions ------------------------------------------------------------------------------


def test_staff_give_a_member_more_time_and_the_quiz_page_shows_it(client, login, session, world):
    quiz = make_quiz(session, world)
    login(world.staff.user)
    page = client.get(f"/quizzes/{quiz.id}/manage").get_data(as_text=True)
    assert f"/quizzes/{quiz.id}/overrides" in page
    response = client.post(
        f"/quizzes/{quiz.id}/overrides",
        data={"member": world.member.user.name, "unit_id": "0", "time_limit_minutes": "25"},
    )
    assert response.status_code == 302
    found = session.scalars(select(QuizOverride)).one()
    assert (found.user_id, found.time_limit_seconds) == (world.member.user_id, 1500)
    assert world.member.user.name in client.get(f"/quizzes/{quiz.id}/overrides").get_data(
        as_text=True
    )
    # The secretary's status page marks the member; the member's page shows 25 minutes.
    status = client.get(f"/quizzes/{quiz.id}/units/{world.branch.id}/status")
    assert "Exception" in status.get_data(as_text=True)
    login(world.member.user)
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "25 minutes" in page and 'id="override-note"' in page
    login(world.neighbour.user)
    assert "10 minutes" in client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)


def test_an_unknown_member_is_a_form_error_and_nothing_is_stored(client, login, session, world):
    quiz = make_quiz(session, world)
    login(world.staff.user)
    response = client.post(
        f"/quizzes/{quiz.id}/overrides",
        data={"member": "没有这个人", "unit_id": "0", "attempts_allowed": "3"},
    )
    assert response.status_code == 200
    assert "No single member" in response.get_data(as_text=True)
    assert session.scalars(select(QuizOverride)).all() == []


def test_only_the_committees_staff_manage_exceptions(client, login, session, world, make):
    quiz = make_quiz(session, world)
    secretary = make.member(world.branch, role=Role.SECRETARY)
    for someone in (world.member.user, secretary.user, world.stranger_staff.user):
        login(someone)
        assert client.get(f"/quizzes/{quiz.id}/overrides").status_code in (403, 404)
        assert client.get(f"/quizzes/{quiz.id}/regrade").status_code in (403, 404)


# Regrading -------------------------------------------------------------------------------


def test_the_regrade_page_shows_the_dry_run_and_applies_it(client, login, session, world):
    quiz = make_quiz(session, world)
    attempt = taken(session, world, quiz, world.member, {**RIGHT, "single": "A"})
    banks.update_question(
        session,
        world.questions["single"],
        banks.QuestionFields(
            qtype=QuestionType.SINGLE,
            stem="遵义会议是哪一年召开的？",
            options=["一九三四年召开", "一九三五年召开", "一九三六年召开"],
            answer="A",
        ),
        by_user_id=None,
        now=NOW,
    )
    session.commit()
    login(world.staff.user)
    page = client.get(f"/quizzes/{quiz.id}/regrade").get_data(as_text=True)
    assert f'data-attempt="{attempt.id}"' in page and "3 → 4" in page
    session.refresh(attempt)
    assert attempt.score == 3
    digest = re.search(r'name="plan" value="([0-9a-f]+)"', page).group(1)
    # A list that no longer matches (someone else regraded, an attempt came in) is refused.
    stale = client.post(f"/quizzes/{quiz.id}/regrade", data={"plan": "0" * 32})
    assert stale.status_code == 302
    session.refresh(attempt)
    assert attempt.score == 3
    assert not session.scalars(select(AuditEntry).where(AuditEntry.kind == "quiz.regraded")).all()
    response = client.post(f"/quizzes/{quiz.id}/regrade", data={"plan": digest})
    assert response.status_code == 302
    session.refresh(attempt)
    assert attempt.score == 4 and attempt.percent == 100


# Downloads -------------------------------------------------------------------------------


def test_results_and_responses_as_csv_and_xlsx(client, login, session, world):
    quiz = make_quiz(session, world)
    taken(session, world, quiz, world.member, RIGHT)
    taken(session, world, quiz, world.member, {"fillin": ["=HYPERLINK(1)"]})
    login(world.staff.user)
    response = client.get(f"/quizzes/{quiz.id}/units/{world.committee.id}/results.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Member", "Branch", "Attempts"]
    mine = next(r for r in rows if r[0] == "答题党员")
    # Highest of 100% and 25%; the last is 25%.
    assert mine[1:6] == ["第一支部", "2", "100.00", "100.00", "0.00"]
    outsider = next(r for r in rows if r[0] == "未分配党员")
    assert outsider[2] == "0" and outsider[3] == ""
    responses = client.get(f"/quizzes/{quiz.id}/units/{world.committee.id}/responses.csv")
    text = responses.get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text  # formula-safe
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(lines) == 3 and lines[1][5] == "B" and lines[1][6] == "1.0000"
    # Submitted in the unit's local time (NOW is 02:30 UTC, 10:30 in Shanghai).
    assert lines[1][3] == NOW.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None).isoformat()
    book = client.get(f"/quizzes/{quiz.id}/units/{world.committee.id}/responses.xlsx")
    data = book.data
    book.close()
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Member" and len(values) == 3
    assert any(v == "=HYPERLINK(1)" for v in values[2])  # a text cell, never a formula
    assert sheet.cell(3, values[2].index("=HYPERLINK(1)") + 1).data_type == "s"
    downloads = session.scalars(
        select(AuditEntry).where(AuditEntry.kind == "export.downloaded")
    ).all()
    assert len(downloads) == 3 and downloads[0].actor_id == world.staff.user_id


def test_a_secretary_downloads_only_their_branch(client, login, session, world, make):
    quiz = make_quiz(session, world)
    taken(session, world, quiz, world.member, RIGHT)
    secretary = make.member(world.branch, role=Role.SECRETARY)
    session.commit()
    login(secretary.user)
    ok = client.get(f"/quizzes/{quiz.id}/units/{world.branch.id}/results.csv")
    assert ok.status_code == 200 and "答题党员" in ok.get_data(as_text=True)
    assert "未分配党员" not in ok.get_data(as_text=True)
    for unit in (world.committee, world.other_branch):
        assert client.get(f"/quizzes/{quiz.id}/units/{unit.id}/results.csv").status_code in (
            403,
            404,
        )
    login(world.member.user)
    assert client.get(f"/quizzes/{quiz.id}/units/{world.branch.id}/results.csv").status_code in (
        403,
        404,
    )


def test_my_quizzes_shows_the_members_own_close(client, login, session, world):
    quiz = make_quiz(session, world, closes_at=later(3600))
    overrides.save_override(
        session,
        quiz,
        overrides.OverrideFields(closes_at=later(3 * 86400)),
        user_id=world.member.user_id,
        actor_id=None,
        now=NOW,
    )
    session.commit()
    login(world.member.user)
    mine = client.get("/quizzes/").get_data(as_text=True)
    login(world.neighbour.user)
    theirs = client.get("/quizzes/").get_data(as_text=True)
    assert "Closes" in mine and "Closes" in theirs
    assert mine.split("Closes")[1][:20] != theirs.split("Closes")[1][:20]
