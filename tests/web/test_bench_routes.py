"""The benchmark's reference endpoints exist only with BENCH_FLOOR, and measure what they say."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from studyhub import create_app
from studyhub.extensions import db

BENCH_PATHS = ("/_bench/floor", "/_bench/member-floor", "/_bench/empty-page")


@pytest.fixture
def bench_app(app: Flask, session) -> Iterator[Flask]:
    """The test app's settings and database, with the benchmark routes switched on."""
    bench = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "BENCH_FLOOR": True,
        }
    )
    bench.test_client_class = app.test_client_class
    yield bench
    with bench.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path", BENCH_PATHS)
def test_the_routes_are_not_there_without_the_setting(client, path):
    assert client.get(path).status_code == 404


def test_the_floor_is_a_bare_answer(bench_app):
    response = bench_app.test_client().get("/_bench/floor")
    assert response.status_code == 200
    assert response.text == "ok"


@pytest.mark.parametrize("path", ["/_bench/member-floor", "/_bench/empty-page"])
def test_the_member_endpoints_check_the_login(bench_app, path):
    response = bench_app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_member_floor_and_empty_page_for_a_member(bench_app, login, make):
    client = login(make.member().user, bench_app.test_client())
    assert client.get("/_bench/member-floor").text == "ok"
    page = client.get("/_bench/empty-page", headers={"Accept-Language": "en"}).text
    # The whole layout, as every page has it: the tab bar with the inbox and the account menu...
    assert 'class="tabbar mainnav"' in page
    assert 'href="/account"' in page
    # ...and nothing in the page itself.
    assert re.search(r'<main id="main">\s*</main>', page)
