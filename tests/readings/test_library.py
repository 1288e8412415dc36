"""The library's services: write, schedule, publish, columns, search and filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from studyhub.core.errors import Conflict, InvalidInput
from studyhub.readings import queries
from studyhub.readings.models import ReadingColumn, ReadReceipt, Tag
from studyhub.readings.services import library
from studyhub.readings.services.library import ReadingFields, ReadingStatus, StudyTiming
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("in_english")  # these tests read the English UI text

TIMING = StudyTiming(fraction=0.5, floor=20, ceiling=300)
TODAY = date(2026, 11, 20)  # NOW is 10:30 in Shanghai
TOMORROW = TODAY + timedelta(days=1)


@pytest.fixture
def committee(make):
    return make.committee("图书馆测试党委")


@pytest.fixture
def columns(session, committee):
    return {c.name: c for c in library.ensure_default_columns(session, committee)}


def write(session, committee, title="学习党章", body="认真学习党章，严格遵守党章。", **kw):
    return library.create_reading(
        session,
        committee,
        ReadingFields(title=title, body_markdown=body, **kw),
        by_user_id=None,
        now=NOW,
        timing=TIMING,
    )


def found(session, committee, **filters):
    return [
        r.title for r in session.scalars(queries.library_readings(committee.id, now=NOW, **filters))
    ]


# Writing --------------------------------------------------------------------------------


def test_create_renders_measures_and_tags(session, committee, columns):
    body = "## 要点\n\n" + "党" * 800 + "\n\n<script>alert(1)</script>"
    reading = write(
        session,
        committee,
        title="  三会一课   基本要求 ",
        body=body,
        column_id=columns["党务指南"].id,
        tags=["组织生活", "三会一课", "组织生活", " "],
        author="组织部",
    )
    assert reading.title == "三会一课 基本要求"
    assert "<h2>要点</h2>" in reading.body_html and "<script" not in reading.body_html
    assert reading.body_text.startswith("要点 党党")
    assert reading.char_count == 802
    assert reading.reading_seconds == 130
    assert reading.min_seconds == 65
    assert [t.name for t in reading.tags] == ["三会一课", "组织生活"]
    assert library.reading_status(reading, NOW) is ReadingStatus.DRAFT
    assert session.scalar(select(func.count(Tag.id)).where(Tag.committee_id == committee.id)) == 2


def test_tags_are_reused_per_committee(session, committee, make):
    write(session, committee, title="一", tags=["党章"])
    write(session, committee, title="二", tags=["党章"])
    write(session, make.committee(), title="三", tags=["党章"])
    assert session.scalar(select(func.count(Tag.id)).where(Tag.name == "党章")) == 2


def test_split_tags_accepts_chinese_separators():
    assert library.split_tags("党章，党史、 党纪; 党风,,") == ["党章", "党史", "党纪", "党风"]
    assert library.split_tags(None) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  ", "body_markdown": "正文"}, "title"),
        ({"title": "标题", "body_markdown": " \n "}, "text"),
        ({"title": "标" * 201, "body_markdown": "正文"}, "too long"),
        ({"title": "标题", "body_markdown": "正文", "media_url": "ftp://x/a.mp3"}, "https://"),
        ({"title": "标题", "body_markdown": "正文", "tags": ["签" * 31]}, "too long"),
    ],
)
def test_bad_fields_are_refused(session, committee, fields, message):
    with pytest.raises(InvalidInput, match=message):
        library.create_reading(
            session, committee, ReadingFields(**fields), by_user_id=None, now=NOW, timing=TIMING
        )


def test_column_of_another_committee_is_refused(session, committee, make):
    other = library.ensure_default_columns(session, make.committee())[0]
    with pytest.raises(InvalidInput, match="columns"):
        write(session, committee, column_id=other.id)


def test_closed_column_takes_no_new_readings_but_keeps_its_own(session, committee, columns):
    column = columns["党建e时代"]
    reading = write(session, committee, column_id=column.id)
    library.set_column_active(column, is_active=False)
    with pytest.raises(InvalidInput, match="closed"):
        write(session, committee, title="新的", column_id=column.id)
    library.update_reading(
        session,
        reading,
        ReadingFields(title="改过的标题", body_markdown="新正文", column_id=column.id),
        now=NOW,
        timing=TIMING,
    )
    assert reading.title == "改过的标题" and reading.column_id == column.id


def test_edit_changes_the_text_and_keeps_receipts(session, committee, make):
    reading = write(session, committee)
    library.publish_now(reading, now=NOW)
    member = make.member(make.branch(committee))
    session.add(
        ReadReceipt(
            reading_id=reading.id,
            user_id=member.user_id,
            opened_at=NOW,
            last_seen_at=NOW,
            seconds_spent=40,
            studied_at=NOW,
            studied_on=TODAY,
        )
    )
    session.flush()
    later = NOW + timedelta(hours=1)
    library.update_reading(
        session,
        reading,
        ReadingFields(title="学习党章（修订）", body_markdown="**新**的内容"),
        now=later,
        timing=TIMING,
    )
    assert reading.body_html == "<p><strong>新</strong>的内容</p>\n"
    assert reading.body_text == "新的内容"
    assert reading.updated_at == later
    assert library.reading_status(reading, later) is ReadingStatus.PUBLISHED
    receipts = session.scalar(
        select(func.count(ReadReceipt.id)).where(ReadReceipt.reading_id == reading.id)
    )
    assert receipts == 1


# Scheduling and visibility ---------------------------------------------------------------


def test_tomorrows_reading_is_not_visible_today(session, committee):
    reading = write(session, committee)
    library.schedule_daily(session, reading, day=TOMORROW, timezone="Asia/Shanghai", now=NOW)
    start = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    assert reading.daily_on == TOMORROW
    assert library.reading_status(reading, NOW) is ReadingStatus.SCHEDULED
    assert not reading.is_visible(NOW)
    assert not reading.is_visible(start - timedelta(seconds=1))
    assert reading.is_visible(start)
    assert session.scalars(queries.daily_reading(committee.id, TOMORROW, NOW)).first() is None
    assert session.scalars(queries.daily_reading(committee.id, TOMORROW, start)).one() is reading
    assert found(session, committee, status="scheduled") == [reading.title]
    assert found(session, committee, status="published") == []


def test_a_day_has_one_reading(session, committee):
    first = write(session, committee, title="第一篇")
    second = write(session, committee, title="第二篇")
    library.schedule_daily(session, first, day=TOMORROW, timezone="Asia/Shanghai", now=NOW)
    with pytest.raises(Conflict, match="第一篇"):
        library.schedule_daily(session, second, day=TOMORROW, timezone="Asia/Shanghai", now=NOW)
    assert second.daily_on is None and second.published_at is None
    # The same reading may be scheduled again, or moved to another day.
    library.schedule_daily(session, first, day=TOMORROW, timezone="Asia/Shanghai", now=NOW)
    library.schedule_daily(session, first, day=TODAY, timezone="Asia/Shanghai", now=NOW)
    library.schedule_daily(session, second, day=TOMORROW, timezone="Asia/Shanghai", now=NOW)
    assert (first.daily_on, second.daily_on) == (TODAY, TOMORROW)


def test_days_are_per_committee(session, committee, make):
    library.schedule_daily(
        session, write(session, committee), day=TODAY, timezone="Asia/Shanghai", now=NOW
    )
    other = make.committee()
    reading = write(session, other)
    library.schedule_daily(session, reading, day=TODAY, timezone="Asia/Shanghai", now=NOW)
    assert reading.daily_on == TODAY


def test_publish_unpublish_and_status(session, committee):
    reading = write(session, committee)
    assert library.reading_status(reading, NOW) is ReadingStatus.DRAFT
    library.publish_now(reading, now=NOW)
    assert reading.is_visible(NOW)
    assert library.reading_status(reading, NOW) is ReadingStatus.PUBLISHED
    library.unpublish(reading, now=NOW + timedelta(minutes=5))
    assert not reading.is_visible(NOW + timedelta(minutes=6))
    assert library.reading_status(reading, NOW) is ReadingStatus.UNPUBLISHED
    session.flush()
    assert found(session, committee, status="unpublished") == [reading.title]
    library.publish_now(reading, now=NOW + timedelta(hours=1))
    assert reading.is_visible(NOW + timedelta(hours=1))


def test_unpublishing_a_reading_of_the_day_frees_the_day(session, committee):
    first = write(session, committee, title="第一篇")
    library.schedule_daily(session, first, day=TOMORROW, timezone="Asia/Shanghai", now=NOW)
    library.unpublish(first, now=NOW)
    second = write(session, committee, title="第二篇")
    library.schedule_daily(session, second, day=TOMORROW, timezone="Asia/Shanghai", now=NOW)
    assert first.daily_on is None and second.daily_on == TOMORROW


def test_publishing_a_scheduled_reading_early_keeps_its_day(session, committee):
    reading = write(session, committee)
    library.schedule_daily(session, reading, day=TOMORROW, timezone="Asia/Shanghai", now=NOW)
    library.publish_now(reading, now=NOW)
    assert reading.is_visible(NOW) and reading.daily_on == TOMORROW


# Search and filters -------------------------------------------------------------------------


def test_search_finds_chinese_in_title_and_text(session, committee, make):
    write(session, committee, title="发展党员工作流程", body="入党积极分子要经过一年以上的培养。")
    write(session, committee, title="党费交纳", body="按月交纳党费是党员的义务。")
    write(session, make.committee(), title="别的党委", body="积极分子")
    assert found(session, committee, text="积极分子") == ["发展党员工作流程"]
    assert found(session, committee, text="党费") == ["党费交纳"]
    assert found(session, committee, text=" 党员 ") == ["党费交纳", "发展党员工作流程"]
    assert found(session, committee, text="不存在的词") == []


def test_search_treats_like_wildcards_literally(session, committee):
    write(session, committee, title="完成率100%", body="统计")
    write(session, committee, title="其他", body="snake_case 与 snakeXcase")
    assert found(session, committee, text="%") == ["完成率100%"]
    assert found(session, committee, text="0%") == ["完成率100%"]
    assert found(session, committee, text="e_c") == ["其他"]
    assert found(session, committee, text="k_c") == []


def test_search_is_case_insensitive_for_latin_text(session, committee):
    write(session, committee, title="学习强国 App 使用", body="Study")
    assert found(session, committee, text="app") == ["学习强国 App 使用"]


def test_filters_by_column_tag_and_status(session, committee, columns):
    guide = columns["党务指南"].id
    a = write(session, committee, title="甲", column_id=guide, tags=["党章"])
    b = write(session, committee, title="乙", column_id=guide, tags=["党史"])
    write(session, committee, title="丙", tags=["党章"])
    library.publish_now(b, now=NOW - timedelta(hours=1))
    party_rules = session.scalar(select(Tag.id).where(Tag.name == "党章"))
    assert sorted(found(session, committee, column_id=guide)) == ["乙", "甲"]
    assert sorted(found(session, committee, tag_id=party_rules)) == ["丙", "甲"]
    assert found(session, committee, column_id=guide, tag_id=party_rules) == ["甲"]
    assert found(session, committee, column_id=guide, status="published") == ["乙"]
    assert sorted(found(session, committee, status="draft")) == ["丙", "甲"]
    assert a.column.name == "党务指南"


def test_list_shows_daily_readings_first_newest_day_first(session, committee):
    plain = write(session, committee, title="普通")
    old = write(session, committee, title="昨天")
    new = write(session, committee, title="明天")
    library.schedule_daily(
        session, old, day=TODAY - timedelta(days=1), timezone="Asia/Shanghai", now=NOW
    )
    library.schedule_daily(session, new, day=TOMORROW, timezone="Asia/Shanghai", now=NOW)
    assert found(session, committee) == ["明天", "昨天", plain.title]


def test_status_clause_rejects_unknown_status():
    with pytest.raises(ValueError):
        queries.status_is("archived", NOW)


# Columns ------------------------------------------------------------------------------------


def test_default_columns_are_created_once(session, committee):
    first = library.ensure_default_columns(session, committee)
    again = library.ensure_default_columns(session, committee)
    assert [c.name for c in first] == list(library.DEFAULT_COLUMNS)
    assert [c.id for c in again] == [c.id for c in first]
    count = session.scalar(
        select(func.count(ReadingColumn.id)).where(ReadingColumn.committee_id == committee.id)
    )
    assert count == 5


def test_create_rename_and_refuse_duplicate_columns(session, committee, columns):
    column = library.create_column(session, committee, name=" 理论 学习 ", description="每周")
    assert (column.name, column.description, column.sort_order) == ("理论 学习", "每周", 6)
    with pytest.raises(Conflict, match="党务指南"):
        library.create_column(session, committee, name="党务指南")
    with pytest.raises(Conflict):
        library.update_column(session, column, name="党史今天")
    with pytest.raises(InvalidInput):
        library.create_column(session, committee, name="  ")
    library.update_column(session, column, name="理论学习", description="")
    assert column.name == "理论学习"
    library.update_column(session, column, name="理论学习", description="每月")  # same name: fine
    assert column.description == "每月"


def test_move_columns(session, committee, columns):
    last = columns["党史今天"]
    library.move_column(session, last, offset=-1)
    names = [c.name for c in session.scalars(queries.columns_of(committee.id))]
    assert names == ["党务指南", "党建活动大讲堂", "党建e时代", "党史今天", "党建e风采"]
    library.move_column(session, columns["党务指南"], offset=-1)  # already first
    library.move_column(session, columns["党务指南"], offset=1)
    names = [c.name for c in session.scalars(queries.columns_of(committee.id))]
    assert names == ["党建活动大讲堂", "党务指南", "党建e时代", "党史今天", "党建e风采"]


def test_closed_columns_are_left_out_when_asked(session, committee, columns):
    library.set_column_active(columns["党建e风采"], is_active=False)
    session.flush()
    active = [c.name for c in session.scalars(queries.columns_of(committee.id, active_only=True))]
    assert "党建e风采" not in active and len(active) == 4
