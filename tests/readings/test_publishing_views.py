"""支部发稿 pages: the editor writes and resubmits, staff review, others are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from studyhub.core.clock import as_utc
from studyhub.org.access import grants_for
from studyhub.org.models import Member, Role
from studyhub.readings.models import Reading
from studyhub.readings.services import publishing


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def world(make):
    committee = make.committee("机关党委")
    news = make.branch(committee, "新闻支部")
    tech = make.branch(committee, "技术支部")
    return {
        "committee": committee,
        "news": news,
        "tech": tech,
        "editor": make.member(news, name="宣传委员", role=Role.BRANCH_EDITOR).user,
        "member": make.member(news, name="党员甲").user,
        "tech_member": make.member(tech, name="党员乙").user,
        "tech_editor": make.member(tech, name="技术宣传", role=Role.BRANCH_EDITOR).user,
        "staff": make.member(news, name="干事", role=Role.STAFF, role_unit=committee).user,
    }


def post_reading(client, branch, audience, title="支部学习心得"):
    return client.post(
        f"/branches/{branch.id}/publish/new",
        data={"title": title, "body_markdown": "学习" * 40, "source": "", "audience": audience},
    )


def test_editor_publishes_to_the_branch(client, login, world, session):
    login(world["editor"])
    assert f"/branches/{world['news'].id}/publish" in client.get("/").text  # the home panel
    response = post_reading(client, world["news"], "branch")
    assert response.status_code == 302
    reading = session.scalar(select(Reading))
    assert reading.branch_id == world["news"].id and reading.published_at is not None
    login(world["member"])
    assert f"/branches/{world['news'].id}/readings" in client.get("/readings/archive").text
    assert "支部学习心得" not in client.get("/readings/archive").text
    assert "支部学习心得" in client.get(f"/branches/{world['news'].id}/readings").text
    assert client.get(f"/readings/{reading.id}").status_code == 200
    login(world["tech_member"])
    assert client.get(f"/readings/{reading.id}").status_code == 404
    response = client.post(f"/readings/{reading.id}/comments", data={"text": "学习了"})
    assert response.status_code == 404
    assert client.get(f"/branches/{world['news'].id}/readings").status_code == 404


def test_submit_return_resubmit_approve(client, login, world, session):
    login(world["editor"])
    post_reading(client, world["news"], "committee")
    reading = session.scalar(select(Reading))
    assert reading.published_at is None
    login(world["staff"])
    queue = client.get(f"/library/{world['committee'].id}/review")
    assert queue.status_code == 200 and "支部学习心得" in queue.text and "新闻支部" in queue.text
    response = client.post(f"/library/review/{reading.id}/return", data={"reason": "请注明出处"})
    assert response.status_code == 302
    session.refresh(reading)
    assert reading.review_state == publishing.RETURNED
    login(world["editor"])
    drafts = client.get(f"/branches/{world['news'].id}/publish")
    assert "请注明出处" in drafts.text
    response = client.post(
        f"/branches/{world['news'].id}/publish/{reading.id}",
        data={
            "title": "支部学习心得",
            "body_markdown": "学习" * 40,
            "source": "人民日报",
            "audience": "committee",
        },
    )
    assert response.status_code == 302
    session.refresh(reading)
    assert reading.review_state == publishing.SUBMITTED
    login(world["staff"])
    assert client.post(f"/library/review/{reading.id}/approve").status_code == 302
    session.refresh(reading)
    assert reading.review_state == publishing.APPROVED and reading.published_at is not None


def test_others_are_refused(client, login, world, session):
    login(world["editor"])
    post_reading(client, world["news"], "committee")
    reading = session.scalar(select(Reading))
    for who in ("member", "tech_editor", "tech_member"):
        login(world[who])
        assert client.get(f"/branches/{world['news'].id}/publish").status_code == 403
        assert post_reading(client, world["news"], "branch").status_code == 403
        assert client.get(f"/branches/{world['news'].id}/publish/{reading.id}").status_code == 403
    login(world["editor"])
    assert client.get(f"/library/{world['committee'].id}/review").status_code == 403
    assert client.post(f"/library/review/{reading.id}/approve").status_code == 403
    login(world["tech_editor"])
    # Another branch's editor cannot open this branch's reading through their own branch.
    assert client.get(f"/branches/{world['tech'].id}/publish/{reading.id}").status_code == 403
    session.refresh(reading)
    assert reading.review_state == publishing.SUBMITTED


def test_staff_set_the_rota_across_branches_and_swap(client, login, world, session, make):
    from datetime import timedelta

    from studyhub.core import clock
    from studyhub.readings.services.rota import cross

    make.member(world["tech"], name="党员丙")
    committee = world["committee"]
    login(world["member"])
    assert client.get(f"/library/{committee.id}/cross-rota").status_code == 403
    login(world["staff"])
    response = client.post(
        f"/library/{committee.id}/cross-rota",
        data={f"position-{world['tech'].id}": "1", f"position-{world['news'].id}": "2"},
    )
    assert response.status_code == 302
    assert [b.id for b in cross.rota_branches(session, committee)] == [
        world["tech"].id,
        world["news"].id,
    ]
    page = client.get(f"/library/{committee.id}/cross-rota").text
    assert "技术支部" in page and "新闻支部" in page
    first = clock.local_date(clock.now_utc(), committee.timezone) + timedelta(days=1)
    second = first + timedelta(days=1)
    days = cross.days_ahead(session, committee, first, 2)
    assert [d.branch_name for d in days] == ["技术支部", "新闻支部"]
    response = client.post(
        f"/library/{committee.id}/cross-rota/swap",
        data={"first": first.isoformat(), "second": second.isoformat()},
        follow_redirects=True,
    )
    assert "The two days were swapped." in response.text
    swapped = cross.days_ahead(session, committee, first, 2)
    assert [d.branch_name for d in swapped] == ["新闻支部", "技术支部"]


def test_the_member_on_duty_prepares_the_days_reading(client, login, world, session, make):
    from datetime import timedelta

    from studyhub.core import clock
    from studyhub.readings import jobs
    from studyhub.readings.services.library import start_of_day
    from studyhub.readings.services.rota import cross

    committee = world["committee"]
    cross.set_rota_branches(
        session,
        committee,
        [world["tech"].id, world["news"].id],
        by_user_id=None,
        now=clock.now_utc(),
    )
    assert jobs.remind_cross_rota(session, now=clock.now_utc()) == 1
    tomorrow = clock.local_date(clock.now_utc(), committee.timezone) + timedelta(days=1)
    [slot] = cross.days_ahead(session, committee, tomorrow, 1)
    assert slot.branch_name == "新闻支部"
    member = session.get(Member, slot.slot.member_id)
    assert not publishing.can_edit_for(grants_for(session, member.user), world["news"])
    login(member.user)
    page = client.get(f"/branches/{world['news'].id}/publish/new")
    assert page.status_code == 200 and 'id="duty-day"' in page.text
    response = post_reading(client, world["news"], "branch", title="今日领读")  # forced to review
    assert response.status_code == 302
    reading = session.scalar(select(Reading).where(Reading.title == "今日领读"))
    assert reading.review_state == publishing.SUBMITTED and reading.daily_on == tomorrow
    # A member of the branch not on duty (and no editor) may not write.
    login(world["tech_member"])
    assert client.get(f"/branches/{world['news'].id}/publish/new").status_code == 403
    login(world["staff"])
    assert client.post(f"/library/review/{reading.id}/approve").status_code == 302
    session.refresh(reading)
    assert reading.daily_on == tomorrow
    assert as_utc(reading.published_at) == start_of_day(tomorrow, committee.timezone)


def test_staff_appoint_a_branch_editor_on_the_branch_page(client, login, world, session):
    login(world["staff"])
    page = client.get(f"/org/units/{world['tech'].id}")
    assert 'value="branch_editor"' in page.text
    member = session.scalar(select(Member).where(Member.user_id == world["tech_member"].id))
    response = client.post(
        f"/org/units/{world['tech'].id}/roles",
        data={"member_id": member.id, "role": "branch_editor"},
    )
    assert response.status_code == 302
    assert publishing.can_edit_for(grants_for(session, world["tech_member"]), world["tech"])


def _duty_member(session, world):
    """The member of 新闻支部 on duty tomorrow on the rota across branches, and the day."""
    from datetime import timedelta

    from studyhub.core import clock
    from studyhub.readings import jobs
    from studyhub.readings.services.rota import cross

    committee = world["committee"]
    cross.set_rota_branches(
        session,
        committee,
        [world["tech"].id, world["news"].id],
        by_user_id=None,
        now=clock.now_utc(),
    )
    assert jobs.remind_cross_rota(session, now=clock.now_utc()) == 1
    tomorrow = clock.local_date(clock.now_utc(), committee.timezone) + timedelta(days=1)
    [slot] = cross.days_ahead(session, committee, tomorrow, 1)
    assert slot.branch_name == "新闻支部"
    return session.get(Member, slot.slot.member_id), tomorrow


def test_the_member_on_duty_submits_the_days_history_entry(client, login, world, session):
    from studyhub.readings.models import HistoryEntry

    member, tomorrow = _duty_member(session, world)
    login(member.user)
    page = client.get(f"/branches/{world['news'].id}/publish/new")
    assert 'id="duty-history"' in page.text and 'name="history_title"' in page.text
    data = {
        "title": "今日领读",
        "body_markdown": "学习" * 40,
        "source": "",
        "audience": "committee",
        "history_year": "1921",
        "history_title": "中国共产党第一次全国代表大会闭幕",
        "history_text": "大会在嘉兴南湖的游船上闭幕。",
    }
    # A wrong year is refused with a message; nothing is stored.
    refused = client.post(
        f"/branches/{world['news'].id}/publish/new", data={**data, "history_year": "1700"}
    )
    assert refused.status_code == 200 and "The year must be between" in refused.text
    assert session.scalar(select(Reading).where(Reading.title == "今日领读")) is None
    assert client.post(f"/branches/{world['news'].id}/publish/new", data=data).status_code == 302
    reading = session.scalar(select(Reading).where(Reading.title == "今日领读"))
    assert (reading.history_year, reading.history_title) == (1921, data["history_title"])
    assert session.scalar(select(HistoryEntry)) is None  # not before the review
    # Staff see the proposed entry in the queue and approve both.
    login(world["staff"])
    queue = client.get(f"/library/{world['committee'].id}/review").text
    assert data["history_title"] in queue
    assert client.post(f"/library/review/{reading.id}/approve").status_code == 302
    entry = session.scalar(select(HistoryEntry))
    assert entry is not None
    assert (entry.committee_id, entry.month, entry.day, entry.year) == (
        world["committee"].id,
        tomorrow.month,
        tomorrow.day,
        1921,
    )
    assert entry.text == data["history_text"]
    login(world["member"])
    shown = client.get(f"/readings/this-day?date={tomorrow.isoformat()}").text
    assert data["history_title"] in shown


def test_returned_entry_is_kept_and_changed_on_resubmission(client, login, world, session):
    from studyhub.readings.models import HistoryEntry

    member, _tomorrow = _duty_member(session, world)
    login(member.user)
    data = {
        "title": "今日领读",
        "body_markdown": "学习" * 40,
        "source": "",
        "audience": "committee",
        "history_year": "1949",
        "history_title": "旧标题",
        "history_text": "",
    }
    client.post(f"/branches/{world['news'].id}/publish/new", data=data)
    reading = session.scalar(select(Reading).where(Reading.title == "今日领读"))
    login(world["staff"])
    client.post(f"/library/review/{reading.id}/return", data={"reason": "改标题"})
    assert session.scalar(select(HistoryEntry)) is None
    login(member.user)
    edit = client.get(f"/branches/{world['news'].id}/publish/{reading.id}")
    assert 'value="旧标题"' in edit.text
    client.post(
        f"/branches/{world['news'].id}/publish/{reading.id}",
        data={**data, "history_title": "中华人民共和国成立"},
    )
    session.refresh(reading)
    assert reading.review_state == publishing.SUBMITTED
    assert reading.history_title == "中华人民共和国成立"
    login(world["staff"])
    client.post(f"/library/review/{reading.id}/approve")
    assert session.scalar(select(HistoryEntry.title)) == "中华人民共和国成立"


def test_only_a_rota_day_carries_a_history_entry(session, world):
    from studyhub.core import clock
    from studyhub.core.errors import NotAllowed
    from studyhub.readings.services.library import ReadingFields, StudyTiming

    with pytest.raises(NotAllowed):
        publishing.write(
            session,
            world["news"],
            ReadingFields(title="无值班", body_markdown="学习" * 40),
            audience="committee",
            by_user_id=world["editor"].id,
            now=clock.now_utc(),
            timing=StudyTiming(),
            history_entry=publishing.DutyHistory(year=1921, title="建党"),
        )


def test_a_general_branch_secretary_sees_no_dead_publish_link(client, login, world, make):
    """A 总支's secretary has no branch write page by that role: the home panel offers only
    the branches they edit (a branch's link works; the 总支's would be a 404)."""
    from studyhub.org.models import UnitKind

    general = make.unit(world["committee"], UnitKind.GENERAL_BRANCH, "机关总支")
    sub = make.unit(general, UnitKind.BRANCH, "机关一支部")
    secretary = make.member(sub, name="总支书记", role=Role.SECRETARY, role_unit=general).user
    login(secretary)
    home = client.get("/").text
    assert f"/branches/{general.id}/publish" not in home
    assert client.get(f"/branches/{general.id}/publish").status_code == 404
    # A branch's secretary in the 总支: the branch's link shows and opens.
    branch_secretary = make.member(sub, name="支部书记", role=Role.SECRETARY).user
    login(branch_secretary)
    assert f"/branches/{sub.id}/publish" in client.get("/").text
    assert client.get(f"/branches/{sub.id}/publish").status_code == 200
