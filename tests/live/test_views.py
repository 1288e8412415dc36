"""The lesson page, its JSON endpoints, the recording with ranges, and the home banner."""

from __future__ import annotations

import io

from studyhub.live.models import LiveComment
from studyhub.live.services import lessons
from studyhub.web.storage import current_storage
from tests.live.conftest import schedule


def csrf(client, lesson) -> str:
    page = client.get(f"/live/{lesson.id}").get_data(as_text=True)
    return page.split('data-csrf="', 1)[1].split('"', 1)[0]


def test_the_page_plays_only_from_the_stream_origin(client, login, world, lesson):
    login(world.member_a1.user)
    response = client.get(f"/live/{lesson.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="live-video"' in page and "index.m3u8" in page
    assert 'id="live-comment-form"' in page
    assert f"http://localhost/live/{lesson.id}" in page and 'class="qr"' in page
    policy = response.headers["Content-Security-Policy"]
    assert "media-src 'self' https://live.example.cn blob:" in policy
    assert "connect-src 'self' https://live.example.cn" in policy
    assert "script-src" not in policy and "default-src 'self'" in policy


def test_uninvited_and_guest_scope(client, login, world, session):
    lesson = schedule(session, world, branches=[world.branch_a])
    login(world.member_b.user)
    assert client.get(f"/live/{lesson.id}").status_code == 404
    assert client.get(f"/live/{lesson.id}/feed").status_code == 404


def test_comment_feed_hide_round_trip(client, login, world, lesson, app):
    login(world.member_a1.user)
    token = csrf(client, lesson)
    posted = client.post(
        f"/live/{lesson.id}/comments",
        data={"body": "讲得真好", "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert posted.status_code == 200, posted.get_data(as_text=True)
    comment_id = posted.get_json()["id"]
    feed = client.get(f"/live/{lesson.id}/feed?since=0").get_json()
    assert [c["body"] for c in feed["comments"]] == ["讲得真好"]
    seen = feed["seq"]
    unchanged = client.get(f"/live/{lesson.id}/feed?since={seen}")
    assert unchanged.status_code == 204 and unchanged.headers["X-Live-Seq"] == str(seen)
    # A member may not hide; the staff host may.
    refused = client.post(
        f"/live/{lesson.id}/comments/{comment_id}/hide",
        data={"csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 403
    host = app.test_client()
    login(world.staff.user, host)
    host_token = csrf(host, lesson)
    hidden = host.post(
        f"/live/{lesson.id}/comments/{comment_id}/hide",
        data={"csrf_token": host_token},
        headers={"Accept": "application/json"},
    )
    assert hidden.status_code == 200
    changed = client.get(f"/live/{lesson.id}/feed?since={seen}").get_json()
    assert changed["comments"] == [{"id": comment_id, "hidden": True}]


def test_a_refused_comment_says_why_and_stores_nothing(client, login, world, lesson, app, session):
    app.config["COMMENT_BLOCKED_WORDS"] = "赌博,微信"
    try:
        login(world.member_a1.user)
        response = client.post(
            f"/live/{lesson.id}/comments",
            data={"body": "加微信", "csrf_token": csrf(client, lesson)},
            headers={"Accept": "application/json"},
        )
    finally:
        app.config["COMMENT_BLOCKED_WORDS"] = ""
    assert response.status_code == 400
    assert "not allowed" in response.get_json()["error"]
    assert session.query(LiveComment).count() == 0


def test_watch_reports(client, login, world, lesson):
    login(world.member_a1.user)
    token = csrf(client, lesson)
    first = client.post(
        f"/live/{lesson.id}/watch",
        data={"seconds": "0", "playing": "1", "visible": "1", "csrf_token": token},
    )
    assert first.status_code == 200
    assert first.get_json()["required"] == 2880
    bad = client.post(f"/live/{lesson.id}/watch", data={"seconds": "x", "csrf_token": token})
    assert bad.status_code == 400


def test_the_home_banner(client, login, world, lesson):
    login(world.member_a1.user)
    page = client.get("/").get_data(as_text=True)
    assert 'id="live-banner"' in page and f"/live/{lesson.id}" in page
    login(world.other_staff.user)
    assert 'id="live-banner"' not in client.get("/").get_data(as_text=True)


def test_an_uploaded_recording_is_served_in_ranges(client, login, world, session, app):
    lesson = schedule(session, world, stream_url=None)
    data = b"\x00\x00\x00\x18ftypmp42" + bytes(2000)
    key, mime = lessons.video_key(lesson, data)
    with app.app_context():
        current_storage().save(key, io.BytesIO(data))
    lessons.attach_video(session, lesson, key=key, mime=mime, now=lesson.starts_at)
    login(world.member_a1.user)
    with client.get(f"/live/{lesson.id}/video", headers={"Range": "bytes=0-99"}) as response:
        assert response.status_code == 206
        assert response.headers["Content-Type"] == "video/mp4"
        assert len(response.get_data()) == 100
    page = client.get(f"/live/{lesson.id}").get_data(as_text=True)
    assert f'src="/live/{lesson.id}/video"' in page


def test_scheduling_page_for_staff_only(client, login, world):
    login(world.member_a1.user)
    assert client.get("/live/new").status_code == 403
    login(world.staff.user)
    page = client.get("/live/new").get_data(as_text=True)
    assert "甲支部" in page and "乙支部" in page


def test_the_host_sets_the_replay_and_its_deadline(client, login, world, lesson, session):
    login(world.staff.user)
    page = client.get(f"/live/{lesson.id}").get_data(as_text=True)
    assert 'id="live-replay-settings"' in page
    token = page.split('data-csrf="', 1)[1].split('"', 1)[0]
    response = client.post(
        f"/live/{lesson.id}/replay",
        data={
            "replay_url": "https://vod.example.cn/lesson.mp4",
            "makeup_until": "2026-12-31T20:00",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    session.refresh(lesson)
    assert lesson.replay_url == "https://vod.example.cn/lesson.mp4"
    assert lesson.makeup_until is not None
    login(world.member_a1.user)
    assert 'id="live-replay-settings"' not in client.get(f"/live/{lesson.id}").get_data(True)
    refused = client.post(f"/live/{lesson.id}/replay", data={"csrf_token": token})
    assert refused.status_code == 403


def test_leaders_find_the_live_lessons_from_the_meetings_page(client, login, world, lesson):
    login(world.staff.user)
    assert 'id="live-link"' in client.get("/meetings/").get_data(as_text=True)
    page = client.get("/live/").get_data(as_text=True)
    assert f"/live/{lesson.id}" in page and "/live/new" in page
