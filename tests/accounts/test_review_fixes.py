"""Issue 12's review: IPv6 addresses counted by their /64, attempts counted before the password
is checked, activation not remembered by default, no open redirect through ``next``, bulk
statements cannot change the audit log, and a logout whose commit fails leaves the login on."""

from __future__ import annotations

import inspect
import sqlite3

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError

from studyhub.accounts import services, throttle
from studyhub.accounts.models import LoginSession
from studyhub.accounts.views import _safe_next
from studyhub.audit import services as audit
from studyhub.audit.models import AuditEntry, AuditLogIsAppendOnly, erasing
from studyhub.web import saving
from tests.accounts.test_activation import NEW_PASSWORD, issue
from tests.conftest import NOW, PASSWORD

pytestmark = pytest.mark.usefixtures("in_english")

PREFIX = "2001:db8:1:2"


def attempt(client, identifier: str, password: str, address: str, **data):
    return client.post(
        "/login",
        data={"identifier": identifier, "password": password, **data},
        environ_base={"REMOTE_ADDR": address},
    )


# 1. Addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("", ""),
        ("not an address", "not an address"),
    ],
)
def test_addresses_are_counted_by_their_bucket(address, bucket):
    assert throttle.address_bucket(address) == bucket


def test_a_spray_from_many_addresses_of_one_ipv6_64_is_stopped(app, make):
    members = [make.member() for _ in range(40)]
    limit = int(app.config["LOGIN_ADDRESS_LIMIT"].split()[0])
    answers = [
        attempt(app.test_client(), m.user.phone, "Password1", f"{PREFIX}::{i + 1:x}").status_code
        for i, m in enumerate(members)
    ]
    assert answers[:limit] == [200] * limit
    assert set(answers[limit:]) == {429}
    # Another /64 is another bucket.
    assert (
        attempt(app.test_client(), members[0].user.phone, PASSWORD, "2001:db8:1:3::9").status_code
        == 302
    )


def test_an_ipv4_mapped_address_shares_its_ipv4_addresss_count(app, make):
    members = [make.member() for _ in range(31)]
    for m in members[:30]:
        attempt(app.test_client(), m.user.phone, "Password1", "203.0.113.9")
    mapped = attempt(app.test_client(), members[30].user.phone, PASSWORD, "::ffff:203.0.113.9")
    assert mapped.status_code == 429


def test_the_activation_page_limits_an_ipv6_64_as_one_address(
    app, client, session, make, monkeypatch
):
    monkeypatch.setitem(app.config, "ACTIVATION_RATE_LIMIT", "3 per 10 minutes")
    member = make.member(password=None)
    issue(session, member.user)
    data = {"identifier": member.user.phone, "code": "2222-2222", "new": "x", "confirm": "x"}
    statuses = [
        client.post(
            "/activate", data=data, environ_base={"REMOTE_ADDR": f"{PREFIX}::{i + 1}"}
        ).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    other = client.post("/activate", data=data, environ_base={"REMOTE_ADDR": "2001:db8:9::1"})
    assert other.status_code == 200


# 2. Counting before checking ---------------------------------------------------------------


def test_parallel_attempts_cannot_pass_a_nearly_full_bucket(app, session):
    limits = throttle.LoginLimits(
        account="5 per 15 minutes", address="100 per 15 minutes", device="5 per 15 minutes"
    )
    one = throttle.LoginAttempt.of(user_id=7, identifier="x", address="198.51.100.4", device=None)
    with app.test_request_context():
        for _ in range(3):
            reserved = throttle.reserve(one, limits)
            assert reserved is not None
            reserved.failed()
        # Ten attempts arrive together, all before any password check ends: two places left.
        together = [throttle.reserve(one, limits) for _ in range(10)]
        granted = [r for r in together if r is not None]
        assert len(granted) == 2
        for reserved in granted:
            reserved.failed()
        assert throttle.reserve(one, limits) is None


def test_a_right_password_gives_its_place_back(app, session):
    limits = throttle.LoginLimits(
        account="3 per 15 minutes", address="3 per 15 minutes", device="3 per 15 minutes"
    )
    one = throttle.LoginAttempt.of(user_id=8, identifier="x", address="198.51.100.5", device=None)
    with app.test_request_context():
        for _ in range(50):
            reserved = throttle.reserve(one, limits)
            assert reserved is not None
            reserved.succeeded()
        for _ in range(3):
            throttle.reserve(one, limits).failed()
        assert throttle.reserve(one, limits) is None


def test_an_attempt_arriving_during_a_password_check_is_counted_with_it(app, make, monkeypatch):
    """The account has 9 of its 10 failures; while one wrong try is being checked, another
    browser's try arrives: before, both were let through (checked before counted)."""
    member = make.member()
    for index in range(9):
        attempt(app.test_client(), member.user.phone, "wrong-123", f"198.51.100.{index + 10}")
    real = services.password_matches
    during = []

    def slow_check(user, password, *, method):
        if not during:  # another browser's try, from elsewhere, while this one is checked
            during.append(None)
            during[0] = attempt(
                app.test_client(), member.user.phone, "wrong-456", "192.0.2.200"
            ).status_code
        return real(user, password, method=method)

    monkeypatch.setattr(services, "password_matches", slow_check)
    assert (
        attempt(app.test_client(), member.user.phone, "wrong-123", "192.0.2.100").status_code == 200
    )
    assert during == [429]  # the parallel try was refused unchecked


def test_fifty_correct_logins_from_one_address_all_succeed(app, make):
    branch = make.branch()
    members = [make.member(branch) for _ in range(50)]
    statuses = [
        attempt(app.test_client(), m.user.phone, PASSWORD, "2001:db8:5::1").status_code
        for m in members
    ]
    assert statuses == [302] * 50


# 3. Activation is not remembered unless asked -------------------------------------------------


def activate_on_page(client, member, code, **extra):
    return client.post(
        "/activate",
        data={
            "identifier": member.user.phone,
            "code": services.format_activation_code(code),
            "new": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            **extra,
        },
    )


def test_activation_is_not_remembered_by_default(app, client, session, make):
    member = make.member(password=None)
    code = issue(session, member.user)
    page = client.get("/activate")
    assert "Keep me logged in on this device" in page.text
    assert 'name="remember"' in page.text and "checked" not in page.text
    assert activate_on_page(client, member, code).status_code == 302
    assert client.get_cookie("remember_token") is None
    row = session.scalars(select(LoginSession).where(LoginSession.user_id == member.user.id)).one()
    assert row.is_remembered is False


def test_activation_is_remembered_when_asked(client, session, make):
    member = make.member(password=None)
    code = issue(session, member.user)
    assert activate_on_page(client, member, code, remember="y").status_code == 302
    assert client.get_cookie("remember_token") is not None
    row = session.scalars(select(LoginSession).where(LoginSession.user_id == member.user.id)).one()
    assert row.is_remembered is True


# 4. No open redirect -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/\\\\evil.example",
        "\\/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/ /evil.example",
        "/\x00/evil.example",
        "/\x7f/evil.example",
        "/plans\\..\\evil",
        "javascript:alert(1)",
        "evil.example",
        "",
        None,
    ],
)
def test_next_refuses_anything_a_browser_may_read_as_another_host(target):
    assert _safe_next(target) is None


@pytest.mark.parametrize("target", ["/", "/plans/3?tab=targets", "/readings/%2Fx", "/a/b#c"])
def test_next_follows_local_paths(target):
    assert _safe_next(target) == target


def test_login_does_not_follow_a_backslash_next(client, make):
    member = make.member()
    response = client.post(
        "/login?next=/%5Cevil.example",
        data={"identifier": member.user.phone, "password": PASSWORD},
    )
    assert response.status_code == 302 and response.location == "/"


# 5. Bulk statements cannot change the audit log ---------------------------------------------


def an_entry(session, summary="member 张三 added") -> AuditEntry:
    entry = audit.record(
        session,
        "member.added",
        actor_id=None,
        now=NOW,
        object_type="member",
        object_id=1,
        summary=summary,
    )
    session.flush()
    return entry


@pytest.mark.parametrize(
    "statement",
    [
        lambda e: update(AuditEntry).where(AuditEntry.id == e.id).values(summary="x"),
        lambda e: update(AuditEntry).values(summary="x"),
        lambda e: delete(AuditEntry).where(AuditEntry.id == e.id),
        lambda e: AuditEntry.__table__.update().values(summary="x"),
        lambda e: AuditEntry.__table__.delete(),
    ],
    ids=["orm-update", "orm-update-all", "orm-delete", "core-update", "core-delete"],
)
def test_a_bulk_statement_cannot_change_or_delete_entries(session, statement):
    entry = an_entry(session)
    with pytest.raises(AuditLogIsAppendOnly):
        session.execute(statement(entry))
    session.expire_all()
    assert session.get(AuditEntry, entry.id).summary == "member 张三 added"


def test_query_delete_is_refused(session):
    an_entry(session)
    with pytest.raises(AuditLogIsAppendOnly):
        session.query(AuditEntry).delete()


def test_other_tables_bulk_statements_pass(session, make):
    member = make.member()
    session.execute(
        update(LoginSession).where(LoginSession.user_id == member.user.id).values(address="x")
    )


def test_erasure_may_rewrite_entries(session):
    entry = an_entry(session)
    with erasing(session):
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == entry.id)
            .values(summary="member [已删除] added")
        )
    session.execute(
        update(AuditEntry)
        .where(AuditEntry.id == entry.id)
        .values(summary="member 已注销 added")
        .execution_options(audit_erasure=True)
    )
    # The exception ends with the block.
    with pytest.raises(AuditLogIsAppendOnly):
        session.execute(update(AuditEntry).values(summary="x"))
    session.expire_all()
    assert session.get(AuditEntry, entry.id).summary == "member 已注销 added"


def test_erase_person_passes_the_guard(session):
    entry = an_entry(session, summary="member 张三丰 added")
    params = inspect.signature(audit.erase_person).parameters
    ids = {name: 1 for name in ("member_id", "user_id", "committee_id") if name in params}
    changed = audit.erase_person(session, needles=("张三丰",), placeholder="[已删除]", **ids)
    assert changed == 1
    assert "audit_erasure" not in session.info  # the exception ended with the call
    session.expire_all()
    assert session.get(AuditEntry, entry.id).summary == "member [已删除] added"


# 6. A logout whose commit fails --------------------------------------------------------------


def test_a_logout_whose_commit_fails_leaves_the_user_logged_in(
    app, client, session, make, monkeypatch
):
    member = make.member()
    assert (
        attempt(client, member.user.phone, PASSWORD, "198.51.100.77", remember="y").status_code
        == 302
    )
    assert client.get("/").status_code == 200

    def busy():
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(saving, "commit_now", busy)
    monkeypatch.setitem(app.config, "PROPAGATE_TEST_ERRORS", False)
    response = client.post("/logout")
    assert response.status_code == 503
    assert "You have logged out" not in response.text
    monkeypatch.undo()

    session.expire_all()
    row = session.scalars(select(LoginSession).where(LoginSession.user_id == member.user.id)).one()
    assert row.ended_at is None
    # The browser is still logged in (its session and its remember-me cookie), so it knows.
    assert client.get_cookie("remember_token") is not None
    assert client.get("/").status_code == 200
    # Trying again logs out for real.
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302
