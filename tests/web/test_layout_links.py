"""The layout's links are kept per process (web.layout): kept links must still be right."""

from __future__ import annotations

import re

from flask import url_for


def og_image(html: str) -> str:
    found = re.search(r'<meta property="og:image" content="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_an_external_link_is_what_flask_builds_for_that_host(app, client):
    for base in ("http://one.example", "https://two.example", "http://one.example"):
        with app.test_request_context("/", base_url=base):
            expected = url_for("static", filename="icons/icon-512.png", _external=True)
        assert og_image(client.get("/login", base_url=base).text) == expected


def test_kept_links_keep_their_arguments_apart(client, login, make):
    secretary = make.member(name="书记")
    login(secretary.user)
    page = client.get("/help/").text
    # Static files keep their version; the same link twice is the same text.
    assert re.search(r'href="/static/css/app\.css\?v=[0-9a-f]{12}"', page)
    assert page == client.get("/help/").text


def test_a_link_with_an_argument_is_built_for_that_argument(app, client):
    with app.test_request_context("/"):
        kept = app.jinja_env.globals["url_for"]
        assert kept("org.unit", unit_id=1) == "/org/units/1"
        assert kept("org.unit", unit_id=2) == "/org/units/2"
        assert kept("org.unit", unit_id=1) == "/org/units/1"
        assert kept("web.home", _anchor="x") == "/#x"
