"""What the exam page and the answer save cost in statements, login check included.

Both run for every member on exam day, so each statement counts: these tests
fail when a change adds one (on SQLite, and on PostgreSQL when it is set up).
The exam page reads the attempt with its items in one statement and the
questions' texts once per process (a second member's page, or a reload, reads
none); the answer save checks the login, the attempt and the item in one
statement and writes with one more.
"""

from __future__ import annotations

from sqlalchemy import select

from studyhub.quizzes.models import Attempt
from studyhub.quizzes.views.attempt import attempt_token
from tests.quizzes.attempt_helpers import make_quiz, numbered, position_of

QUESTIONS = 50
# The request's first statement: the user with their login (and the domains' parts).
LOGIN = 1
# The exam page: the attempt with its items; the question versions when not yet prepared.
PAGE = 1
VERSIONS = 1
# The answer save: login, attempt and item checked in one statement, then the write.
SAVE = 2


def _exam(session, world, count=QUESTIONS, first=1):
    questions = [numbered(session, world.bank, n) for n in range(first, first + count)]
    return make_quiz(session, world, questions=questions, shuffle_options=True)


def _started(client, login, session, quiz, member):
    login(member.user)
    assert client.post(f"/quizzes/{quiz.id}/start").status_code == 302
    return session.scalars(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == member.user_id)
    ).one()


def _statements(count_queries, fetch):
    with count_queries() as statements:
        response = fetch()
    return response, [s for s in statements if s.strip().upper() not in ("BEGIN", "COMMIT")]


def test_the_exam_page_reads_the_attempt_in_one_statement_and_texts_once(
    app, client, login, session, world, count_queries
):
    quiz = _exam(session, world)
    attempt = _started(client, login, session, quiz, world.member)
    path = f"/quizzes/attempts/{attempt.id}"

    first, cold = _statements(count_queries, lambda: client.get(path))
    again, warm = _statements(count_queries, lambda: client.get(path))

    assert first.status_code == again.status_code == 200
    assert first.text.count('class="card question-screen') == QUESTIONS
    assert len(cold) == LOGIN + PAGE + VERSIONS, cold
    assert len(warm) == LOGIN + PAGE, warm


def test_another_takers_page_reuses_the_prepared_questions(
    app, client, login, session, world, count_queries
):
    quiz = _exam(session, world)
    mine = _started(client, login, session, quiz, world.member)
    assert client.get(f"/quizzes/attempts/{mine.id}").status_code == 200
    theirs = _started(client, login, session, quiz, world.neighbour)

    page, statements = _statements(
        count_queries, lambda: client.get(f"/quizzes/attempts/{theirs.id}")
    )

    assert page.status_code == 200
    assert len(statements) == LOGIN + PAGE, statements


def test_the_exam_pages_statements_do_not_grow_with_its_questions(
    app, client, login, session, world, count_queries
):
    small = _started(client, login, session, _exam(session, world, 4, first=101), world.member)
    large = _started(client, login, session, _exam(session, world), world.neighbour)
    counts = []
    for attempt, member in ((small, world.member), (large, world.neighbour)):
        login(member.user)
        path = f"/quizzes/attempts/{attempt.id}"
        client.get(path)
        _page, statements = _statements(count_queries, lambda p=path: client.get(p))
        counts.append(len(statements))

    assert counts == [LOGIN + PAGE, LOGIN + PAGE], statements


def test_an_answer_save_is_two_statements_login_check_included(
    app, client, login, session, world, count_queries
):
    quiz = _exam(session, world)
    attempt = _started(client, login, session, quiz, world.member)
    token = attempt_token(attempt)

    def save(seq):
        return client.post(
            f"/quizzes/attempts/{attempt.id}/answer",
            json={"position": 3, "response": "B", "seq": seq},
            headers={"X-Attempt-Token": token},
        )

    response, statements = _statements(count_queries, lambda: save(1))

    assert response.status_code == 200 and response.get_json()["applied"] is True
    assert len(statements) == SAVE, statements


def test_the_kept_screens_show_each_takers_own_answers_escaped(app, client, login, session, world):
    """Screens are kept per version and filled per taker: a saved choice is checked only on
    its own option, a typed answer comes back escaped, and another taker sees neither."""
    quiz = make_quiz(session, world, shuffle_options=True)
    mine = _started(client, login, session, quiz, world.member)
    token = attempt_token(mine)
    fillin = position_of(session, mine, world.questions["fillin"])
    single = position_of(session, mine, world.questions["single"])
    for position, response in ((fillin, ["<b>工人</b>"]), (single, "B")):
        saved = client.post(
            f"/quizzes/attempts/{mine.id}/answer",
            json={"position": position, "response": response, "seq": 1},
            headers={"X-Attempt-Token": token},
        )
        assert saved.get_json()["applied"] is True

    page = client.get(f"/quizzes/attempts/{mine.id}").text
    theirs = _started(client, login, session, quiz, world.neighbour)
    other = client.get(f"/quizzes/attempts/{theirs.id}").text

    assert "&lt;b&gt;工人&lt;/b&gt;" in page and "<b>工人</b>" not in page
    section = page.split(f'<section id="q{single}"')[1].split("</section>")[0]
    assert section.count(" checked") == 1 and 'value="B" checked' in section
    assert "工人" not in other and 'value="B" checked' not in other
