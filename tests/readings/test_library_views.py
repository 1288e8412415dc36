"""The staff library pages: what they show, what they change, and who may open them."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.org.models import Role
from studyhub.readings.models import HistoryEntry, Reading, ReadingColumn
from studyhub.readings.services import history, library
from studyhub.readings.services.library import ReadingFields, StudyTiming
from tests.conftest import NOW

TIMING = StudyTiming()


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def world(make, session):
    committee = make.committee("机关党委")
    branch = make.branch(committee, "第一支部")
    other = make.committee("另一个党委")
    other_branch = make.branch(other, "外单位支部")
    return {
        "committee": committee,
        "other": other,
        "staff": make.member(branch, name="组织干事", role=Role.STAFF, role_unit=committee).user,
        "member": make.member(branch, name="普通党员").user,
        "secretary": make.member(branch, name="支部书记", role=Role.SECRETARY).user,
        "other_staff": make.member(other_branch, role=Role.STAFF, role_unit=other).user,
        "admin": make.admin(),
    }


def write(session, committee, title, body="正文内容", **kw):
    return library.create_reading(
        session,
        committee,
        ReadingFields(title=title, body_markdown=body, **kw),
        by_user_id=None,
        now=NOW,
        timing=TIMING,
    )


def today(committee):
    return clock.local_date(clock.now_utc(), committee.timezone)


def listed(html: str) -> list[str]:
    section = html.split('class="roster reading-list"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<strong>([^<]+)</strong>", section)


# The list ---------------------------------------------------------------------------------


def test_library_home_sends_staff_to_their_committee(client, login, world):
    login(world["staff"])
    response = client.get("/library/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/library/{world['committee'].id}/")


def test_admin_chooses_a_committee(client, login, world):
    login(world["admin"])
    html = client.get("/library/").get_data(as_text=True)
    assert "机关党委" in html and "另一个党委" in html


def test_list_shows_readings_statuses_and_the_week(client, login, session, world):
    committee = world["committee"]
    draft = write(session, committee, "草稿一篇")
    daily = write(session, committee, "今天的每日一读")
    library.schedule_daily(
        session, daily, day=today(committee), timezone=committee.timezone, now=NOW
    )
    write(session, world["other"], "别的党委的文章")
    login(world["staff"])
    html = client.get(f"/library/{committee.id}/").get_data(as_text=True)
    assert listed(html) == ["今天的每日一读", "草稿一篇"]
    assert "别的党委的文章" not in html
    assert "Draft" in html and "Published" in html
    assert f"/library/readings/{draft.id}/edit" in html
    schedule = html.split('id="schedule"', 1)[1].split("</section>", 1)[0]
    assert "今天的每日一读" in schedule and schedule.count("Nothing scheduled") == 6
    # The default columns were created for the committee on its first visit.
    assert "党建e风采" in html


def test_search_and_filters(client, login, session, world):
    committee = world["committee"]
    columns = {c.name: c for c in library.ensure_default_columns(session, committee)}
    write(session, committee, "发展党员", "入党积极分子的培养", column_id=columns["党务指南"].id)
    write(session, committee, "主题党日", "每月固定一天", tags=["组织生活"])
    login(world["staff"])
    url = f"/library/{committee.id}/"
    assert listed(client.get(url, query_string={"q": "积极分子"}).get_data(as_text=True)) == [
        "发展党员"
    ]
    by_column = client.get(url, query_string={"column": columns["党务指南"].id})
    assert listed(by_column.get_data(as_text=True)) == ["发展党员"]
    tag_id = session.scalar(select(library.Tag.id).where(library.Tag.name == "组织生活"))
    by_tag = client.get(url, query_string={"tag": tag_id})
    assert listed(by_tag.get_data(as_text=True)) == ["主题党日"]
    drafts = client.get(url, query_string={"status": "published"}).get_data(as_text=True)
    assert "No readings found." in drafts
    nonsense = client.get(url, query_string={"status": "nonsense", "column": "x"})
    assert nonsense.status_code == 200 and len(listed(nonsense.get_data(as_text=True))) == 2


@pytest.mark.parametrize("who", ["member", "secretary", "other_staff"])
def test_list_is_for_the_committees_staff(client, login, world, who):
    login(world[who])
    assert client.get(f"/library/{world['committee'].id}/").status_code == 403
    assert client.get(f"/library/{world['committee'].id}/new").status_code == 403
    assert client.get(f"/library/{world['committee'].id}/columns").status_code == 403
    assert client.get(f"/library/{world['committee'].id}/history").status_code == 403


def test_members_have_no_library(client, login, world):
    login(world["member"])
    assert client.get("/library/").status_code == 403


def test_a_branch_is_not_a_library(client, login, session, world):
    login(world["admin"])
    branch = world["committee"].children[0]
    assert client.get(f"/library/{branch.id}/").status_code == 404


# Writing ----------------------------------------------------------------------------------


def test_write_a_reading(client, login, session, world):
    committee = world["committee"]
    column = library.ensure_default_columns(session, committee)[0]
    login(world["staff"])
    page = client.get(f"/library/{committee.id}/new").get_data(as_text=True)
    assert 'name="body_markdown"' in page and "library-editor.js" in page
    response = client.post(
        f"/library/{committee.id}/new",
        data={
            "title": "三会一课",
            "column_id": column.id,
            "tags": "组织生活、党章",
            "body_markdown": "## 要求\n\n- 党员大会<script>x()</script>",
            "cover_upload_id": 0,
            "save": "Save",
        },
    )
    assert response.status_code == 302
    reading = session.scalars(select(Reading).where(Reading.title == "三会一课")).one()
    assert response.headers["Location"].endswith(f"/library/readings/{reading.id}/edit")
    assert reading.column_id == column.id
    assert [t.name for t in reading.tags] == ["党章", "组织生活"]
    assert "<script" not in reading.body_html and "<h2>要求</h2>" in reading.body_html
    assert reading.published_at is None


def test_the_preview_button_renders_without_saving(client, login, session, world):
    committee = world["committee"]
    login(world["staff"])
    html = client.post(
        f"/library/{committee.id}/new",
        data={
            "title": "",
            "body_markdown": "**加粗**<img src=x onerror=alert(1)>",
            "preview": "Preview",
        },
    ).get_data(as_text=True)
    preview = html.split('id="reading-preview"', 1)[1].split("</div>", 1)[0]
    assert "<strong>加粗</strong>" in preview and "onerror" not in preview
    assert "Enter a title." not in html  # a preview is not a save
    assert session.scalar(select(func.count(Reading.id))) == 0


def test_edit_a_reading(client, login, session, world):
    committee = world["committee"]
    reading = write(session, committee, "旧标题", "旧的正文", tags=["党章"])
    login(world["staff"])
    page = client.get(f"/library/readings/{reading.id}/edit").get_data(as_text=True)
    assert 'value="旧标题"' in page and "旧的正文" in page and 'value="党章"' in page
    # The automatic summary (the start of the text) is not frozen into the form.
    assert reading.summary == "旧的正文"
    assert re.search(r'<textarea[^>]*name="summary"[^>]*>\s*</textarea>', page)
    response = client.post(
        f"/library/readings/{reading.id}/edit",
        data={"title": "新标题", "body_markdown": "新的正文", "tags": "", "save": "Save"},
    )
    assert response.status_code == 302
    session.refresh(reading)
    assert (reading.title, reading.body_text, reading.tags) == ("新标题", "新的正文", [])


def test_edit_shows_service_errors(client, login, session, world):
    reading = write(session, world["committee"], "标题")
    login(world["staff"])
    html = client.post(
        f"/library/readings/{reading.id}/edit",
        data={"title": "标题", "body_markdown": "正文", "media_url": "ftp://x", "save": "Save"},
    ).get_data(as_text=True)
    assert "must start with https://" in html
    session.refresh(reading)
    assert reading.media_url is None


@pytest.mark.parametrize("who", ["member", "secretary", "other_staff"])
def test_others_cannot_touch_a_reading(client, login, session, world, who):
    reading = write(session, world["committee"], "标题")
    login(world[who])
    base = f"/library/readings/{reading.id}"
    assert client.get(f"{base}/edit").status_code == 403
    assert (
        client.post(f"{base}/edit", data={"title": "改", "body_markdown": "改"}).status_code == 403
    )
    assert client.post(f"{base}/publish").status_code == 403
    assert client.post(f"{base}/unpublish").status_code == 403
    assert client.post(f"{base}/schedule", data={"day": "2030-01-01"}).status_code == 403
    session.refresh(reading)
    assert reading.title == "标题" and reading.published_at is None


def test_preview_endpoint_sanitises(client, login, world):
    login(world["staff"])
    response = client.post(
        f"/library/{world['committee'].id}/preview",
        data={"body_markdown": "# 标题\n\n<script>alert(1)</script><a href='javascript:x'>链</a>"},
    )
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_data(as_text=True)
    assert "<h1>标题</h1>" in body
    assert "<script" not in body and "javascript:" not in body and "链" in body


def test_a_literal_style_tag_keeps_the_rest_of_the_body(client, login, session, world):
    login(world["staff"])
    response = client.post(
        f"/library/{world['committee'].id}/new",
        data={"title": "样式", "body_markdown": "写 <style> 标签。\n\n第二段。\n\n第三段。"},
    )
    assert response.status_code == 302
    reading = session.scalar(select(Reading))
    assert "第二段" in reading.body_html and "第三段" in reading.body_html
    assert "<style" not in reading.body_html and "第三段" in reading.body_text


def test_the_preview_says_when_an_element_went_with_its_content(client, login, world):
    login(world["staff"])
    url = f"/library/{world['committee'].id}/preview"
    body = client.post(
        url,
        data={"body_markdown": "前<style>p{}</style>中<script>x()</script>后<script>y()</script>"},
    ).get_data(as_text=True)
    assert "3 elements were removed with their content: &lt;style&gt;, &lt;script&gt;." in body
    assert "<p>前中后</p>" in body
    # The no-JavaScript preview says it too; a clean text gets no note.
    page = client.post(
        f"/library/{world['committee'].id}/new",
        data={"title": "", "body_markdown": "<style>p{}</style>正文", "preview": "Preview"},
    ).get_data(as_text=True)
    assert "1 element was removed with its content: &lt;style&gt;." in page
    assert "removed" not in client.post(url, data={"body_markdown": "正文"}).get_data(as_text=True)


@pytest.mark.parametrize("who", ["member", "other_staff"])
def test_preview_endpoint_is_for_staff(client, login, world, who):
    login(world[who])
    response = client.post(f"/library/{world['committee'].id}/preview", data={"body_markdown": "x"})
    assert response.status_code == 403


# Publishing -------------------------------------------------------------------------------


def test_schedule_publish_and_unpublish(client, login, session, world):
    committee = world["committee"]
    reading = write(session, committee, "明天读")
    tomorrow = today(committee) + timedelta(days=1)
    login(world["staff"])
    response = client.post(
        f"/library/readings/{reading.id}/schedule", data={"day": tomorrow.isoformat()}
    )
    assert response.status_code == 302
    session.refresh(reading)
    assert reading.daily_on == tomorrow
    page = client.get(f"/library/readings/{reading.id}/edit").get_data(as_text=True)
    assert "Scheduled" in page and "This is now the reading of" in page
    client.post(f"/library/readings/{reading.id}/publish")
    session.refresh(reading)
    assert reading.is_visible(clock.now_utc())
    client.post(f"/library/readings/{reading.id}/unpublish")
    session.refresh(reading)
    assert reading.unpublished_at is not None and not reading.is_visible(clock.now_utc())
    assert "Unpublished" in client.get(f"/library/readings/{reading.id}/edit").get_data(
        as_text=True
    )


def test_a_clash_is_explained_and_changes_nothing(client, login, session, world):
    committee = world["committee"]
    day = today(committee) + timedelta(days=2)
    first = write(session, committee, "先排的文章")
    library.schedule_daily(session, first, day=day, timezone=committee.timezone, now=NOW)
    second = write(session, committee, "后来的文章")
    login(world["staff"])
    response = client.post(
        f"/library/readings/{second.id}/schedule",
        data={"day": day.isoformat()},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "already has a reading of the day: 先排的文章" in html
    session.refresh(second)
    assert second.daily_on is None and second.published_at is None


def test_schedule_needs_a_date(client, login, session, world):
    reading = write(session, world["committee"], "文章")
    login(world["staff"])
    html = client.post(
        f"/library/readings/{reading.id}/schedule",
        data={"day": "not a date"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Choose a date." in html


# Columns ----------------------------------------------------------------------------------


def test_manage_columns(client, login, session, world):
    committee = world["committee"]
    login(world["staff"])
    html = client.get(f"/library/{committee.id}/columns").get_data(as_text=True)
    assert html.index("党务指南") < html.index("党史今天")
    response = client.post(f"/library/{committee.id}/columns", data={"name": "理论学习"})
    assert response.status_code == 302
    column = session.scalars(select(ReadingColumn).where(ReadingColumn.name == "理论学习")).one()
    duplicate = client.post(f"/library/{committee.id}/columns", data={"name": "理论学习"})
    assert "There is already a column called 理论学习" in duplicate.get_data(as_text=True)
    client.post(f"/library/columns/{column.id}", data={"name": "理论武装", "description": "每周"})
    client.post(f"/library/columns/{column.id}/move", data={"value": "up"})
    client.post(f"/library/columns/{column.id}/active", data={"value": "0"})
    session.refresh(column)
    assert (column.name, column.description, column.is_active) == ("理论武装", "每周", False)
    names = [c.name for c in library.ensure_default_columns(session, committee)]
    assert names.index("理论武装") == 4
    html = client.get(f"/library/{committee.id}/columns").get_data(as_text=True)
    assert "Reopen" in html


def test_other_committees_columns_are_out_of_reach(client, login, session, world):
    column = library.ensure_default_columns(session, world["other"])[0]
    login(world["staff"])
    assert client.post(f"/library/columns/{column.id}", data={"name": "改名"}).status_code == 403
    assert (
        client.post(f"/library/columns/{column.id}/active", data={"value": "0"}).status_code == 403
    )
    session.refresh(column)
    assert column.name == "党务指南" and column.is_active


# 党史今天 ----------------------------------------------------------------------------------


def add_entry(session, committee_id, month=7, day=1, year=1921, title="建党纪念日"):
    return history.create_entry(
        session,
        committee_id,
        history.HistoryFields(month=month, day=day, year=year, title=title),
        this_year=2026,
    )


def test_history_lists_shared_and_own_entries_of_a_month(client, login, session, world):
    committee = world["committee"]
    add_entry(session, None, title="中国共产党成立纪念日")
    add_entry(session, committee.id, day=2, year=1950, title="本单位的纪念")
    add_entry(session, world["other"].id, day=3, year=1960, title="别人的纪念")
    add_entry(session, None, month=8, title="八月的事")
    login(world["staff"])
    html = client.get(f"/library/{committee.id}/history?month=7").get_data(as_text=True)
    assert html.index("中国共产党成立纪念日") < html.index("本单位的纪念")
    assert "别人的纪念" not in html and "八月的事" not in html
    assert html.count("/edit") == 1  # only the committee's own entry
    assert client.get(f"/library/{committee.id}/history?month=13").status_code == 404


def test_add_edit_and_delete_entries(client, login, session, world):
    committee = world["committee"]
    login(world["staff"])
    response = client.post(
        f"/library/{committee.id}/history",
        data={
            "month": 10,
            "day": 1,
            "year": 1949,
            "title": "中华人民共和国成立",
            "text": "开国大典",
        },
    )
    assert response.status_code == 302
    entry = session.scalars(select(HistoryEntry)).one()
    assert (entry.committee_id, entry.month, entry.day, entry.year) == (committee.id, 10, 1, 1949)
    bad = client.post(
        f"/library/{committee.id}/history",
        data={"month": 2, "day": 30, "year": 1949, "title": "不存在的日子"},
    )
    assert "has no day 30" in bad.get_data(as_text=True)
    client.post(
        f"/library/{committee.id}/history/{entry.id}/edit",
        data={"month": 10, "day": 1, "year": 1949, "title": "开国大典", "text": ""},
    )
    session.refresh(entry)
    assert entry.title == "开国大典"
    client.post(f"/library/{committee.id}/history/{entry.id}/delete")
    assert session.scalar(select(func.count(HistoryEntry.id))) == 0


def test_shared_entries_are_kept_by_admins(client, login, session, world):
    committee = world["committee"]
    shared = add_entry(session, None)
    others = add_entry(session, world["other"].id, title="别人的")
    login(world["staff"])
    base = f"/library/{committee.id}/history"
    assert client.get(f"{base}/{shared.id}/edit").status_code == 403
    assert client.post(f"{base}/{shared.id}/delete").status_code == 403
    assert client.post(f"{base}/{others.id}/delete").status_code == 404
    login(world["admin"])
    assert client.get(f"{base}/{shared.id}/edit").status_code == 200
    assert session.scalar(select(func.count(HistoryEntry.id))) == 2


def test_import_history_from_the_page(client, login, session, world):
    committee = world["committee"]
    login(world["staff"])
    good = "月,日,年,标题,内容\n8,1,1927,南昌起义,打响武装反抗国民党反动派的第一枪\n"
    response = client.post(
        f"/library/{committee.id}/history/import",
        data={"file": (io.BytesIO(good.encode()), "history.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert session.scalars(select(HistoryEntry.title)).all() == ["南昌起义"]
    bad = "月,日,年,标题,内容\n13,1,1927,错误的月份,\n"
    html = client.post(
        f"/library/{committee.id}/history/import",
        data={"file": (io.BytesIO(bad.encode()), "history.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "row 2" in html and "between 1 and 12" in html
    assert session.scalar(select(func.count(HistoryEntry.id))) == 1


def test_the_menu_leads_staff_to_the_library(client, login, world):
    login(world["staff"])
    assert 'href="/library/"' in client.get("/").get_data(as_text=True)
    login(world["member"])
    assert 'href="/library/"' not in client.get("/").get_data(as_text=True)
