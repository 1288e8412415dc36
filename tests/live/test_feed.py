"""The feed's cheap answer: "nothing changed" from the process's cached change number,
without a query, a loaded user or a session cookie; and the poll interval it asks for."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from studyhub.extensions import db
from studyhub.live import feedstate
from studyhub.live.services import comments
from tests.conftest import TEST_START
from tests.live.conftest import schedule

JSON = {"Accept": "application/json", "Content-Type": "application/json"}


class Ticks:
    """A stand-in for the monotonic clock the cache reads."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def ticks(monkeypatch):
    clock = Ticks()
    monkeypatch.setattr(feedstate.time, "monotonic", clock)
    return clock


def statements_during(call):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if "SAVEPOINT" not in statement:  # the tests' own transaction around each request
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, seen


def test_an_up_to_date_viewer_costs_no_query_and_no_cookie(client, login, world, lesson, ticks):
    login(world.member_a1.user)
    first = client.get(f"/live/{lesson.id}/feed?since=0", headers=JSON)
    assert first.status_code == 200
    body = first.get_json()
    assert body["next"] == feedstate.POLL_MIN_MS
    url = f"/live/{lesson.id}/feed?since={body['seq']}"
    ticks.value += 0.5  # within the second the change number is cached for
    response, statements = statements_during(lambda: client.get(url, headers=JSON))
    assert response.status_code == 204
    assert statements == []
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Live-Seq"] == str(body["seq"])
    assert response.headers["X-Live-Next"] == str(feedstate.POLL_MIN_MS)
    assert response.headers["Cache-Control"] == "private, no-store"
    # After a second the change number is read again: one statement, still no user.
    ticks.value += 1.0
    response, statements = statements_during(lambda: client.get(url, headers=JSON))
    assert response.status_code == 204 and len(statements) == 1


def test_a_change_made_elsewhere_is_seen_within_a_second(
    client, login, world, lesson, ticks, session
):
    login(world.member_a1.user)
    seen = client.get(f"/live/{lesson.id}/feed?since=0", headers=JSON).get_json()["seq"]
    # Another process posts: this one's cache does not know yet.
    comments.post_comment(
        session,
        lesson,
        member=world.member_a2,
        text="另一台机器上的评论",
        now=TEST_START,
        limit=comments.RateLimit(min_gap_seconds=0, per_minute=100),
        blocked_words=[],
    )
    session.flush()
    ticks.value += 1.0
    changed = client.get(f"/live/{lesson.id}/feed?since={seen}", headers=JSON)
    assert changed.status_code == 200
    assert [c["body"] for c in changed.get_json()["comments"]] == ["另一台机器上的评论"]


def test_only_a_login_the_full_checks_let_in_gets_the_cheap_answer(
    client, login, world, session, ticks, app
):
    lesson = schedule(session, world, branches=[world.branch_a])
    insider = app.test_client()
    login(world.member_a1.user, insider)
    seq = insider.get(f"/live/{lesson.id}/feed", headers=JSON).get_json()["seq"]
    # The lesson's state is cached now, but an uninvited member still gets "not found".
    login(world.member_b.user)
    assert client.get(f"/live/{lesson.id}/feed?since={seq}", headers=JSON).status_code == 404
    # And nobody logged in gets nothing either.
    stranger = app.test_client()
    assert stranger.get(f"/live/{lesson.id}/feed?since={seq}", headers=JSON).status_code != 204
    # The trust runs out: the full checks again.
    ticks.value += feedstate.TRUST_SECONDS + 1
    assert not feedstate.is_trusted(world.member_a1.user.id, "x", lesson.id)
    url = f"/live/{lesson.id}/feed?since={seq}"
    _, statements = statements_during(lambda: insider.get(url, headers=JSON))
    assert len(statements) > 1


def test_the_poll_interval_grows_with_the_audience_and_keeps_comments_within_3_s():
    assert feedstate.poll_every_ms(10) == 2000
    assert feedstate.poll_every_ms(1000) == 2000
    assert feedstate.poll_every_ms(1500) == 2350
    at_2000 = feedstate.poll_every_ms(2000)
    assert at_2000 == 2700 < 3000  # a change waits at most one interval in one process
    assert 2000 / (at_2000 / 1000) < 750  # answers per second at 2,000 viewers
    assert feedstate.poll_every_ms(100_000) == feedstate.POLL_MAX_MS


def test_after_a_change_every_member_shares_one_read_and_hidden_stays_hidden(
    client, login, world, lesson, ticks, session, app
):
    login(world.member_a1.user)
    other = app.test_client()
    login(world.member_a2.user, other)
    limit = comments.RateLimit(min_gap_seconds=0, per_minute=100)
    comments.post_comment(
        session,
        lesson,
        member=world.member_b,
        text="开始",
        now=TEST_START,
        limit=limit,
        blocked_words=[],
    )
    session.flush()
    seen = client.get(f"/live/{lesson.id}/feed?since=0", headers=JSON).get_json()["seq"]
    assert seen > 0
    other.get(f"/live/{lesson.id}/feed?since=0", headers=JSON)
    kept = comments.post_comment(
        session,
        lesson,
        member=world.member_b,
        text="留下",
        now=TEST_START,
        limit=limit,
        blocked_words=[],
    )
    gone = comments.post_comment(
        session,
        lesson,
        member=world.member_b,
        text="不当言论",
        now=TEST_START,
        limit=limit,
        blocked_words=[],
    )
    comments.hide_comment(session, lesson, gone.id, by=world.staff.user, now=TEST_START)
    session.flush()
    ids = (kept.id, gone.id)
    ticks.value += 1.0
    url = f"/live/{lesson.id}/feed?since={seen}"
    first, statements = statements_during(lambda: client.get(url, headers=JSON))
    assert len(statements) == 2  # the change number, the range read: no user, no grants
    body = first.get_json()
    assert [c.get("body") for c in body["comments"]] == ["留下", None]
    assert body["comments"][1] == {"id": ids[1], "hidden": True}
    second, statements = statements_during(lambda: other.get(url, headers=JSON))
    assert statements == [] and second.get_json() == body


def test_a_watch_report_keeps_a_trusted_viewer_trusted(client, login, world, lesson, ticks):
    login(world.member_a1.user)
    url = f"/live/{lesson.id}/feed?since=0"
    seq = client.get(url, headers=JSON).get_json()["seq"]
    ticks.value += feedstate.TRUST_SECONDS - 5
    reported = client.post(
        f"/live/{lesson.id}/watch",
        data={"seconds": "0", "playing": "1", "visible": "1"},
        headers={"Accept": "application/json"},
    )
    assert reported.status_code == 200
    ticks.value += 10  # past the first trust, within the renewed one
    up_to_date = f"/live/{lesson.id}/feed?since={seq}"
    assert client.get(up_to_date, headers=JSON).status_code == 204
    ticks.value += feedstate.TRUST_SECONDS
    _, statements = statements_during(lambda: client.get(up_to_date, headers=JSON))
    assert len(statements) > 1  # the full checks again
