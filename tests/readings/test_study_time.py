"""The reading time shown is the honest wait: one figure on home, the plan, the library and
the reading page, and the reading page counts down the same seconds (issue 14)."""

from __future__ import annotations

import re

import pytest

from studyhub.core import clock
from studyhub.readings.services.content import StudyTime
from tests.plans.plan_helpers import TZ, make_org, make_plan
from tests.readings.tracking_helpers import make_reading


@pytest.fixture
def client(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    return client


@pytest.mark.parametrize(
    ("seconds", "minutes", "is_exact"),
    [(40, 1, True), (59, 1, True), (60, 1, True), (89, 1, False), (90, 2, False), (120, 2, True)],
)
def test_study_time_rounds_half_up_and_is_exact_under_a_minute(seconds, minutes, is_exact):
    shown = StudyTime(seconds)
    assert shown.is_shown
    assert (shown.minutes, shown.is_exact) == (minutes, is_exact)


def test_no_wait_shows_no_time():
    assert not StudyTime(0).is_shown


def shown_times(html: str) -> list[str]:
    """Every reading time on a page (each is marked with the study-time class or id)."""
    return [
        re.sub(r"\s+", "", m)
        for m in re.findall(r'(?:class="[^"]*study-time[^"]*"|id="study-time")>([^<]*)<', html)
    ]


@pytest.mark.parametrize(
    ("min_seconds", "label"), [(40, "40秒"), (90, "约2分钟"), (120, "2分钟"), (300, "5分钟")]
)
def test_every_page_shows_the_wait_the_reading_page_counts_down(
    client, login, session, make, app, min_seconds, label
):
    org = make_org(make)
    today = clock.local_today(TZ)
    # A long text: its reading estimate (reading_seconds) differs from the wait.
    reading = make_reading(
        session,
        org.committee,
        title="今日学习",
        body="认真学习党章。" * 400,
        daily_on=today,
        min_seconds=min_seconds,
    )
    assert reading.reading_seconds != min_seconds
    plan = make_plan(
        session, org.committee, materials=[reading], targets=[org.general], today=today
    )

    login(org.member.user)
    home = client.get("/").text
    plan_page = client.get(f"/plans/{plan.id}").text
    page = client.get(f"/readings/{reading.id}").text
    login(org.staff.user)
    library = client.get(f"/library/readings/{reading.id}/edit").text

    assert shown_times(home) == [label]
    assert shown_times(plan_page) == [label, label]  # today's reading and the material
    assert shown_times(page) == [label]
    assert f"显示为{label}" in library
    # The wait the page counts down is the figure shown.
    assert f'data-remaining="{min_seconds}"' in page
    assert f'<strong id="countdown-seconds">{min_seconds}</strong>' in page


def test_a_reading_without_a_wait_shows_no_time(client, login, session, make):
    org = make_org(make)
    reading = make_reading(session, org.committee, daily_on=clock.local_today(TZ), min_seconds=0)
    login(org.member.user)
    assert shown_times(client.get("/").text) == []
    assert shown_times(client.get(f"/readings/{reading.id}").text) == []
