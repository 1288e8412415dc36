"""The inbox pages and the unread count in the header."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyhub.notify import services
from studyhub.notify.models import Message
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("in_english")  # these tests read the English UI text


def header_inbox_link(html: str) -> str:
    """The tab bar's inbox tab as "Inbox" or "Inbox (<unread badge>)"."""
    nav = html.split('<nav class="tabbar', 1)[1].split("</nav>", 1)[0]
    tab = re.search(r'<a href="/inbox".*?</a>', nav).group(0)
    badge = re.search(r'id="unread-badge">([^<]*)<', tab)
    return "Inbox" + (f" ({badge.group(1)})" if badge else "")


def tell(session, user, subject, *, minutes=0, link=None, body=""):
    return services.send(
        session,
        user_id=user.id,
        kind="test",
        subject=subject,
        body=body,
        link=link,
        now=NOW + timedelta(minutes=minutes),
    )


@pytest.fixture
def member(make):
    return make.member()


def test_header_shows_the_unread_count(client, login, session, member):
    login(member.user)
    assert header_inbox_link(client.get("/").get_data(as_text=True)) == "Inbox"
    tell(session, member.user, "一")
    tell(session, member.user, "二")
    session.commit()
    assert header_inbox_link(client.get("/").get_data(as_text=True)) == "Inbox (2)"


def test_unread_count_is_one_query_per_page(client, login, session, member, count_queries):
    tell(session, member.user, "一")
    login(member.user)
    with count_queries() as statements:
        client.get("/")
    # Home also lists the newest unread messages (its panel's one statement); the
    # header's count is one statement of its own.
    counts = [s for s in statements if "FROM message" in s and "count(" in s.lower()]
    assert len(counts) == 1


def test_inbox_lists_newest_first_and_highlights_unread(client, login, session, member, make):
    old = tell(session, member.user, "较早的通知", minutes=0, body="旧的正文")
    new = tell(session, member.user, "最新的通知", minutes=10)
    services.mark_read(old, now=NOW)
    tell(session, make.member().user, "别人的通知")
    session.commit()
    login(member.user)
    html = client.get("/inbox").get_data(as_text=True)
    assert "别人的通知" not in html
    assert html.index("最新的通知") < html.index("较早的通知")
    unread = re.search(rf'<li class="unread" id="message-{new.id}">(.*?)</li>', html, re.S)
    assert unread and "<strong>最新的通知</strong>" in unread.group(1)
    assert re.search(rf'<li class="read" id="message-{old.id}">', html)
    assert "旧的正文" in html


def test_inbox_pages(client, login, session, member):
    for i in range(25):
        tell(session, member.user, f"通知{i:02d}", minutes=i)
    session.commit()
    login(member.user)
    first = client.get("/inbox").get_data(as_text=True)
    second = client.get("/inbox?page=2").get_data(as_text=True)
    assert "通知24" in first and "通知05" in first and "通知04" not in first
    assert "通知04" in second and "通知00" in second and "通知05" not in second


def test_opening_a_message_marks_it_read_and_follows_a_local_link(client, login, session, member):
    message = tell(session, member.user, "今日一读", link="/readings/3")
    session.commit()
    login(member.user)
    response = client.get(f"/inbox/{message.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/readings/3"
    session.expire_all()
    read_at = session.scalar(select(Message.read_at).where(Message.id == message.id))
    assert read_at is not None
    assert header_inbox_link(client.get("/").get_data(as_text=True)) == "Inbox"
    # opening it again keeps the first read time
    client.get(f"/inbox/{message.id}")
    session.expire_all()
    assert session.scalar(select(Message.read_at).where(Message.id == message.id)) == read_at


@pytest.mark.parametrize(
    "link", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)", None]
)
def test_a_message_without_a_local_link_is_shown_not_followed(client, login, session, member, link):
    message = tell(session, member.user, "系统通知", link=link, body="第一段\n第二段")
    session.commit()
    login(member.user)
    response = client.get(f"/inbox/{message.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<p>第一段</p>" in html and "<p>第二段</p>" in html
    assert "javascript:" not in html
    if link == "https://evil.example/":
        assert 'href="https://evil.example/" rel="noopener noreferrer"' in html
    else:
        assert "evil.example" not in html


def test_another_users_message_is_not_found(client, login, session, member, make):
    theirs = tell(session, make.member().user, "别人的通知")
    session.commit()
    login(member.user)
    assert client.get(f"/inbox/{theirs.id}").status_code == 404
    session.expire_all()
    assert session.get(Message, theirs.id).read_at is None


def test_mark_all_read(client, login, session, member, make):
    mine = [tell(session, member.user, f"通知{i}") for i in range(3)]
    theirs = tell(session, make.member().user, "别人的通知")
    session.commit()
    login(member.user)
    response = client.post("/inbox/read-all", follow_redirects=True)
    assert response.status_code == 200
    assert "3 messages marked as read." in response.get_data(as_text=True)
    session.expire_all()
    assert all(session.get(Message, m.id).read_at is not None for m in mine)
    assert session.get(Message, theirs.id).read_at is None


def test_mark_all_read_needs_a_csrf_token(app, client, login, session, member):
    tell(session, member.user, "通知")
    session.commit()
    login(member.user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/inbox/read-all").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    session.expire_all()
    assert session.scalar(select(Message.read_at).where(Message.user_id == member.user_id)) is None


def test_the_inbox_needs_a_login(client):
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
