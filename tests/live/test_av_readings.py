"""Audio-visual readings (视听学习): studied by played seconds, the required share of the
media, not by reaching the end of the text; the pages mark and play them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from studyhub.core.errors import InvalidInput
from studyhub.readings.services import library, tracking
from tests.conftest import NOW

VIDEO_URL = "https://media.example.cn/lesson.mp4"


def av_reading(session, committee, *, seconds=600, kind="video"):
    reading = library.create_reading(
        session,
        committee,
        library.ReadingFields(
            title="视听学习：微党课",
            body_markdown="观看微党课视频。",
            media_url=VIDEO_URL,
            media_kind=kind,
            media_seconds=seconds,
        ),
        by_user_id=None,
        now=NOW,
        timing=library.StudyTiming(),
    )
    library.publish_now(reading, now=NOW)
    session.flush()
    return reading


def test_an_av_reading_needs_its_link_and_length(session, make):
    committee = make.committee()
    for fields in (
        {"media_kind": "video", "media_seconds": 60},
        {"media_kind": "video", "media_url": VIDEO_URL},
        {"media_kind": "film", "media_url": VIDEO_URL, "media_seconds": 60},
    ):
        with pytest.raises(InvalidInput):
            library.create_reading(
                session,
                committee,
                library.ReadingFields(title="视听", body_markdown="正文", **fields),
                by_user_id=None,
                now=NOW,
                timing=library.StudyTiming(),
            )


def test_studied_by_playing_the_required_share(session, make):
    committee = make.committee()
    member = make.member(make.branch(committee))
    reading = av_reading(session, committee, seconds=600)
    assert reading.min_seconds == 480  # 80 % of the 10 minutes
    user_id = member.user_id
    tracking.open_reading(session, reading, user_id=user_id, now=NOW)
    # Ten minutes on the page with the video paused: nothing played, nothing credited.
    later = NOW + timedelta(minutes=10)
    assert (
        tracking.remaining_seconds(
            reading, tracking.receipt_of(session, reading, user_id=user_id), now=later
        )
        == 480
    )
    with pytest.raises(InvalidInput):
        tracking.mark_studied(session, reading, user_id=user_id, now=later)
    t = later
    progress = None
    for _ in range(31):  # 31 beacons of 15 played seconds: 465 s
        t += timedelta(seconds=15)
        progress = tracking.record_progress(
            session, reading, user_id=user_id, seconds=15, reached_end=False, now=t
        )
    assert not progress.is_studied and progress.remaining == 15
    t += timedelta(seconds=15)
    progress = tracking.record_progress(
        session, reading, user_id=user_id, seconds=15, reached_end=False, now=t
    )
    assert progress.newly_studied and progress.points > 0


def test_the_page_plays_it_with_the_media_origin_allowed(client, login, session, make):
    committee = make.committee()
    member = make.member(make.branch(committee))
    reading = av_reading(session, committee, kind="audio")
    login(member.user)
    response = client.get(f"/readings/{reading.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<audio id="reading-media"' in page and VIDEO_URL in page
    assert (
        "media-src 'self' https://media.example.cn" in response.headers["Content-Security-Policy"]
    )
