"""The language switch in the account menu: kept per user, ahead of the browser's language."""

from __future__ import annotations

from studyhub.accounts.models import User
from studyhub.extensions import db

ENGLISH_BROWSER = {"Accept-Language": "en"}


def test_the_account_menu_offers_both_languages_and_the_users_pages(client, login, make) -> None:
    member = make.member()
    login(member.user)
    page = client.get("/account").get_data(as_text=True)
    assert 'id="account-menu"' in page
    assert 'value="zh"' in page and 'value="en"' in page
    assert ">中文<" in page and ">English<" in page
    assert 'href="/account/password"' in page and 'href="/help/"' in page
    assert 'id="logout"' in page


def test_a_chosen_language_wins_over_the_browsers(client, login, make) -> None:
    member = make.member()
    login(member.user)
    # Nothing chosen: the browser's English.
    assert "<h1>Help</h1>" in client.get("/help/", headers=ENGLISH_BROWSER).get_data(as_text=True)

    response = client.post("/account/language", data={"locale": "zh"}, headers=ENGLISH_BROWSER)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert db.session.get(User, member.user.id).locale == "zh"
    assert "语言已保存" in client.get("/account", headers=ENGLISH_BROWSER).get_data(as_text=True)
    page = client.get("/help/", headers=ENGLISH_BROWSER).get_data(as_text=True)
    assert "<h1>帮助</h1>" in page

    client.post("/account/language", data={"locale": "en"})
    assert "<h1>Help</h1>" in client.get("/help/").get_data(as_text=True)


def test_a_language_we_do_not_ship_is_refused(client, login, make) -> None:
    member = make.member()
    login(member.user)
    response = client.post("/account/language", data={"locale": "fr"})
    assert response.status_code == 302
    assert db.session.get(User, member.user.id).locale is None
    assert client.post("/account/language", data={}).status_code == 400


def test_logged_out_pages_follow_the_browser(client) -> None:
    assert "<h1>Help</h1>" in client.get("/help/", headers=ENGLISH_BROWSER).get_data(as_text=True)
    assert "<h1>帮助</h1>" in client.get("/help/").get_data(as_text=True)
