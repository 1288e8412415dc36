"""Home shows the newest unread messages at the top; nothing when all are read."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from studyhub.notify import services
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("in_english")


def tell(session, user, subject, *, minutes=0):
    return services.send(
        session,
        user_id=user.id,
        kind="test",
        subject=subject,
        body="",
        link=None,
        now=NOW + timedelta(minutes=minutes),
    )


def test_home_shows_the_newest_unread_message_first_of_all(client, login, session, make):
    member = make.member()
    for n in range(5):
        tell(session, member.user, f"提醒{n}", minutes=n)
    login(member.user)

    page = client.get("/").get_data(as_text=True)

    main = page.split('<main id="main">', 1)[1]
    first_card = re.search(r'<section class="card[^"]*" id="([^"]+)"', main)
    assert first_card is not None and first_card.group(1) == "unread-panel"
    panel = main.split('id="unread-panel"', 1)[1].split("</section>", 1)[0]
    assert "提醒4" in panel and "提醒3" not in panel  # the newest, in one line
    assert "4 more unread" in panel and 'href="/inbox"' in panel


def test_no_panel_when_everything_is_read(client, login, session, make):
    member = make.member()
    message = tell(session, member.user, "已读的提醒")
    services.mark_read(message, now=NOW + timedelta(minutes=1))
    login(member.user)

    page = client.get("/").get_data(as_text=True)

    assert 'id="unread-panel"' not in page
