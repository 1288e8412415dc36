"""Logging in, wrong passwords, the rate limit and the forced first change."""

from __future__ import annotations

import pytest

from studyhub.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("in_english")  # these tests read the English UI text

WRONG = "The phone or member number and password do not match"


def post_login(client, identifier: str, password: str, **extra):
    return client.post("/login", data={"identifier": identifier, "password": password, **extra})


def test_login_with_phone_lands_on_home(client, make):
    member = make.member(name="赵一")
    response = post_login(client, member.user.phone, PASSWORD)
    assert response.status_code == 302
    assert response.location == "/"
    home = client.get("/")
    assert "赵一" in home.text


def test_login_with_member_number_and_spaces_in_phone(client, make):
    member = make.member()
    assert post_login(client, member.user.member_no, PASSWORD).status_code == 302
    client.post("/logout")
    spaced = f"{member.user.phone[:3]} {member.user.phone[3:7]} {member.user.phone[7:]}"
    assert post_login(client, spaced, PASSWORD).status_code == 302


def test_wrong_password_and_unknown_account_get_the_same_answer(client, make):
    member = make.member()
    wrong = post_login(client, member.user.phone, "not-the-password")
    unknown = post_login(client, "13000000000", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG in wrong.text and WRONG in unknown.text
    assert client.get("/").status_code == 302  # still logged out


def test_disabled_account_cannot_log_in(client, make, session):
    member = make.member()
    member.user.is_enabled = False
    session.flush()
    assert WRONG in post_login(client, member.user.phone, PASSWORD).text


def test_login_is_rate_limited_per_account(client, make):
    member = make.member()
    other = make.member()
    for _ in range(10):
        assert post_login(client, member.user.phone, "bad-password").status_code == 200
    blocked = post_login(client, member.user.phone, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    # Another account from the same address (a shared branch Wi-Fi) is not blocked.
    assert post_login(client, other.user.phone, PASSWORD).status_code == 302
    # The same account from another address is blocked too: the account is what counts.
    client.post("/logout")
    response = client.post(
        "/login",
        data={"identifier": member.user.phone, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert response.status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(client, make):
    member = make.member()
    for _ in range(12):
        assert post_login(client, member.user.phone, PASSWORD).status_code == 302
        client.post("/logout")


def test_first_login_forces_a_password_change(client, make, session):
    member = make.member(must_change_password=True)
    response = post_login(client, member.user.phone, PASSWORD)
    assert response.location == "/account/password"
    # Every other page sends the member back to the change form.
    assert client.get("/").location == "/account/password"
    assert client.get("/org/").location == "/account/password"
    too_short = client.post(
        "/account/password", data={"current": PASSWORD, "new": "abc12", "confirm": "abc12"}
    )
    assert "at least 8 characters" in too_short.text
    done = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "newpass2026", "confirm": "newpass2026"},
    )
    assert done.location == "/"
    assert client.get("/").status_code == 200
    session.refresh(member.user)
    assert member.user.must_change_password is False


def test_password_change_ends_other_sessions(app, client, make):
    member = make.member()
    other_device = app.test_client()
    assert post_login(other_device, member.user.phone, PASSWORD).status_code == 302
    assert post_login(client, member.user.phone, PASSWORD).status_code == 302
    client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "another2026", "confirm": "another2026"},
    )
    assert client.get("/").status_code == 200  # this device stays logged in
    assert other_device.get("/").status_code == 302  # the other one is logged out


def test_logout_needs_post_and_ends_the_session(client, make):
    member = make.member()
    post_login(client, member.user.phone, PASSWORD)
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_next_parameter_only_follows_local_paths(client, make):
    member = make.member()
    response = client.post(
        "/login?next=https://evil.example/",
        data={"identifier": member.user.phone, "password": PASSWORD},
    )
    assert response.location == "/"


def test_user_id_names_the_login(client, make, session):
    member = make.member()
    assert post_login(client, member.user.phone, PASSWORD).status_code == 302
    with client.session_transaction() as sess:
        user_id, _sep, token = sess["_user_id"].partition(":")
    assert int(user_id) == member.user.id and token
    user: User = member.user
    assert user.login_token is None  # only a user loaded through a login carries its token
