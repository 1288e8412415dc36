"""Server-side logins: logout and "log out everywhere" end copied cookies too, idle and absolute
lifetimes, exam saves keep a login alive, password change and deactivation end other logins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhub.accounts.jobs import purge_old_logins
from studyhub.accounts.models import LoginSession, User
from studyhub.accounts.queries import valid_login_clause
from studyhub.accounts.services import end_all_sessions, start_session
from studyhub.core import clock
from studyhub.org import services as org
from studyhub.quizzes.models import Attempt
from studyhub.quizzes.views.attempt import attempt_token
from tests.conftest import NOW, PASSWORD
from tests.quizzes.attempt_helpers import make_quiz, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("in_english")

DOMAIN = "localhost"
COOKIES = ("session", "remember_token")
T0 = NOW + timedelta(hours=1)


@pytest.fixture
def at(monkeypatch):
    """``at(instant)`` sets the time every request reads from then on."""

    def set_time(instant):
        monkeypatch.setattr(clock, "now_utc", lambda: instant)

    set_time(T0)
    return set_time


def log_in(client, user, *, remember: bool = False):
    data = {"identifier": user.phone, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.text
    return response


def cookies_of(client) -> dict[str, str]:
    found = {}
    for name in COOKIES:
        cookie = client.get_cookie(name, domain=DOMAIN)
        if cookie is not None:
            found[name] = cookie.value
    return found


def browser_with(app, cookies: dict[str, str]):
    """A new browser holding copies of ``cookies`` (and nothing else)."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value, domain=DOMAIN)
    return other


def is_logged_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def logins_of(session, user) -> list[LoginSession]:
    return list(
        session.scalars(
            select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
        )
    )


# Logout and log out everywhere -----------------------------------------------------------------


def test_logout_ends_copied_session_and_remember_cookies(app, client, make, session, at):
    member = make.member()
    log_in(client, member.user, remember=True)
    copied = cookies_of(client)
    assert set(copied) == {"session", "remember_token"}
    # Before logout, each copy alone opens the site.
    assert is_logged_in(browser_with(app, {"session": copied["session"]}))
    assert is_logged_in(browser_with(app, {"remember_token": copied["remember_token"]}))

    assert client.post("/logout").status_code == 302

    assert not is_logged_in(client)
    assert not is_logged_in(browser_with(app, copied))
    assert not is_logged_in(browser_with(app, {"session": copied["session"]}))
    assert not is_logged_in(browser_with(app, {"remember_token": copied["remember_token"]}))
    (row,) = logins_of(session, member.user)
    assert row.ended_at is not None and row.end_reason == "logout"


def test_logout_ends_only_that_login(app, client, make):
    member = make.member()
    phone = app.test_client()
    log_in(phone, member.user, remember=True)
    log_in(client, member.user)
    client.post("/logout")
    assert is_logged_in(phone)


def test_log_out_everywhere_ends_every_login_and_its_cookies(app, client, make, session, at):
    member = make.member()
    phone = app.test_client()
    log_in(phone, member.user, remember=True)
    phone_cookies = cookies_of(phone)
    log_in(client, member.user)
    mine = cookies_of(client)

    page = client.get("/account/password")
    assert 'action="/account/logout-everywhere"' in page.text
    assert "Log out everywhere" in page.text
    assert client.get("/account/logout-everywhere").status_code == 405  # POST only

    response = client.post("/account/logout-everywhere")
    assert response.status_code == 302 and response.location == "/login"

    assert not is_logged_in(client)
    assert not is_logged_in(phone)
    assert not is_logged_in(browser_with(app, phone_cookies))
    assert not is_logged_in(browser_with(app, {"remember_token": phone_cookies["remember_token"]}))
    assert not is_logged_in(browser_with(app, mine))
    assert all(row.ended_at is not None for row in logins_of(session, member.user))
    # Logging in again works.
    log_in(client, member.user)
    assert is_logged_in(client)


def test_log_out_everywhere_needs_the_csrf_token(app, make):
    member = make.member()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        browser = app.test_client()
        page = browser.get("/login")
        token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        browser.post(
            "/login",
            data={"identifier": member.user.phone, "password": PASSWORD, "csrf_token": token},
        )
        assert browser.post("/account/logout-everywhere").status_code == 400
        assert is_logged_in(browser)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_stored_token_is_a_digest_of_the_cookies_token(client, make, session):
    member = make.member()
    log_in(client, member.user)
    (row,) = logins_of(session, member.user)
    with client.session_transaction() as sess:
        token = sess["_user_id"].partition(":")[2]
    assert len(token) >= 40 and token not in row.token_hash and len(row.token_hash) == 64


def test_a_made_up_or_empty_token_is_refused(app, make):
    member = make.member()
    browser = app.test_client()
    for value in (f"{member.user.id}:", f"{member.user.id}:guess", "x:y", str(member.user.id)):
        with browser.session_transaction() as sess:
            sess["_user_id"] = value
            sess["_seen"] = 2_000_000_000
        assert not is_logged_in(browser)


# Lifetimes ---------------------------------------------------------------------------------------


def test_a_login_not_remembered_ends_when_idle(app, client, make, at):
    member = make.member()
    idle = app.config["SESSION_IDLE_MINUTES"]
    log_in(client, member.user)
    copied = cookies_of(client)
    at(T0 + timedelta(minutes=idle - 5))
    assert is_logged_in(client)  # a request renews the idle clock
    at(T0 + timedelta(minutes=2 * idle - 10))
    assert is_logged_in(client)
    # The copy taken at login still carries the login's first time: it is idle.
    assert not is_logged_in(browser_with(app, copied))
    at(T0 + timedelta(minutes=3 * idle))
    assert not is_logged_in(client)


def test_a_remembered_login_has_no_idle_limit_but_an_absolute_one(app, client, make, at):
    member = make.member()
    days = app.config["SESSION_ABSOLUTE_DAYS"]
    log_in(client, member.user, remember=True)
    remember_only = {"remember_token": cookies_of(client)["remember_token"]}
    at(T0 + timedelta(days=3))
    assert is_logged_in(client)
    assert is_logged_in(browser_with(app, remember_only))  # a browser restarted days later
    at(T0 + timedelta(days=days) - timedelta(minutes=1))
    assert is_logged_in(client)
    at(T0 + timedelta(days=days, minutes=1))
    assert not is_logged_in(client)
    assert not is_logged_in(browser_with(app, remember_only))


def test_an_active_login_still_ends_at_its_absolute_lifetime(app, client, make, at, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 60 * 24 * 365)
    member = make.member()
    log_in(client, member.user)
    at(T0 + timedelta(days=app.config["SESSION_ABSOLUTE_DAYS"] - 1))
    assert is_logged_in(client)
    at(T0 + timedelta(days=app.config["SESSION_ABSOLUTE_DAYS"], seconds=1))
    assert not is_logged_in(client)


def test_exam_answer_saves_keep_the_login_alive(app, client, session, world, at):  # noqa: F811
    idle = app.config["SESSION_IDLE_MINUTES"]
    quiz = make_quiz(session, world, time_limit_seconds=4 * idle * 60)
    log_in(client, world.member.user)
    assert client.post(f"/quizzes/{quiz.id}/start").status_code == 302
    attempt = session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id)).one()
    token = attempt_token(attempt)
    other = app.test_client()  # the same member on a browser that only reads
    log_in(other, world.member.user)

    minutes = 0
    for seq, gap in enumerate((idle - 10, idle + 10, idle + 30), start=1):
        minutes += gap  # a long think: even a gap past the idle limit does not cut the exam off
        at(T0 + timedelta(minutes=minutes))
        saved = client.post(
            f"/quizzes/attempts/{attempt.id}/answer",
            json={"position": 1, "response": "B", "seq": seq},
            headers={"X-Attempt-Token": token},
        )
        assert saved.status_code == 200 and saved.json["saved"], saved.text
    at(T0 + timedelta(minutes=minutes + 5))
    assert client.get(f"/quizzes/attempts/{attempt.id}").status_code == 200
    assert not is_logged_in(other)  # the browser without saves went idle long ago


def test_exam_saves_after_logout_are_refused(app, client, session, world, at):  # noqa: F811
    quiz = make_quiz(session, world)
    log_in(client, world.member.user)
    client.post(f"/quizzes/{quiz.id}/start")
    attempt = session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id)).one()
    copied = browser_with(app, cookies_of(client))
    client.post("/logout")
    refused = copied.post(
        f"/quizzes/attempts/{attempt.id}/answer",
        json={"position": 1, "response": "B", "seq": 1},
        headers={"X-Attempt-Token": attempt_token(attempt)},
    )
    assert refused.status_code == 302 and "/login" in refused.location


# Password change and deactivation ---------------------------------------------------------------


def test_password_change_ends_other_logins_and_keeps_this_one(app, client, make, at):
    member = make.member()
    phone = app.test_client()
    log_in(phone, member.user, remember=True)
    phone_cookies = cookies_of(phone)
    log_in(client, member.user, remember=True)
    done = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "another2026", "confirm": "another2026"},
    )
    assert done.status_code == 302
    assert is_logged_in(client)
    # This browser's new remember cookie works alone; the phone's copies do not.
    assert is_logged_in(browser_with(app, {"remember_token": cookies_of(client)["remember_token"]}))
    assert not is_logged_in(phone)
    assert not is_logged_in(browser_with(app, {"remember_token": phone_cookies["remember_token"]}))


def test_deactivation_ends_every_login(app, client, make, session, at):
    member = make.member()
    log_in(client, member.user, remember=True)
    copied = cookies_of(client)
    org.set_member_active(member, is_active=False, actor_id=None, now=T0)
    session.flush()
    assert not is_logged_in(client)
    org.set_member_active(member, is_active=True, actor_id=None, now=T0)
    session.flush()
    # Reactivated, the member logs in again; the old cookies stay dead.
    assert not is_logged_in(browser_with(app, copied))
    assert [row.end_reason for row in logins_of(session, member.user)] == ["deactivated"]


def test_the_user_loader_is_one_statement(client, login, make, count_queries):
    member = make.member()
    login(member.user)
    with count_queries() as statements:
        client.get("/account/password")
    loads = [s for s in statements if "login_session" in s]
    assert len(loads) == 1 and "JOIN login_session" in loads[0].replace("\n", " ")


def test_the_login_clause_holds_only_for_its_own_user(client, make, session):
    """``valid_login_clause`` in a statement over users: a token opens only its own account."""
    owner, other = make.member(), make.member()
    log_in(client, owner.user)
    with client.session_transaction() as sess:
        token = sess["_user_id"].partition(":")[2]
    check = select(User.id, valid_login_clause(User.id, token, T0).label("ok")).where(
        User.id.in_([owner.user.id, other.user.id])
    )
    assert dict(session.execute(check).all()) == {owner.user.id: True, other.user.id: False}
    assert not session.scalar(select(valid_login_clause(owner.user.id, "made-up", T0)))
    later = T0 + timedelta(days=365)
    assert not session.scalar(select(valid_login_clause(owner.user.id, token, later)))


def test_old_logins_are_purged_once_long_over(make, session):
    member = make.member()
    keep = timedelta(days=30)
    for created in (NOW - timedelta(days=90), NOW - timedelta(days=45), NOW):
        start_session(member.user, now=created, lifetime=timedelta(days=30), is_remembered=True)
    end_all_sessions(member.user, now=NOW)
    assert purge_old_logins(session, now=NOW, keep=keep) == 1  # expired 60 days ago
    assert purge_old_logins(session, now=NOW, keep=keep) == 0
    assert len(logins_of(session, member.user)) == 2
