"""The help pages: open to everyone, in Chinese and English, reachable from every page."""

from __future__ import annotations

import pytest

from studyhub.org.models import Role

ENGLISH = {"Accept-Language": "en"}


@pytest.mark.parametrize(
    ("path", "title", "section"),
    [
        ("/help/", "Help", "help-member"),
        ("/help/member", "Help for members", "exams"),
        ("/help/secretary", "Help for branch secretaries", "meetings"),
        ("/help/staff", "Help for committee staff", "banks"),
    ],
)
def test_every_help_page_opens_without_logging_in(client, path, title, section) -> None:
    response = client.get(path, headers=ENGLISH)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page
    assert f'id="{section}"' in page


def test_help_is_in_chinese_by_default(client) -> None:
    page = client.get("/help/member").get_data(as_text=True)
    assert "<h1>党员帮助</h1>" in page
    assert "激活码" in page and "错题本" in page
    assert "Help for members" not in page


def test_the_login_page_links_to_the_members_help(client) -> None:
    page = client.get("/login", headers=ENGLISH).get_data(as_text=True)
    assert 'id="login-help"><a href="/help/member">' in page
    assert 'class="toplink" href="/help/"' in page


def test_the_menu_of_every_logged_in_page_has_help(client, make, login) -> None:
    member = make.member(role=Role.SECRETARY)
    login(member.user)
    for path in ("/", "/meetings/", "/help/staff"):
        page = client.get(path, headers=ENGLISH).get_data(as_text=True)
        assert '<a class="toplink" href="/help/"' in page, path
    assert '<a class="toplink" href="/help/" aria-current="page">Help</a>' in client.get(
        "/help/staff", headers=ENGLISH
    ).get_data(as_text=True)
