"""A login for an unknown account costs the same time as a wrong password (the real hash method).

Measured with a generous margin: the ratio of medians of a few tries must lie within 0.5–2.
"""

from __future__ import annotations

import statistics
import time

import pytest

from studyhub.accounts import services
from studyhub.accounts.services import hash_password, unusable_password

pytestmark = pytest.mark.usefixtures("in_english")

REAL_METHOD = "scrypt"  # the production default (BaseConfig.PASSWORD_HASH_METHOD)
TRIES = 7
WRONG = "The phone or member number and password do not match"


def medians(posts: dict[str, object]) -> dict[str, float]:
    """The median time of each kind of login, the kinds taking turns (so that a busy moment
    of the machine slows them all alike)."""
    times: dict[str, list[float]] = {kind: [] for kind in posts}
    for _ in range(TRIES):
        for kind, post in posts.items():
            started = time.perf_counter()
            response = post()
            times[kind].append(time.perf_counter() - started)
            assert response.status_code == 200 and WRONG in response.text
    return {kind: statistics.median(values) for kind, values in times.items()}


@pytest.fixture
def real_hashes(app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", REAL_METHOD)


def test_unknown_and_existing_accounts_take_the_same_time(app, make, session, real_hashes):
    existing = make.member()
    existing.user.password_hash = hash_password("Secret2026", method=REAL_METHOD)
    disabled = make.member()
    disabled.user.password_hash = hash_password("Secret2026", method=REAL_METHOD)
    disabled.user.is_enabled = False
    not_activated = make.member()
    not_activated.user.password_hash = unusable_password()
    session.commit()

    def post(identifier: str, address: str):
        browser = app.test_client()
        return lambda: browser.post(
            "/login",
            data={"identifier": identifier, "password": "wrong-guess-1"},
            environ_base={"REMOTE_ADDR": address},
            headers={"Accept-Language": "en"},
        )

    found = medians(
        {
            "wrong password": post(existing.user.phone, "192.0.2.1"),
            "unknown account": post("13000000000", "192.0.2.2"),
            "disabled account": post(disabled.user.phone, "192.0.2.3"),
            "not activated": post(not_activated.user.phone, "192.0.2.4"),
        }
    )
    wrong = found["wrong password"]
    for kind, seconds in found.items():
        assert 0.5 <= seconds / wrong <= 2, (kind, found)


def test_a_hash_of_another_method_pays_the_configured_cost_too(make, session):
    """An account still on another method (an older setting) costs at least the configured
    check, so its refusal takes no less time than any other."""
    member = make.member()
    member.user.password_hash = hash_password("Secret2026", method="pbkdf2:sha256:1000")
    calls = []
    original = services.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash.split("$", 1)[0])
        return original(pwhash, password)

    services.check_password_hash = counting
    try:
        assert not services.password_matches(member.user, "wrong", method="pbkdf2:sha256:2000")
        assert services.password_matches(member.user, "Secret2026", method="pbkdf2:sha256:2000")
        assert not services.password_matches(None, "wrong", method="pbkdf2:sha256:2000")
    finally:
        services.check_password_hash = original
    assert calls == [
        "pbkdf2:sha256:2000",
        "pbkdf2:sha256:1000",
        "pbkdf2:sha256:2000",
        "pbkdf2:sha256:1000",
        "pbkdf2:sha256:2000",
    ]
