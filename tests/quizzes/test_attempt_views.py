"""Members' quiz pages: start, the attempt page, JSON and form saves, the attempt token instead
of CSRF, submit, results, what the review policy lets the HTML and the JSON show, scoping."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from studyhub.accounts.services import end_all_sessions
from studyhub.core import clock
from studyhub.core.clock import as_utc
from studyhub.quizzes.models import Attempt, AttemptState, QuizMode, ReviewTiming
from studyhub.quizzes.services import attempts
from studyhub.quizzes.views.attempt import attempt_token
from tests.quizzes.attempt_helpers import (
    ACCEPTED,
    EXPLANATION,
    RIGHT,
    RIGHT_OPTION,
    items_of,
    make_quiz,
    position_of,
    start,
)

pytestmark = pytest.mark.usefixtures("in_english")
LOCKED = "database is locked"
# Markers of an answer shown as right: the CSS classes and the words next to it.
REVEALING = (ACCEPTED, EXPLANATION, "right-answer", "Correct answer")


def now():
    return clock.now_utc()


def assert_nothing_revealed(text: str) -> None:
    for marker in REVEALING:
        assert marker not in text, marker


def path_of(response) -> str:
    return urlsplit(response.headers["Location"]).path


def started(client, login, session, world, quiz, member=None):
    member = member or world.member
    login(member.user)
    response = client.post(f"/quizzes/{quiz.id}/start")
    assert response.status_code == 302
    attempt = session.scalars(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == member.user_id)
    ).one()
    assert path_of(response) == f"/quizzes/attempts/{attempt.id}"
    return attempt


def save_json(client, attempt, position, response, seq, token=None):
    return client.post(
        f"/quizzes/attempts/{attempt.id}/answer",
        json={"position": position, "response": response, "seq": seq},
        headers={"X-Attempt-Token": token or attempt_token(attempt)},
    )


# The quiz page and starting -------------------------------------------------------------------


def test_quiz_page_shows_instructions_attempts_and_start(client, login, session, world):
    quiz = make_quiz(session, world, attempts_allowed=2)
    login(world.member.user)
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "请认真作答。" in page and 'id="start-button"' in page
    assert "0 of 2 used" in page
    attempt = started(client, login, session, world, quiz)
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "Continue the attempt" in page and "In progress" in page
    # Starting again resumes.
    assert path_of(client.post(f"/quizzes/{quiz.id}/start")) == f"/quizzes/attempts/{attempt.id}"


def test_my_quizzes_and_the_home_panel(client, login, session, world):
    quiz = make_quiz(session, world, title="第三季度学习测试")
    hidden = make_quiz(session, world, title="别支部的测试", assign_to=world.other_branch)
    closed = make_quiz(session, world, title="已结束的测试", closes_at=now() - timedelta(days=1))
    above = make_quiz(session, world, title="总支的练习", assign_to=world.general)
    login(world.member.user)
    mine = client.get("/quizzes/").get_data(as_text=True)
    assert quiz.title in mine and hidden.title not in mine
    assert closed.title in mine and above.title in mine
    home = client.get("/").get_data(as_text=True)
    assert 'id="quizzes-panel"' in home and quiz.title in home and above.title in home
    assert hidden.title not in home and closed.title not in home
    login(world.outsider.user)
    home = client.get("/").get_data(as_text=True)
    assert quiz.title not in home and hidden.title in home


@pytest.mark.parametrize(
    ("who", "status"), [("outsider", 403), ("stranger", 404), ("stranger_staff", 404)]
)
def test_only_members_under_an_assignment_may_take_it(client, login, session, world, who, status):
    quiz = make_quiz(session, world)
    login(getattr(world, who).user)
    assert client.get(f"/quizzes/{quiz.id}").status_code == status
    assert client.post(f"/quizzes/{quiz.id}/start").status_code == status
    assert session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id)).first() is None


def test_an_attempt_is_its_members_only(client, login, session, world):
    quiz = make_quiz(session, world)
    attempt = start(session, quiz, world.member, at=now())
    login(world.neighbour.user)
    base = f"/quizzes/attempts/{attempt.id}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/result").status_code == 404
    assert client.get(f"{base}/submit").status_code == 404
    assert save_json(client, attempt, 1, "B", 1).status_code == 404
    assert client.post(f"{base}/submit", data={"attempt_token": "x"}).status_code == 404
    assert all(i.response is None for i in items_of(session, attempt))


def test_a_closed_quiz_cannot_be_started(client, login, session, world):
    quiz = make_quiz(session, world, closes_at=now() - timedelta(minutes=1))
    login(world.member.user)
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "This quiz has closed." in page and 'id="start-button"' not in page
    response = client.post(f"/quizzes/{quiz.id}/start", follow_redirects=True)
    assert "This quiz has closed." in response.get_data(as_text=True)


# The attempt page --------------------------------------------------------------------------------


def test_the_attempt_page_has_every_question_one_current_and_no_answers(
    client, login, session, world
):
    quiz = make_quiz(session, world, time_limit_seconds=1200)
    attempt = started(client, login, session, world, quiz)
    page = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert page.count('class="card question-screen') == 4
    assert page.count("question-screen is-current") == 1
    assert len(re.findall(r'class="nav-item[^"]*"', page)) == 4
    assert RIGHT_OPTION in page  # an option like the others
    assert_nothing_revealed(page)
    assert f'data-token="{attempt_token(attempt)}"' in page
    remaining = int(re.search(r'data-remaining="(\d+)"', page).group(1))
    assert 1190 <= remaining <= 1200
    assert "20:00" in page or "19:5" in page
    second = client.get(f"/quizzes/attempts/{attempt.id}?q=3").get_data(as_text=True)
    assert re.search(r'id="q3" class="card question-screen is-current"', second)


def test_json_saves_answer_with_seq_and_report_stale_ones(client, login, session, world):
    quiz = make_quiz(session, world)
    attempt = started(client, login, session, world, quiz)
    single = position_of(session, attempt, world.questions["single"])
    body = save_json(client, attempt, single, "B", 3).get_json()
    assert body["saved"] is True and body["applied"] is True and body["seq"] == 3
    assert body["saved_at"] and 590 <= body["remaining"] <= 600 and body["answered"] is True
    stale = save_json(client, attempt, single, "A", 2).get_json()
    assert stale["saved"] is False and stale["stale"] is True and stale["seq"] == 3
    assert stale["response"] == "B"
    assert items_of(session, attempt)[single - 1].response == "B"
    for response in (body, stale):
        assert_nothing_revealed(str(response))
        assert "is_correct" not in response and "feedback_html" not in response


def test_json_errors(client, login, session, world):
    attempt = started(client, login, session, world, make_quiz(session, world))
    wrong_shape = save_json(client, attempt, 1, ["A", "B"], 1)
    assert wrong_shape.status_code == 400 and wrong_shape.get_json()["saved"] is False
    assert save_json(client, attempt, 1, "B", 1, token="0" * 64).status_code == 403
    bad = client.post(
        f"/quizzes/attempts/{attempt.id}/answer",
        json={"position": "x"},
        headers={"X-Attempt-Token": attempt_token(attempt)},
    )
    assert bad.status_code == 400
    assert all(i.response is None for i in items_of(session, attempt))


@pytest.mark.parametrize(
    "change",
    ["logged_out_elsewhere", "disabled", "must_change_password"],
)
def test_json_save_checks_the_login_in_its_own_statement(client, login, session, world, change):
    """The page's save reads no user first: its one statement checks the login. A login that
    is no longer valid is sent to log in (the page keeps the answer queued), saving nothing."""
    attempt = started(client, login, session, world, make_quiz(session, world))
    user = world.member.user
    if change == "logged_out_elsewhere":
        end_all_sessions(user, now=clock.now_utc())
    elif change == "disabled":
        user.is_enabled = False
    else:
        user.must_change_password = True
    session.commit()

    refused = save_json(client, attempt, 1, "B", 1)

    assert refused.status_code == 302 and path_of(refused) == "/login"
    assert all(i.response is None for i in items_of(session, attempt))


def test_json_save_without_a_login_is_sent_to_log_in(client, login, session, world):
    attempt = started(client, login, session, world, make_quiz(session, world))
    with client.session_transaction() as sess:
        sess.clear()

    refused = save_json(client, attempt, 1, "B", 1)

    assert refused.status_code == 302 and path_of(refused) == "/login"
    assert all(i.response is None for i in items_of(session, attempt))


def test_json_save_of_another_members_attempt_is_not_found(client, login, session, world):
    attempt = started(client, login, session, world, make_quiz(session, world))
    login(world.neighbour.user)  # a branch-mate, with the attempt's own token

    refused = save_json(client, attempt, 1, "B", 1)

    assert refused.status_code == 404
    assert all(i.response is None for i in items_of(session, attempt))


def test_without_javascript_each_screen_posts_and_moves_on(client, login, session, world):
    quiz = make_quiz(session, world)
    attempt = started(client, login, session, world, quiz)
    token = attempt_token(attempt)
    url = f"/quizzes/attempts/{attempt.id}/answer"
    multiple = position_of(session, attempt, world.questions["multiple"])
    response = client.post(
        url,
        data={
            "attempt_token": token,
            "position": multiple,
            "response": ["A", "C"],
            "flag_shown": "1",
            "flagged": "y",
            "go": "next",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"?q={multiple + 1}#q{multiple + 1}")
    item = items_of(session, attempt)[multiple - 1]
    assert item.response == ["A", "C"] and item.response_seq == 1 and item.is_flagged
    fillin = position_of(session, attempt, world.questions["fillin"])
    client.post(
        url,
        data={"attempt_token": token, "position": fillin, "response": "工人", "go": "prev"},
    )
    # Reopened (another device): the page shows every saved answer and the flag.
    page = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    section = page[page.index(f'id="q{multiple}"') : page.index(f'id="q{multiple + 1}"')]
    assert re.search(r'value="A" checked', section) and re.search(r'value="C" checked', section)
    assert not re.search(r'value="B" checked', section)
    assert 'name="flagged" value="y" checked' in section
    assert 'value="工人"' in page
    assert re.search(r'class="nav-item is-answered is-flagged"', page)


def test_moving_on_from_an_unanswered_question_saves_nothing(client, login, session, world):
    attempt = started(client, login, session, world, make_quiz(session, world))
    response = client.post(
        f"/quizzes/attempts/{attempt.id}/answer",
        data={"attempt_token": attempt_token(attempt), "position": 1, "go": "next"},
    )
    assert response.headers["Location"].endswith("?q=2#q2")
    assert items_of(session, attempt)[0].response_seq == 0


def test_an_expired_csrf_token_loses_no_answer(app, client, login, session, world, monkeypatch):
    """With CSRF on, answer and submit posts are checked by the attempt's own token."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    quiz = make_quiz(session, world)
    attempt = start(session, quiz, world.member, at=now())
    login(world.member.user)
    # The session's CSRF check is still on for other posts…
    assert client.post(f"/quizzes/{quiz.id}/start").status_code == 400
    # …but answers arrive without it (as after the session's token expired).
    assert save_json(client, attempt, 1, "B", 1).get_json()["saved"] is True
    form = client.post(
        f"/quizzes/attempts/{attempt.id}/answer",
        data={"attempt_token": attempt_token(attempt), "position": 3, "response": "true"},
    )
    assert form.status_code == 302
    assert [i.response for i in items_of(session, attempt)][:3] == ["B", None, True]
    # A forged post (no attempt token) saves nothing.
    forged = client.post(
        f"/quizzes/attempts/{attempt.id}/answer", data={"position": 2, "response": "A"}
    )
    assert forged.status_code == 302
    assert items_of(session, attempt)[1].response is None
    assert client.post(f"/quizzes/attempts/{attempt.id}/submit").status_code == 403
    submitted = client.post(
        f"/quizzes/attempts/{attempt.id}/submit", data={"attempt_token": attempt_token(attempt)}
    )
    assert submitted.status_code == 302
    session.refresh(attempt)
    assert attempt.state == AttemptState.SUBMITTED and attempt.score == 2


def test_the_token_is_bound_to_the_attempt_and_its_member(session, world, app):
    quiz = make_quiz(session, world, attempts_allowed=None)
    with app.test_request_context():
        one = attempt_token(start(session, quiz, world.member, at=now()))
        other = attempt_token(start(session, quiz, world.neighbour, at=now()))
    assert one != other and len(one) == 64


# Submitting -----------------------------------------------------------------------------------


def test_submit_page_lists_unanswered_first_and_a_double_submit_grades_once(
    client, login, session, world
):
    quiz = make_quiz(session, world)
    attempt = started(client, login, session, world, quiz)
    single = position_of(session, attempt, world.questions["single"])
    save_json(client, attempt, single, "B", 1)
    page = client.get(f"/quizzes/attempts/{attempt.id}/submit").get_data(as_text=True)
    assert "Not answered yet: 3 of 4" in page
    links = re.findall(r'href="[^"]*\?q=(\d)#q\d">', page)
    assert sorted(int(n) for n in links) == sorted({1, 2, 3, 4} - {single})
    assert page.index("Not answered yet") < page.index('id="submit-form"')
    data = {"attempt_token": attempt_token(attempt)}
    first = client.post(f"/quizzes/attempts/{attempt.id}/submit", data=data)
    assert path_of(first) == f"/quizzes/attempts/{attempt.id}/result"
    session.refresh(attempt)
    submitted_at, score = attempt.submitted_at, attempt.score
    second = client.post(f"/quizzes/attempts/{attempt.id}/submit", data=data)
    assert path_of(second) == f"/quizzes/attempts/{attempt.id}/result"
    session.refresh(attempt)
    assert (attempt.submitted_at, attempt.score) == (submitted_at, score) == (submitted_at, 1)
    # The attempt page of a submitted attempt goes to the result; saves are refused.
    assert path_of(client.get(f"/quizzes/attempts/{attempt.id}")).endswith("/result")
    late = save_json(client, attempt, single, "A", 5)
    assert late.status_code == 409 and late.get_json()["closed"] is True


def test_time_is_up_on_touch(client, login, session, world):
    quiz = make_quiz(session, world, time_limit_seconds=60)
    attempt = started(client, login, session, world, quiz)
    save_json(client, attempt, position_of(session, attempt, world.questions["single"]), "B", 1)
    attempt.deadline_at = now() - timedelta(seconds=61)
    session.flush()
    refused = save_json(client, attempt, 2, ["A"], 2)
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["closed"] is True and body["result_url"] == f"/quizzes/attempts/{attempt.id}/result"
    assert "Time is up" in body["error"]
    session.refresh(attempt)
    assert attempt.state == AttemptState.SUBMITTED and attempt.is_auto_submitted
    assert attempt.score == 1 and items_of(session, attempt)[1].response is None


def test_opening_an_expired_attempt_leads_to_submitting_it(client, login, session, world):
    """A page never writes on GET: the expired attempt's page says time is up and its one
    button submits it (automatically, with the answers saved in time)."""
    quiz = make_quiz(session, world, time_limit_seconds=60)
    attempt = started(client, login, session, world, quiz)
    attempt.deadline_at = now() - timedelta(minutes=5)
    session.flush()
    response = client.get(f"/quizzes/attempts/{attempt.id}", follow_redirects=True)
    assert 'id="time-up"' in response.get_data(as_text=True)
    session.refresh(attempt)
    assert attempt.state == AttemptState.IN_PROGRESS
    token = attempt_token(attempt)
    response = client.post(
        f"/quizzes/attempts/{attempt.id}/submit",
        data={"attempt_token": token},
        follow_redirects=True,
    )
    assert "automatically, when the time was up" in response.get_data(as_text=True)
    session.refresh(attempt)
    assert attempt.state == AttemptState.SUBMITTED and attempt.is_auto_submitted


# What the review policy shows ----------------------------------------------------------------


def submit_right_answers(client, session, world, attempt):
    for qtype, response in RIGHT.items():
        position = position_of(session, attempt, world.questions[qtype])
        save_json(client, attempt, position, response, 10)
    client.post(
        f"/quizzes/attempts/{attempt.id}/submit", data={"attempt_token": attempt_token(attempt)}
    )


def test_review_after_close_shows_the_score_now_and_the_answers_after_close(
    client, login, session, world
):
    quiz = make_quiz(session, world, closes_at=now() + timedelta(hours=2))
    attempt = started(client, login, session, world, quiz)
    submit_right_answers(client, session, world, attempt)
    result = client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "<strong>4</strong> / 4" in result and 'id="passed"' in result
    assert 'id="review-later"' in result
    assert_nothing_revealed(result)
    # The quiz closes: answers, right/wrong and explanations appear.
    quiz.closes_at = now() - timedelta(minutes=1)
    session.flush()
    result = client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    for marker in REVEALING:
        assert marker in result, marker
    assert "✓ Right" in result


def test_review_never_shows_nothing_even_after_close(client, login, session, world):
    never = {
        f"review_{part}": ReviewTiming.NEVER
        for part in ("score", "correctness", "answers", "explanations")
    }
    quiz = make_quiz(session, world, closes_at=now() + timedelta(hours=1), **never)
    attempt = started(client, login, session, world, quiz)
    submit_right_answers(client, session, world, attempt)
    quiz.closes_at = now() - timedelta(minutes=1)
    session.flush()
    result = client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    assert_nothing_revealed(result)
    assert "<strong>4</strong>" not in result and "Your answers were submitted." in result
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "100%" not in page and 'id="final-grade"' not in page


def test_review_immediately_shows_everything_at_once(client, login, session, world):
    now_ = {
        f"review_{part}": ReviewTiming.IMMEDIATELY
        for part in ("score", "correctness", "answers", "explanations")
    }
    quiz = make_quiz(session, world, **now_)
    attempt = started(client, login, session, world, quiz)
    # Before submitting: nothing, in the page or the JSON.
    body = save_json(client, attempt, 1, "A", 1).get_json()
    assert_nothing_revealed(str(body))
    assert_nothing_revealed(client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True))
    submit_right_answers(client, session, world, attempt)
    result = client.get(f"/quizzes/attempts/{attempt.id}/result").get_data(as_text=True)
    for marker in REVEALING:
        assert marker in result, marker
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert 'id="final-grade">100%' in page


def test_practice_gives_feedback_per_question_in_the_json_and_the_page(
    client, login, session, world
):
    quiz = make_quiz(session, world, mode=QuizMode.PRACTICE)
    attempt = started(client, login, session, world, quiz)
    single = position_of(session, attempt, world.questions["single"])
    fillin = position_of(session, attempt, world.questions["fillin"])
    page = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert EXPLANATION not in page and ACCEPTED not in page and "Check answer" in page
    body = save_json(client, attempt, single, "A", 1).get_json()
    assert EXPLANATION in body["feedback_html"] and "✗ Wrong" in body["feedback_html"]
    # Only the answered question's feedback: the fill-in's answer is still hidden.
    page = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert EXPLANATION in page and ACCEPTED not in page
    body = save_json(client, attempt, fillin, ["ＡＢＣ"], 2).get_json()
    assert ACCEPTED in body["feedback_html"]
    # A changed answer after the feedback is not taken.
    again = save_json(client, attempt, single, "B", 3).get_json()
    assert again["applied"] is False and again["response"] == "A"


def test_practice_without_javascript_checks_and_stays(client, login, session, world):
    quiz = make_quiz(session, world, mode=QuizMode.PRACTICE)
    attempt = started(client, login, session, world, quiz)
    truefalse = position_of(session, attempt, world.questions["truefalse"])
    response = client.post(
        f"/quizzes/attempts/{attempt.id}/answer",
        data={
            "attempt_token": attempt_token(attempt),
            "position": truefalse,
            "response": "true",
            "go": "stay",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "✓ Right" in page and "见党章第四条。" in page
    assert as_utc(items_of(session, attempt)[truefalse - 1].saved_at) <= now()


def test_a_save_that_finds_the_database_busy_answers_503_and_the_page_retries(
    client, login, session, world, monkeypatch
):
    """Still locked after the busy timeout: 503 with Retry-After and JSON, nothing saved;
    the page's script keeps the answer and sends it again (5xx), and that one is saved."""
    attempt = started(client, login, session, world, make_quiz(session, world))
    real_save = attempts.save_answer
    calls = []

    def locked_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("UPDATE attempt_item", {}, sqlite3.OperationalError(LOCKED))
        return real_save(*args, **kwargs)

    monkeypatch.setattr(attempts, "save_answer", locked_once)
    busy = save_json(client, attempt, 1, "B", 1)
    assert busy.status_code == 503 and busy.headers["Retry-After"]
    assert busy.get_json()["saved"] is False and busy.get_json()["busy"] is True
    assert items_of(session, attempt)[0].response is None
    body = save_json(client, attempt, 1, "B", 1).get_json()
    assert body["saved"] is True and len(calls) == 2
    assert items_of(session, attempt)[0].response == "B"
