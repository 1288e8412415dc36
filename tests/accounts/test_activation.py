"""Activation codes: random, stored hashed, single use, expiring, limited tries; the
activation page; and the migration that ends phone-derived first passwords."""

from __future__ import annotations

import importlib.util
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select
from werkzeug.security import generate_password_hash

from studyhub import package_folder
from studyhub.accounts import services
from studyhub.accounts.models import ActivationCode
from studyhub.core.clock import as_utc
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.extensions import db
from tests.conftest import NOW, PASSWORD

KEY = "testing-secret-key"
DAYS = timedelta(days=14)
NEW_PASSWORD = "mine2026ok"


def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def issue(session, user, *, now=NOW, reset=False) -> str:
    return services.issue_activation_codes(
        session, [user], by_id=None, now=now, valid_for=DAYS, key=KEY, reset=reset
    )[user.id]


def activate(session, login: str, code: str, *, now=NOW, password=NEW_PASSWORD):
    return services.activate_account(
        session,
        login,
        code,
        password,
        now=now,
        key=KEY,
        method="pbkdf2:sha256:1000",
        min_length=8,
    )


def code_row(session, user) -> ActivationCode:
    return session.scalars(select(ActivationCode).where(ActivationCode.user_id == user.id)).one()


def every_value(session) -> str:
    """Every value of every row of every table, as one text to search."""
    session.flush()
    return "\n".join(
        repr(tuple(row))
        for table in db.metadata.sorted_tables
        for row in session.execute(select(table)).all()
    )


# --- codes --------------------------------------------------------------------------------


def test_codes_are_random_and_easy_to_type():
    codes = {services.new_activation_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(services.ACTIVATION_ALPHABET)
    assert not set("0O1IL") & set(services.ACTIVATION_ALPHABET)
    assert services.format_activation_code("ABCD2345") == "ABCD-2345"
    assert services.normalise_activation_code(" abcd-2345 ") == "ABCD2345"


def test_only_a_keyed_hash_is_stored(session, make):
    member = make.member(password=None)
    code = issue(session, member.user)
    row = code_row(session, member.user)
    assert row.code_hash == services.hash_activation_code(member.user_id, code, key=KEY)
    assert row.code_hash != services.hash_activation_code(member.user_id, code, key="other")
    assert code not in every_value(session)
    assert services.format_activation_code(code) not in every_value(session)
    assert as_utc(row.expires_at) == NOW + DAYS
    assert (row.used_at, row.failed_attempts) == (None, 0)


def test_activation_sets_the_members_own_password(session, make):
    member = make.member(password=None, must_change_password=True)
    assert services.authenticate(session, member.user.phone, "") is None
    code = issue(session, member.user)
    typed = services.format_activation_code(code).lower()  # as a person may type it
    user = activate(session, member.user.phone, typed, now=NOW + timedelta(days=1))
    assert user is member.user
    assert services.has_usable_password(user)
    assert user.must_change_password is False
    assert services.authenticate(session, member.user.phone, NEW_PASSWORD) is member.user
    assert as_utc(code_row(session, member.user).used_at) == NOW + timedelta(days=1)


def test_a_code_works_once(session, make):
    member = make.member(password=None)
    code = issue(session, member.user)
    activate(session, member.user.member_no, code)
    with pytest.raises(InvalidInput):
        activate(session, member.user.member_no, code, password="another2026")
    assert services.authenticate(session, member.user.phone, NEW_PASSWORD) is member.user


def test_a_code_expires(session, make):
    member = make.member(password=None)
    code = issue(session, member.user)
    with pytest.raises(InvalidInput):
        activate(session, member.user.phone, code, now=NOW + DAYS)
    assert not services.has_usable_password(member.user)
    activate(session, member.user.phone, code, now=NOW + DAYS - timedelta(seconds=1))


def test_wrong_tries_end_the_code(session, make):
    member = make.member(password=None)
    code = issue(session, member.user)
    wrong = "22222222" if code != "22222222" else "33333333"
    for attempt in range(services.ACTIVATION_MAX_FAILURES):
        with pytest.raises(services.WrongActivationCode):
            activate(session, member.user.phone, wrong)
        session.expire_all()
        assert code_row(session, member.user).failed_attempts == attempt + 1
    # The right code no longer helps: the member asks for a new one.
    with pytest.raises(InvalidInput) as refused:
        activate(session, member.user.phone, code)
    assert not isinstance(refused.value, services.WrongActivationCode)
    assert not services.has_usable_password(member.user)
    fresh = issue(session, member.user)
    activate(session, member.user.phone, fresh)


def test_a_new_code_replaces_the_old_one(session, make):
    member = make.member(password=None)
    old = issue(session, member.user)
    new = issue(session, member.user, now=NOW + timedelta(hours=1))
    assert session.scalars(
        select(ActivationCode).where(ActivationCode.user_id == member.user_id)
    ).all() == [code_row(session, member.user)]
    if old != new:
        with pytest.raises(services.WrongActivationCode):
            activate(session, member.user.phone, old)
    activate(session, member.user.phone, new)


def test_one_answer_for_unknown_logins_and_strangers_codes(session, make):
    member = make.member(password=None)
    other = make.member(password=None)
    code = issue(session, member.user)
    answers = set()
    for login, typed in [
        ("13000000000", code),  # nobody
        (other.user.phone, code),  # someone without a code
        (member.user.phone, "ZZZZ-ZZZZ" if code != "ZZZZZZZZ" else "YYYYYYYY"),  # wrong
    ]:
        with pytest.raises(InvalidInput) as refused:
            activate(session, login, typed)
        answers.add(str(refused.value))
    assert len(answers) == 1


def test_a_disabled_account_cannot_be_activated(session, make):
    member = make.member(password=None)
    code = issue(session, member.user)
    member.user.is_enabled = False
    with pytest.raises(InvalidInput):
        activate(session, member.user.phone, code)


def test_password_rules_apply_and_cost_no_try(session, make):
    member = make.member(password=None)
    code = issue(session, member.user)
    with pytest.raises(InvalidInput):
        activate(session, member.user.phone, code, password="12345678")
    assert code_row(session, member.user).failed_attempts == 0
    activate(session, member.user.phone, code)


def test_a_reset_ends_the_password_and_the_sessions(session, make):
    member = make.member()
    assert services.authenticate(session, member.user.phone, PASSWORD) is member.user
    code = issue(session, member.user, reset=True)
    assert services.authenticate(session, member.user.phone, PASSWORD) is None
    activate(session, member.user.phone, code)
    assert services.authenticate(session, member.user.phone, NEW_PASSWORD) is member.user


def test_a_code_without_reset_keeps_the_password(session, make):
    member = make.member()
    issue(session, member.user)
    assert services.authenticate(session, member.user.phone, PASSWORD) is member.user


# --- the migration ------------------------------------------------------------------------


def _migration():
    path = package_folder("migrations") / "versions" / "0009_activation_codes.py"
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_ends_phone_derived_first_passwords(session, make):
    # Accounts as the old code made them: the phone's last 6 digits, to be changed.
    newcomer = make.member(password=None, must_change_password=True)
    newcomer.user.password_hash = generate_password_hash(
        newcomer.user.phone[-6:], method="pbkdf2:sha256:1000"
    )
    settled = make.member()  # chose their own password
    session.flush()
    assert services.authenticate(session, newcomer.user.phone, newcomer.user.phone[-6:])

    changed = _migration().end_first_passwords(session.connection())

    assert changed >= 1
    session.expire_all()
    assert services.authenticate(session, newcomer.user.phone, newcomer.user.phone[-6:]) is None
    assert not services.has_usable_password(newcomer.user)
    assert services.authenticate(session, settled.user.phone, PASSWORD) is settled.user
    # Run again: nothing left to change.
    assert _migration().end_first_passwords(session.connection()) == 0


# --- the activation page ------------------------------------------------------------------


def test_login_page_points_to_activation(client):
    page = english(client).get("/login").text
    assert "ask your branch secretary for an activation code" in page.lower()
    assert 'href="/activate"' in page


def test_activation_page_logs_the_member_in(client, session, make):
    english(client)
    member = make.member(password=None)
    code = issue(session, member.user)
    page = client.get(f"/activate?login={member.user.phone}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert f'value="{member.user.phone}"' in page.text
    response = client.post(
        "/activate",
        data={
            "identifier": member.user.phone,
            "code": services.format_activation_code(code),
            "new": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response.location == "/"
    assert client.get("/").status_code == 200
    session.expire_all()
    assert code_row(session, member.user).used_at is not None
    assert services.authenticate(session, member.user.phone, NEW_PASSWORD) is member.user


def test_a_wrong_code_on_the_page_counts_and_says_why(client, session, make):
    english(client)
    member = make.member(password=None)
    code = issue(session, member.user)
    wrong = "22222222" if code != "22222222" else "33333333"
    response = client.post(
        "/activate",
        data={
            "identifier": member.user.phone,
            "code": wrong,
            "new": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Ask your branch secretary for a new code" in response.text
    assert client.get("/").status_code == 302  # not logged in
    session.expire_all()
    assert code_row(session, member.user).failed_attempts == 1
    assert NEW_PASSWORD not in response.text


def test_the_activation_page_is_rate_limited_per_address(app, client, session, make, monkeypatch):
    monkeypatch.setitem(app.config, "ACTIVATION_RATE_LIMIT", "3 per 10 minutes")
    member = make.member(password=None)
    issue(session, member.user)
    data = {"identifier": member.user.phone, "code": "2222-2222", "new": "x", "confirm": "x"}
    statuses = [client.post("/activate", data=data).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another address is not affected.
    other = client.post("/activate", data=data, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_two_first_codes_at_once_give_a_clear_conflict(session, make):
    member = make.member(password=None)
    raced = []

    def the_other_request(flushing, _context, _instances):
        # Another request inserts the user's first code after this one looked for it.
        if raced:
            return
        raced.append(True)
        flushing.connection().execute(
            insert(ActivationCode).values(
                user_id=member.user_id,
                code_hash="x" * 64,
                issued_at=NOW,
                expires_at=NOW + DAYS,
                failed_attempts=0,
            )
        )

    event.listen(session(), "before_flush", the_other_request)
    try:
        with pytest.raises(Conflict):
            services.issue_activation_codes(
                session, [member.user], by_id=None, now=NOW, valid_for=DAYS, key=KEY
            )
    finally:
        event.remove(session(), "before_flush", the_other_request)
