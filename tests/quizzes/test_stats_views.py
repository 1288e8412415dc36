"""The staff statistics page and the members' status pages, with who may see them."""

from __future__ import annotations

import pytest

from studyhub.org.models import Role, UnitKind
from studyhub.quizzes.models import QuizMode
from studyhub.quizzes.services import attempts
from tests.conftest import NOW
from tests.quizzes.attempt_helpers import RIGHT, WRONG, items_of, make_quiz, start

ORDER = ("single", "multiple", "truefalse", "fillin")


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def _submit(session, quiz, member, answers):
    attempt = start(session, quiz, member)
    for item, answer in zip(items_of(session, attempt), answers, strict=True):
        attempts.save_answer(
            session, attempt, position=item.position, response=answer, seq=1, now=NOW
        )
    attempts.submit_attempt(session, attempt, now=NOW)


@pytest.fixture
def taken(session, world, make):
    """An exam of the branch: the member passes, the neighbour fails, a third is in progress."""
    quiz = make_quiz(session, world)
    _submit(session, quiz, world.member, [RIGHT[q] for q in ORDER])
    _submit(session, quiz, world.neighbour, [WRONG[q] for q in ORDER])
    start(session, quiz, make.member(world.branch, name="答到一半"))
    return quiz


def test_staff_see_the_statistics(client, login, world, taken):
    login(world.staff.user)
    page = client.get(f"/quizzes/{taken.id}/statistics")
    assert page.status_code == 200
    assert 'id="stats-table"' in page.text
    assert page.text.count("data-question=") == 4
    assert '<dd id="summary-n">2</dd>' in page.text
    assert '<dd id="summary-mean">50.0%</dd>' in page.text
    assert "50.0%" in page.text  # each question: one right, one wrong
    assert "遵义会议是哪一年召开的" in page.text

    every = client.get(f"/quizzes/{taken.id}/statistics?attempts=all")
    assert every.status_code == 200
    assert client.get(f"/quizzes/{taken.id}/statistics?attempts=some").status_code == 404


def test_only_the_committees_staff_see_statistics(client, login, world, taken, make):
    secretary = make.member(world.branch, role=Role.SECRETARY)
    for someone in (world.member, secretary.user, world.stranger_staff.user):
        user = getattr(someone, "user", someone)
        login(user)
        assert client.get(f"/quizzes/{taken.id}/statistics").status_code == 403


def test_the_secretary_sees_the_branch(client, login, world, taken, make):
    secretary = make.member(world.branch, name="书记", role=Role.SECRETARY)
    login(secretary.user)

    listing = client.get(f"/quizzes/units/{world.branch.id}/quizzes")
    assert listing.status_code == 200 and taken.title in listing.text

    page = client.get(f"/quizzes/{taken.id}/units/{world.branch.id}/status")
    assert page.status_code == 200
    assert "Submitted: 2" in page.text and "Passed: 1" in page.text
    assert "In progress: 1" in page.text
    assert page.text.count('data-status="not_started"') == 2  # the staff member, the secretary
    assert "Not started: 2" in page.text
    assert world.outsider.user.name not in page.text
    assert "Question statistics" not in page.text  # that page is for staff

    # Another branch is not theirs.
    assert client.get(f"/quizzes/units/{world.other_branch.id}/quizzes").status_code == 403
    assert (
        client.get(f"/quizzes/{taken.id}/units/{world.other_branch.id}/status").status_code == 403
    )


def test_a_quiz_not_given_to_the_branch_is_not_shown_to_its_secretary(
    client, login, session, world, make
):
    quiz = make_quiz(session, world, assign_to=world.other_branch)
    secretary = make.member(world.branch, role=Role.SECRETARY)
    login(secretary.user)

    assert client.get(f"/quizzes/{quiz.id}/units/{world.branch.id}/status").status_code == 404
    assert quiz.title not in client.get(f"/quizzes/units/{world.branch.id}/quizzes").text

    login(world.staff.user)  # staff see any quiz of their committee
    assert client.get(f"/quizzes/{quiz.id}/units/{world.branch.id}/status").status_code == 200


def test_the_branch_page_links_to_its_quizzes(client, login, world, make):
    secretary = make.member(world.branch, role=Role.SECRETARY)
    login(secretary.user)
    page = client.get(f"/org/units/{world.branch.id}")
    assert f'href="/quizzes/units/{world.branch.id}/quizzes"' in page.text


def test_statuses_are_of_units_below_the_committee(client, login, world, taken):
    login(world.staff.user)
    assert client.get(f"/quizzes/units/{world.committee.id}/quizzes").status_code == 404
    general = client.get(f"/quizzes/{taken.id}/units/{world.general.id}/status")
    assert general.status_code == 200
    assert world.general.kind == UnitKind.GENERAL_BRANCH
    assert taken.mode == QuizMode.EXAM


def test_the_staff_quiz_page_links_to_statistics_and_statuses(client, login, world, taken):
    login(world.staff.user)
    page = client.get(f"/quizzes/{taken.id}/manage")
    assert page.status_code == 200
    assert f'href="/quizzes/{taken.id}/statistics"' in page.text
    assert f'href="/quizzes/{taken.id}/units/{world.branch.id}/status"' in page.text
    listing = client.get(f"/quizzes/committees/{world.committee.id}/quizzes")
    assert f'href="/quizzes/committees/{world.committee.id}/daily"' in listing.text
