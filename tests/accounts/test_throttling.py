"""Login throttling: a spray from one address is stopped, an office's morning is not, an account
is one account whatever identifier is typed, a colleague cannot lock the owner out, and
X-Forwarded-For is believed only as far as the proxies configured."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from studyhub import behind_proxies, trusted_proxies
from studyhub.accounts import throttle
from studyhub.accounts.models import LoginSession
from studyhub.extensions import warn_about_memory_limits, worker_processes
from tests.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("in_english")

OFFICE = "203.0.113.7"


def attempt(client, identifier: str, password: str, address: str = OFFICE, **headers):
    return client.post(
        "/login",
        data={"identifier": identifier, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def test_a_spray_over_many_accounts_from_one_address_is_stopped(app, make):
    members = [make.member() for _ in range(40)]
    limit = int(app.config["LOGIN_ADDRESS_LIMIT"].split()[0])
    sprayer = app.test_client()
    answers = [attempt(sprayer, m.user.phone, "Password1").status_code for m in members]
    first_refused = answers.index(429)
    assert first_refused <= limit < 40  # within a few dozen tries
    assert set(answers[first_refused:]) == {429}
    # Unknown accounts count the same, and the right password is not even checked now.
    assert attempt(sprayer, members[0].user.phone, PASSWORD).status_code == 429
    assert attempt(sprayer, "13000000000", "Password1").status_code == 429
    # Another address is not affected.
    assert (
        attempt(app.test_client(), members[0].user.phone, PASSWORD, "198.51.100.1").status_code
        == 302
    )


def test_fifty_members_logging_in_from_one_office_all_succeed(app, make):
    branch = make.branch()
    members = [make.member(branch) for _ in range(50)]
    statuses = []
    for index, member in enumerate(members):
        browser = app.test_client()
        if index % 10 == 0:  # a few typos along the way
            assert attempt(browser, member.user.phone, "typo-123").status_code == 200
        statuses.append(attempt(browser, member.user.phone, PASSWORD).status_code)
    assert statuses == [302] * 50


def test_phone_and_member_number_count_as_one_account(app, make):
    member = make.member()
    for index in range(5):
        browser = app.test_client()
        address = f"198.51.100.{index}"
        assert attempt(browser, member.user.phone, "wrong-1", address).status_code == 200
        assert attempt(browser, member.user.member_no, "wrong-2", address).status_code == 200
    spaced = f"{member.user.phone[:3]} {member.user.phone[3:7]}-{member.user.phone[7:]}"
    for identifier in (member.user.phone, member.user.member_no, spaced):
        assert attempt(app.test_client(), identifier, PASSWORD, "192.0.2.9").status_code == 429


def test_a_colleagues_wrong_tries_do_not_lock_the_owner_out(app, make):
    """Behind one office address, a colleague who tries 10 wrong passwords blocks browsers
    that never logged in to the account; the owner's own phone (its device cookie) logs in."""
    owner = make.member()
    phone = app.test_client()
    assert attempt(phone, owner.user.phone, PASSWORD).status_code == 302
    phone.post("/logout")

    colleague = app.test_client()
    for _ in range(10):
        assert attempt(colleague, owner.user.phone, "guess-123").status_code == 200
    assert attempt(colleague, owner.user.phone, PASSWORD).status_code == 429
    # A browser with a forged device cookie is a stranger too.
    forged = app.test_client()
    forged.set_cookie(app.config["DEVICE_COOKIE_NAME"], "eyJkIjoieCIsInUiOlsxXX0.forged")
    assert attempt(forged, owner.user.phone, PASSWORD).status_code == 429

    assert attempt(phone, owner.user.phone, PASSWORD).status_code == 302


def test_the_owners_own_device_is_limited_too(app, make):
    owner = make.member()
    phone = app.test_client()
    assert attempt(phone, owner.user.phone, PASSWORD).status_code == 302
    phone.post("/logout")
    for _ in range(10):
        assert attempt(phone, owner.user.phone, "typo-typo").status_code == 200
    assert attempt(phone, owner.user.phone, PASSWORD).status_code == 429


def test_a_device_cookie_vouches_only_for_the_accounts_that_logged_in_on_it(app, make):
    mine, victim = make.member(), make.member()
    attacker = app.test_client()
    assert attempt(attacker, mine.user.phone, PASSWORD).status_code == 302
    attacker.post("/logout")
    for _ in range(10):
        attempt(attacker, victim.user.phone, "guess-123")
    assert attempt(attacker, victim.user.phone, PASSWORD).status_code == 429


def test_device_cookies_are_signed_and_bounded():
    device = throttle.new_device()
    for user_id in range(20):
        device = device.with_login(user_id)
    value = throttle.device_cookie(device, "secret")
    read = throttle.read_device(value, "secret")
    assert read == device and read.user_ids[0] == 19
    assert len(read.user_ids) == throttle.DEVICE_MAX_ACCOUNTS
    assert throttle.read_device(value, "another secret") is None
    assert throttle.read_device(value[:-2] + "xx", "secret") is None
    assert throttle.read_device(None, "secret") is None


def test_a_forged_x_forwarded_for_is_ignored_without_proxy_fix(app, make, session):
    members = [make.member() for _ in range(35)]
    sprayer = app.test_client()
    answers = [
        attempt(
            sprayer, m.user.phone, "Password1", **{"X-Forwarded-For": f"10.0.{i}.{i}"}
        ).status_code
        for i, m in enumerate(members)
    ]
    assert 429 in answers  # rotating the header does not reset the count
    ok = make.member()
    attempt(
        app.test_client(), ok.user.phone, PASSWORD, "192.0.2.50", **{"X-Forwarded-For": "1.2.3.4"}
    )
    login = session.scalars(select(LoginSession).where(LoginSession.user_id == ok.user.id)).one()
    assert login.address == "192.0.2.50"


def test_x_forwarded_for_is_believed_for_the_configured_proxies_only(
    app, make, session, monkeypatch
):
    """With PROXY_FIX=2 (a load balancer in front of nginx), the client address is the second
    entry from the right; whatever the client wrote before it is not believed."""
    assert trusted_proxies(2) == 2 and trusted_proxies(True) == 1 and trusted_proxies("3") == 3
    assert trusted_proxies(False) == 0 and trusted_proxies(None) == 0 and trusted_proxies(0) == 0
    monkeypatch.setattr(app, "wsgi_app", behind_proxies(app.wsgi_app, 2))  # as create_app does
    member = make.member()
    forwarded = "6.6.6.6, 198.51.100.23, 10.0.0.2"  # forged by the client, seen by LB, by nginx
    response = attempt(
        app.test_client(), member.user.phone, PASSWORD, "10.0.0.3", **{"X-Forwarded-For": forwarded}
    )
    assert response.status_code == 302
    login = session.scalars(
        select(LoginSession).where(LoginSession.user_id == member.user.id)
    ).one()
    assert login.address == "198.51.100.23"

    # A spray behind the proxies is counted per real client, however the client rotates the
    # part of the header it controls.
    members = [make.member() for _ in range(35)]
    answers = [
        attempt(
            app.test_client(),
            m.user.phone,
            "Password1",
            "10.0.0.3",
            **{"X-Forwarded-For": f"7.7.{i}.{i}, 198.51.100.99, 10.0.0.2"},
        ).status_code
        for i, m in enumerate(members)
    ]
    assert 429 in answers


@pytest.mark.parametrize(
    ("argv", "environ", "workers"),
    [
        (["/srv/.venv/bin/gunicorn", "-w", "2", "studyhub:create_app()"], {}, 2),
        (["/srv/.venv/bin/gunicorn", "--workers=4", "studyhub:create_app()"], {}, 4),
        (["/srv/.venv/bin/gunicorn", "-w3", "studyhub:create_app()"], {}, 3),
        (["/srv/.venv/bin/gunicorn", "studyhub:create_app()"], {"WEB_CONCURRENCY": "5"}, 5),
        (["/srv/.venv/bin/gunicorn", "x:y"], {"GUNICORN_CMD_ARGS": "--workers 6 -b :80"}, 6),
        (["/srv/.venv/bin/studyhub", "run", "-w", "9"], {}, 1),
        (["/srv/.venv/bin/gunicorn", "studyhub:create_app()"], {}, 1),
    ],
)
def test_worker_processes_from_the_command_line(argv, environ, workers):
    assert worker_processes(argv, environ) == workers


def test_memory_limits_with_several_workers_log_a_warning(app, monkeypatch, caplog):
    argv = ["/srv/.venv/bin/gunicorn", "-w", "2", "studyhub:create_app()"]
    with caplog.at_level("WARNING"):
        assert warn_about_memory_limits(app, argv, {})
    assert "STUDYHUB_RATELIMIT_STORAGE_URI" in caplog.text
    assert not warn_about_memory_limits(app, ["gunicorn", "-w", "1"], {})
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/1")
    assert not warn_about_memory_limits(app, argv, {})


def test_without_proxy_fix_the_app_is_not_wrapped(app):
    plain = object()
    assert behind_proxies(plain, False) is plain and behind_proxies(plain, None) is plain
    assert behind_proxies(plain, 2).x_for == 2 and behind_proxies(plain, True).x_for == 1
    assert app.config["PROXY_FIX"] is False  # the test app reads the socket's address
