"""Member pages of readings: the reading page, beacons, "已学习", archive, home panel, the
secretary's study table."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.org.models import Role, UnitKind
from studyhub.points import queries as point_queries
from studyhub.readings.models import ReadReceipt
from studyhub.readings.services import tracking
from tests.readings.tracking_helpers import make_column, make_history, make_reading

TZ = "Asia/Shanghai"
UNSAFE_BODY = (
    "# 标题\n\n认真学习党章。\n\n<script>alert('x')</script>\n\n"
    '<p onclick="steal()">点我</p>\n\n<a href="javascript:alert(1)">链接</a>\n\n'
    '<img src="x.png" onerror="steal()">'
)


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def today():
    return clock.local_today(TZ)


@pytest.fixture
def org(make):
    committee = make.committee()
    branch = make.unit(committee, UnitKind.BRANCH, "第一支部")
    other_branch = make.unit(committee, UnitKind.BRANCH, "第二支部")
    return {
        "committee": committee,
        "branch": branch,
        "other_branch": other_branch,
        "member": make.member(branch, name="张伟"),
    }


@pytest.fixture
def member(org):
    return org["member"]


def receipt_of(session, reading, member) -> ReadReceipt | None:
    return session.scalars(
        select(ReadReceipt).where(
            ReadReceipt.reading_id == reading.id, ReadReceipt.user_id == member.user_id
        )
    ).first()


def study(session, member, reading, at) -> None:
    tracking.open_reading(session, reading, user_id=member.user_id, now=at)
    tracking.mark_studied(
        session, reading, user_id=member.user_id, now=at + timedelta(seconds=reading.min_seconds)
    )


# --- the reading page -------------------------------------------------------------------


def test_reading_page_shows_the_sanitised_body_and_records_a_receipt(
    client, login, session, org, member, today
):
    column = make_column(session, org["committee"], "党务指南")
    reading = make_reading(
        session,
        org["committee"],
        title="学习党章",
        body=UNSAFE_BODY,
        daily_on=today,
        column=column,
        min_seconds=45,
    )
    login(member.user)

    page = client.get(f"/readings/{reading.id}")

    assert page.status_code == 200
    assert "<h1>学习党章</h1>" in page.text
    assert "认真学习党章" in page.text and "点我" in page.text
    assert "党务指南" in page.text
    body = page.text.split('<div class="prose">', 1)[1].split('<p id="reading-end"', 1)[0]
    assert "<script" not in body and "onclick" not in body and "onerror" not in body
    assert "javascript:" not in body and "链接" in body
    assert 'id="studied-button"' in page.text
    assert 'data-remaining="45"' in page.text
    receipt = receipt_of(session, reading, member)
    assert receipt is not None and receipt.studied_at is None
    # A second visit keeps the one receipt.
    client.get(f"/readings/{reading.id}")
    assert session.scalar(select(func.count(ReadReceipt.id))) == 1


def test_reading_of_another_committee_is_not_found(client, login, session, make, member, today):
    other_committee = make.committee()
    reading = make_reading(session, other_committee, daily_on=today)
    login(member.user)

    assert client.get(f"/readings/{reading.id}").status_code == 404
    assert client.post(f"/readings/{reading.id}/progress", data={"seconds": 5}).status_code == 404
    assert receipt_of(session, reading, member) is None


def test_tomorrows_reading_cannot_be_opened_by_its_url(client, login, session, org, member, today):
    tomorrow = make_reading(session, org["committee"], daily_on=today + timedelta(days=1))
    login(member.user)

    page = client.get(f"/readings/{tomorrow.id}")

    assert page.status_code == 404
    assert tomorrow.title not in page.text
    assert receipt_of(session, tomorrow, member) is None


def test_unpublished_readings_are_not_found(client, login, session, org, member, today):
    draft = make_reading(session, org["committee"], is_published=False)
    withdrawn = make_reading(session, org["committee"], daily_on=today - timedelta(days=1))
    withdrawn.unpublished_at = clock.now_utc()
    session.flush()
    login(member.user)

    assert client.get(f"/readings/{draft.id}").status_code == 404
    assert client.get(f"/readings/{withdrawn.id}").status_code == 404
    assert client.post(f"/readings/{draft.id}/studied").status_code == 404


def test_a_user_without_membership_gets_not_found(client, login, session, make, org, today):
    reading = make_reading(session, org["committee"], daily_on=today)
    login(make.admin())

    assert client.get(f"/readings/{reading.id}").status_code == 404


# --- beacons and the button -------------------------------------------------------------


def test_progress_beacon_form_and_json(client, login, session, org, member, today):
    reading = make_reading(session, org["committee"], daily_on=today, min_seconds=120)
    login(member.user)
    client.get(f"/readings/{reading.id}")

    # A forged beacon claiming an hour gets no more than the few seconds that passed.
    answer = client.post(
        f"/readings/{reading.id}/progress", data={"seconds": "3600", "reached_end": "1"}
    )
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["studied"] is False
    assert 0 <= data["seconds_spent"] <= tracking.SLACK_SECONDS + 1
    assert data["remaining"] == 120 - data["seconds_spent"]

    retried = client.post(f"/readings/{reading.id}/progress", json={"seconds": 3600})
    assert retried.status_code == 200
    assert retried.get_json()["seconds_spent"] <= tracking.SLACK_SECONDS + 2
    receipt = receipt_of(session, reading, member)
    assert receipt.reached_end is True  # latched by the first beacon

    assert client.post(f"/readings/{reading.id}/progress", data={"seconds": "x"}).status_code == 400


def test_progress_beacon_needs_the_csrf_token_in_its_body(
    app, client, login, session, org, member, today, monkeypatch
):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    reading = make_reading(session, org["committee"], daily_on=today, min_seconds=120)
    login(member.user)
    page = client.get(f"/readings/{reading.id}")
    token = re.search(r'data-csrf="([^"]+)"', page.text).group(1)
    url = f"/readings/{reading.id}/progress"

    assert client.post(url, data={"seconds": 1}).status_code == 400
    assert client.post(url, data={"seconds": 1, "csrf_token": token}).status_code == 200
    assert client.post(url, json={"seconds": 1}, headers={"X-CSRFToken": token}).status_code == 200


def test_progress_beacon_credits_a_short_reading(client, login, session, org, member, today):
    reading = make_reading(session, org["committee"], daily_on=today, min_seconds=0)
    login(member.user)
    client.get(f"/readings/{reading.id}")

    first = client.post(f"/readings/{reading.id}/progress", data={"seconds": 1, "reached_end": 1})
    again = client.post(f"/readings/{reading.id}/progress", data={"seconds": 1, "reached_end": 1})

    assert first.get_json() == {"studied": True, "seconds_spent": 1, "remaining": 0, "points": 1}
    assert again.get_json()["studied"] is True and again.get_json()["points"] == 0
    assert session.scalar(point_queries.total_of(member.user_id)) == 1
    page = client.get(f"/readings/{reading.id}")
    assert 'id="studied-button"' not in page.text
    assert re.search(r'<p id="studied-note" class="studied" >✓ Studied', page.text)


def test_studied_button_too_early_says_how_long(client, login, session, org, member, today):
    reading = make_reading(session, org["committee"], daily_on=today, min_seconds=300)
    login(member.user)
    client.get(f"/readings/{reading.id}")

    answer = client.post(f"/readings/{reading.id}/studied", follow_redirects=True)

    assert answer.status_code == 200
    message = re.search(r'<p class="flash flash-error"[^>]*>([^<]+)</p>', answer.text)
    assert message is not None
    assert "more seconds before it counts as studied" in message.group(1)
    assert re.search(r"\b(29\d|300)\b", message.group(1))
    assert receipt_of(session, reading, member).studied_at is None
    assert session.scalar(point_queries.total_of(member.user_id)) == 0


def test_studied_button_after_the_minimum(client, login, session, org, member, today):
    reading = make_reading(session, org["committee"], daily_on=today, min_seconds=30)
    login(member.user)
    # Opened 40 seconds ago, no beacons (no JavaScript): the server counts the time.
    tracking.open_reading(
        session, reading, user_id=member.user_id, now=clock.now_utc() - timedelta(seconds=40)
    )

    answer = client.post(f"/readings/{reading.id}/studied", follow_redirects=True)

    assert "Well done: studied, 1 points earned." in answer.text
    receipt = receipt_of(session, reading, member)
    assert receipt.studied_at is not None and receipt.studied_on == today
    assert receipt.seconds_spent >= 40


# --- the home page ----------------------------------------------------------------------


def test_home_shows_today_history_and_streak(client, login, session, org, member, today):
    reading = make_reading(
        session, org["committee"], title="今日一读：党的二十大报告", daily_on=today
    )
    yesterday = make_reading(session, org["committee"], daily_on=today - timedelta(days=1))
    study(session, member, yesterday, clock.now_utc() - timedelta(days=1))
    make_history(session, month=today.month, day=today.day, year=1949, title="开国大典的一天")
    make_history(
        session,
        month=today.month,
        day=today.day,
        year=1921,
        title="本党委的一条",
        committee=org["committee"],
    )
    make_history(
        session,
        month=today.month,
        day=today.day,
        year=1935,
        title="别的党委的一条",
        committee=make_committee_for(session, org),
    )
    login(member.user)

    page = client.get("/")

    assert page.status_code == 200
    section = between(page.text, 'id="today-reading"', "</section>")
    assert "今日一读：党的二十大报告" in section
    assert f'href="/readings/{reading.id}"' in section
    assert "Not studied yet" in section
    assert "Days in a row: 1" in page.text
    assert "Points: 1" in page.text
    assert "Have you recharged yourself today?" in page.text
    history = between(page.text, 'id="this-day"', "</section>")
    assert history.index("1921") < history.index("1949")
    assert "本党委的一条" in history and "开国大典的一天" in history
    assert "别的党委的一条" not in history
    assert 'href="/readings/this-day"' in history
    assert 'id="tasks"' in page.text


def test_home_history_falls_back_to_the_next_day_with_an_entry(
    client, login, session, org, member, today
):
    soon = today + timedelta(days=2)
    later = today + timedelta(days=3)
    make_history(session, month=soon.month, day=soon.day, year=1935, title="两天后的事")
    make_history(session, month=later.month, day=later.day, year=1949, title="三天后的事")
    login(member.user)

    history = between(client.get("/").text, 'id="this-day"', "</section>")

    assert 'id="history-ahead"' in history
    assert "Nothing for today. Coming up on" in history
    assert "两天后的事" in history
    assert "三天后的事" not in history  # the nearest day only
    assert f'href="/readings/this-day?date={soon.isoformat()}"' in history
    page = client.get(f"/readings/this-day?date={soon.isoformat()}")
    assert "两天后的事" in between(page.text, 'id="history-entries"', "</ul>")


def test_home_history_today_wins_over_the_days_ahead(client, login, session, org, member, today):
    tomorrow = today + timedelta(days=1)
    make_history(session, month=today.month, day=today.day, year=1921, title="今天的事")
    make_history(session, month=tomorrow.month, day=tomorrow.day, year=1949, title="明天的事")
    login(member.user)

    history = between(client.get("/").text, 'id="this-day"', "</section>")

    assert "今天的事" in history and "明天的事" not in history
    assert 'id="history-ahead"' not in history


def test_home_history_looks_a_week_ahead_at_most(client, login, session, org, member, today):
    from studyhub.readings.queries import HISTORY_LOOKAHEAD_DAYS

    far = today + timedelta(days=HISTORY_LOOKAHEAD_DAYS + 1)
    make_history(session, month=far.month, day=far.day, year=1949, title="太远的事")
    login(member.user)

    history = between(client.get("/").text, 'id="this-day"', "</section>")

    assert "太远的事" not in history
    assert "No entries for this day." in history


def test_this_day_with_a_bad_date_is_not_found(client, login, member):
    login(member.user)

    assert client.get("/readings/this-day?date=2026-13-01").status_code == 404


def make_committee_for(session, org):
    from studyhub.org import services as org_services
    from tests.conftest import NOW

    return org_services.create_committee(session, "别的党委", now=NOW, timezone=TZ)


def between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_home_after_studying_today_drops_the_prompt(client, login, session, org, member, today):
    reading = make_reading(session, org["committee"], daily_on=today)
    study(session, member, reading, clock.now_utc() - timedelta(minutes=5))
    login(member.user)

    page = client.get("/")

    assert "Have you recharged yourself today?" not in page.text
    assert "✓ Studied" in between(page.text, 'id="today-reading"', "</section>")
    assert "Days in a row: 1" in page.text


def test_home_without_a_reading_today(client, login, member):
    login(member.user)

    page = client.get("/")

    assert "No reading has been published for today yet." in page.text
    assert "Days in a row: 0" in page.text
    assert page.text.count('id="today-reading"') == 1
    assert page.text.count('id="tasks"') == 1


def test_home_queries_do_not_grow_with_history(
    client, login, session, org, member, today, count_queries
):
    make_reading(session, org["committee"], daily_on=today)
    login(member.user)
    client.get("/")
    session.expire_all()  # as in production, nothing is cached between requests
    with count_queries() as few:
        client.get("/")

    now = clock.now_utc()
    for n in range(1, 40):
        past = make_reading(session, org["committee"], daily_on=today - timedelta(days=n))
        study(session, member, past, now - timedelta(days=n))
        make_history(session, month=today.month, day=today.day, year=1900 + n, title=f"事件{n}")
    session.expire_all()
    with count_queries() as many:
        page = client.get("/")

    assert "Days in a row: 39" in page.text
    assert len(many) == len(few)
    # Every domain's home panel (today, plans to do, daily quiz, meetings, lead reader) adds
    # its few statements; the point is that none of them grows with the member's history.
    assert len(many) <= 18, "\n".join(many)


# --- archive and history ----------------------------------------------------------------


def test_archive_lists_visible_daily_readings_newest_first(
    client, login, session, org, member, today
):
    column = make_column(session, org["committee"], "党史今天")
    older = make_reading(session, org["committee"], title="前天", daily_on=today - timedelta(2))
    newer = make_reading(session, org["committee"], title="昨天", daily_on=today - timedelta(1))
    make_reading(session, org["committee"], title="明天", daily_on=today + timedelta(1))
    make_reading(
        session, org["committee"], title="草稿", daily_on=today - timedelta(3), is_published=False
    )
    in_column = make_reading(session, org["committee"], title="栏目文章", column=column)
    study(session, member, older, clock.now_utc() - timedelta(days=2))
    login(member.user)

    page = client.get("/readings/archive")

    items = between(page.text, 'id="archive-items"', "</ul>")
    assert items.index("昨天") < items.index("前天")
    assert "明天" not in items and "草稿" not in items and "栏目文章" not in items
    assert items.count("✓") == 1
    assert f"/readings/{newer.id}" in items
    by_column = client.get(f"/readings/archive?column={column.id}")
    assert "栏目文章" in between(by_column.text, 'id="archive-items"', "</ul>")
    assert f"/readings/{in_column.id}" in by_column.text


def test_archive_pages_with_a_more_link(client, login, session, org, member, today):
    for n in range(1, 26):
        make_reading(session, org["committee"], title=f"第{n}天", daily_on=today - timedelta(n))
    login(member.user)

    first = client.get("/readings/archive")
    second = client.get("/readings/archive?page=2")

    assert first.text.count("<li>") >= 20
    assert 'rel="next" href="/readings/archive?page=2"' in first.text
    assert "第25天" in second.text and "第1天<" not in second.text
    assert 'rel="next"' not in second.text


def test_archive_of_another_committees_column_is_not_found(client, login, session, make, member):
    column = make_column(session, make.committee(), "别人的栏目")
    login(member.user)

    assert client.get(f"/readings/archive?column={column.id}").status_code == 404


def test_my_history_lists_my_receipts(client, login, session, make, org, member, today):
    mine = make_reading(session, org["committee"], title="我读过的", daily_on=today)
    assert mine.min_seconds == 60
    study(session, member, mine, clock.now_utc() - timedelta(minutes=3))
    theirs = make_reading(session, org["committee"], title="别人读过的")
    other = make.member(org["branch"])
    study(session, other, theirs, clock.now_utc() - timedelta(minutes=3))
    login(member.user)

    page = client.get("/readings/mine")

    receipts = between(page.text, 'id="my-receipts"', "</ul>")
    assert "我读过的" in receipts and "✓ Studied" in receipts
    assert "1 min read" in receipts  # the 60 seconds it took
    assert "别人读过的" not in receipts
    assert "Points: 1" in page.text


def test_this_day_lists_every_entry(client, login, session, member, today):
    for year in (1921, 1949, 1978, 2012):
        make_history(session, month=today.month, day=today.day, year=year, title=f"{year}年的事")
    login(member.user)

    page = client.get("/readings/this-day")

    entries = between(page.text, 'id="history-entries"', "</ul>")
    assert [int(y) for y in re.findall(r"<strong>(\d+)</strong>", entries)] == [
        1921,
        1949,
        1978,
        2012,
    ]


# --- the secretary's table --------------------------------------------------------------


@pytest.fixture
def branch_people(session, make, org, today):
    branch = org["branch"]
    group = make.unit(branch, UnitKind.GROUP, "第一小组")
    secretary = make.member(branch, name="书记", role=Role.SECRETARY)
    grouped = make.member(branch, name="小组成员", group=group)
    stranger = make.member(org["other_branch"], name="外支部党员")
    readings = {
        "today": make_reading(session, org["committee"], title="今天", daily_on=today),
        "yesterday": make_reading(
            session, org["committee"], title="昨天", daily_on=today - timedelta(days=1)
        ),
    }
    now = clock.now_utc()
    study(session, org["member"], readings["today"], now - timedelta(minutes=5))
    if today.weekday() > 0:  # yesterday is in this week unless today is Monday
        study(session, org["member"], readings["yesterday"], now - timedelta(days=1))
    study(session, grouped, readings["yesterday"], now - timedelta(days=1))
    study(session, stranger, readings["today"], now - timedelta(minutes=5))
    return {"secretary": secretary, "grouped": grouped, "stranger": stranger}


def table_rows(html: str) -> dict[str, tuple[bool, str]]:
    body = between(html, 'id="study-table"', "</table>")
    rows = re.findall(
        r'<td>([^<]+)</td>\s*<td class="today"[^>]*>(.*?)</td>\s*'
        r'<td class="week"[^>]*>([^<]+)</td>',
        body,
        re.S,
    )
    return {name: ("✓" in today, week.strip()) for name, today, week in rows}


def test_secretary_sees_who_studied_in_the_branch(client, login, org, branch_people, today):
    login(branch_people["secretary"].user)

    page = client.get(f"/readings/branches/{org['branch'].id}/study")

    assert page.status_code == 200
    rows = table_rows(page.text)
    monday = today.weekday() == 0
    week_total = 1 if monday else 2
    assert rows == {
        "张伟": (True, f"{1 if monday else 2} / {week_total}"),
        "小组成员": (False, f"{0 if monday else 1} / {week_total}"),
        "书记": (False, f"0 / {week_total}"),
    }
    assert "外支部党员" not in page.text


def test_branch_page_links_to_the_study_table(client, login, org, branch_people):
    login(branch_people["secretary"].user)

    page = client.get(f"/org/units/{org['branch'].id}")

    assert f'href="/readings/branches/{org["branch"].id}/study"' in page.text


def test_study_table_is_for_the_branch_and_above(client, login, make, org, branch_people):
    url = f"/readings/branches/{org['branch'].id}/study"
    login(org["member"].user)
    assert client.get(url).status_code == 403

    other_secretary = make.member(org["other_branch"], role=Role.SECRETARY)
    login(other_secretary.user)
    assert client.get(url).status_code == 403

    staff = make.member(org["other_branch"], role=Role.STAFF, role_unit=org["committee"])
    login(staff.user)
    page = client.get(url)
    assert page.status_code == 200
    assert set(table_rows(page.text)) == {"张伟", "小组成员", "书记"}
    assert client.get(f"/readings/branches/{org['committee'].id}/study").status_code == 404


def test_study_table_counts_filters_and_reminds_once_a_day(
    client, login, session, org, branch_people
):
    from studyhub.notify.models import Message

    branch = org["branch"]
    url = f"/readings/branches/{branch.id}/study"
    login(branch_people["secretary"].user)
    page = client.get(url)
    assert "1 of 3 members have studied today." in page.text
    assert 'id="remind-all"' in page.text and "Remind all not studied (2)" in page.text
    only = client.get(url + "?show=not_studied")
    assert set(table_rows(only.text)) == {"小组成员", "书记"}

    grouped = branch_people["grouped"]
    done = client.post(
        f"{url}/remind?show=not_studied",
        data={"member_id": grouped.id},
    )
    assert done.status_code == 302
    assert done.location.endswith(f"?show=not_studied&acted={grouped.id}#m-{grouped.id}")
    after = client.get(done.location)
    # The result is shown in the row the secretary acted on, not at the top of the page.
    row = between(after.text, f'id="m-{grouped.id}"', "</tbody>")
    assert "1 member reminded." in row
    assert "1 member reminded." not in between(after.text, "<main", 'id="study-table"')
    assert "Reminded today" in row
    messages = session.scalars(select(Message).where(Message.kind == "study_reminder")).all()
    assert [m.user_id for m in messages] == [grouped.user_id]

    from studyhub.notify import services as notify
    from studyhub.notify.models import ChannelDelivery, ChannelKind

    notify.save_channel(
        session,
        branch.id,
        ChannelKind.WECOM,
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        secret=None,
        is_active=True,
        by_user_id=None,
        now=clock.now_utc(),
    )
    everyone = client.post(f"{url}/remind")
    assert everyone.location.endswith("#study-summary")
    [post] = session.scalars(select(ChannelDelivery)).all()
    assert post.text.startswith("2 名党员尚未学习今天的材料《今天》")  # the group's language
    summary = client.get(everyone.location).text
    assert "1 member reminded." in summary  # the secretary; the grouped member was already
    assert "1 member had been reminded today already." in summary
    assert "Posted to the branch&#39;s group chat." in summary
    count = session.scalar(
        select(func.count()).select_from(Message).where(Message.kind == "study_reminder")
    )
    assert count == 2


def test_only_the_branch_leaders_remind(client, login, make, org, branch_people):
    url = f"/readings/branches/{org['branch'].id}/study"
    staff = make.member(org["other_branch"], role=Role.STAFF, role_unit=org["committee"])
    login(staff.user)
    assert 'id="remind-all"' not in client.get(url).text
    assert client.post(f"{url}/remind").status_code == 403
