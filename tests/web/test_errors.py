"""Error pages are friendly, and the page language follows the browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from studyhub import create_app
from studyhub.extensions import db
from tests.conftest import PASSWORD

ENGLISH = {"Accept-Language": "en"}


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)">', html).group(1)


def assert_friendly(response, status: int, title: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f'<p class="status-code">{status}</p>' in response.text
    assert title in response.text
    assert 'href="/"' in response.text  # the way back home
    assert "Traceback" not in response.text
    assert "werkzeug" not in response.text.lower()


def test_404_page_is_friendly(client):
    response = client.get("/no/such/page", headers=ENGLISH)
    assert_friendly(response, 404, "This page does not exist")


def test_404_for_a_missing_object_when_logged_in(client, login, make):
    login(make.admin())
    response = client.get("/org/units/987654", headers=ENGLISH)
    assert_friendly(response, 404, "This page does not exist")
    assert 'href="/account"' in response.text  # the page keeps the logged-in shell (tab bar)


def test_403_page_for_not_allowed(client, login, make):
    login(make.member().user)
    response = client.get("/org/", headers=ENGLISH)
    assert_friendly(response, 403, "You may not open this page")
    # The service's reason is shown.
    assert "This page is for committee staff and branch secretaries." in response.text


def test_405_page(client):
    response = client.post("/healthz", headers=ENGLISH)
    assert_friendly(response, 405, "This action is not allowed here")


def test_unexpected_exception_gives_the_friendly_500_page(app, client, monkeypatch):
    def broken():
        raise RuntimeError("database on fire")

    monkeypatch.setitem(app.config, "PROPAGATE_TEST_ERRORS", False)
    monkeypatch.setitem(app.view_functions, "web.health", broken)
    response = client.get("/healthz", headers=ENGLISH)
    assert_friendly(response, 500, "Something went wrong on our side")
    assert "database on fire" not in response.text
    assert "RuntimeError" not in response.text


def test_unexpected_exception_propagates_in_tests_by_default(app, client, monkeypatch):
    """So that a test that hits a bug fails with the real traceback."""

    def broken():
        raise RuntimeError("database on fire")

    monkeypatch.setitem(app.view_functions, "web.health", broken)
    with pytest.raises(RuntimeError, match="database on fire"):
        client.get("/healthz")


@pytest.fixture
def csrf_app(tmp_path: Path) -> Flask:
    """An app with CSRF protection on, as in production."""
    app = create_app(
        {
            "ENV_NAME": "testing",
            "WTF_CSRF_ENABLED": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'csrf.sqlite'}",
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_csrf_failure_gives_the_expired_form_page(csrf_app):
    client = csrf_app.test_client()
    form = client.get("/login", headers=ENGLISH)
    assert 'name="csrf_token"' in form.text
    response = client.post(
        "/login",
        data={"identifier": "13900000000", "password": PASSWORD, "csrf_token": "stale"},
        headers=ENGLISH,
    )
    assert_friendly(response, 400, "The request could not be understood")
    assert "The form had expired. Go back, reload the page and try again." in response.text
    missing = client.post("/login", data={"identifier": "x", "password": "y"}, headers=ENGLISH)
    assert missing.status_code == 400
    assert "The form had expired" in missing.text


def test_login_page_is_english_when_the_browser_asks(client):
    page = client.get("/login", headers=ENGLISH)
    assert page.status_code == 200
    assert html_lang(page.text) == "en"
    assert "Log in" in page.text
    assert "Phone or member number" in page.text


def test_chinese_is_the_default_language(client):
    assert html_lang(client.get("/login").text) == "zh-CN"
    assert html_lang(client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text) == (
        "zh-CN"
    )
    # A language we do not ship falls back to Chinese.
    assert html_lang(client.get("/login", headers={"Accept-Language": "fr"}).text) == "zh-CN"
    assert html_lang(client.get("/no/such/page").text) == "zh-CN"
