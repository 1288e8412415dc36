"""The work record as Word and PDF, read back with python-docx and pypdf; who may download
it; times in the committee's zone (the record's header and the meeting's change history)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from docx import Document
from pypdf import PdfReader

from studyhub.core import clock
from studyhub.meetings import queries
from studyhub.meetings.models import AttendanceStatus, MeetingKind
from studyhub.meetings.services import attendance, records
from studyhub.meetings.services import joint as joint_service
from studyhub.org.models import OrgUnit
from studyhub.web.filters import format_local
from tests.audit_helpers import entries
from tests.conftest import NOW
from tests.meetings.conftest import minutes, plan_lesson

PAST = NOW - timedelta(days=3)  # 2026-11-17 02:30 UTC: 10:30 in Shanghai


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)


def held(session, world, *, at=PAST, title="学习党的二十届四中全会精神", kind=MeetingKind.LESSON):
    meeting = plan_lesson(session, world, at=at, title=title, kind=kind, now=at - timedelta(days=7))
    records.record_meeting(
        session,
        meeting,
        minutes(at=at, text="## 学习内容\n\n传达学习了**全会精神**。\n\n- 甲书记领学"),
        by=world.secretary_a.user,
        now=at + timedelta(hours=2),
    )
    for member, status, reason in (
        (world.secretary_a, AttendanceStatus.PRESENT, None),
        (world.committee_a, AttendanceStatus.PRESENT, None),
        (world.leader_a1, AttendanceStatus.LATE, None),
        (world.member_a1, AttendanceStatus.EXCUSED, "出差北京"),
        (world.member_a2, AttendanceStatus.ABSENT, "未说明"),
    ):
        row = session.scalars(queries.attendance_of(meeting.id, member.user_id)).one()
        attendance.mark_attendance(
            session, row, status=status, reason=reason, by=world.secretary_a.user, now=at
        )
    records.submit_meeting(session, meeting, by=world.secretary_a.user, now=at + timedelta(hours=3))
    return meeting


def docx_text(body: bytes) -> str:
    document = Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def pdf_pages(body: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def squeeze(text: str) -> str:
    """PDF text without the line breaks a narrow table cell puts inside words."""
    return re.sub(r"\s+", "", text)


def test_one_meeting_as_word(session, world, client, login):
    meeting = held(session, world)
    login(world.member_a1.user)
    response = client.get(f"/meetings/{meeting.id}/record.docx")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert ".docx" in response.headers["Content-Disposition"]
    text = docx_text(response.data)
    assert "Branch work record" in text
    assert "学习党的二十届四中全会精神" in text and "甲支部" in text and "三楼会议室" in text
    assert "2026-11-17 10:30–12:00" in text  # Shanghai, not UTC (02:30)
    assert "甲一组长、甲书记、甲委员" in text  # present (late counts as present)
    assert "甲党员一（Excused：出差北京）" in text
    assert "甲党员二（Absent：未说明）" in text
    assert "传达学习了全会精神。" in text and "甲书记领学" in text and "**" not in text
    assert "每位党员撰写心得体会。" in text
    assert "Host (signature)" in text and "Recorder (signature)" in text
    (entry,) = entries(session, "export.downloaded")
    assert entry.details["export"] == "meeting_record"
    assert entry.details["meeting"] == meeting.id


def test_one_meeting_as_pdf_in_chinese(session, world, client, login):
    meeting = held(session, world)
    login(world.secretary_a.user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    response = client.get(f"/meetings/{meeting.id}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (page,) = pdf_pages(response.data)
    flat = squeeze(page)
    assert "支部工作记录" in flat and "缺席人员及原因" in flat
    assert "学习党的二十届四中全会精神" in flat
    assert "2026-11-1710:30–12:00" in flat
    assert "甲党员一（请假：出差北京）" in flat and "甲党员二（缺席：未说明）" in flat
    assert "传达学习了全会精神。" in flat and "每位党员撰写心得体会。" in flat


def test_others_cannot_download_a_record(session, world, client, login):
    meeting = held(session, world)
    planned = plan_lesson(session, world)  # a member sees no record before it is held
    for user, url in (
        (world.secretary_b.user, f"/meetings/{meeting.id}/record.docx"),
        (world.member_b.user, f"/meetings/{meeting.id}/record.pdf"),
        (world.other_staff.user, f"/meetings/{meeting.id}/record.docx"),
        (world.member_a1.user, f"/meetings/{planned.id}/record.docx"),
        (world.member_a1.user, f"/meetings/branches/{world.branch_a.id}/records.docx"),
        (world.secretary_b.user, f"/meetings/branches/{world.branch_a.id}/records.pdf"),
    ):
        login(user)
        assert client.get(url).status_code == 403, (user.name, url)
    assert entries(session, "export.downloaded") == []


def test_branch_year_as_one_document_with_contents(session, world, client, login):
    first = held(session, world, at=PAST - timedelta(days=60), title="学习党章")
    second = held(session, world, kind=MeetingKind.GENERAL_MEETING, title="讨论发展党员")
    joint = plan_lesson(session, world, branch=world.branch_b, by=world.secretary_b,
                        at=PAST - timedelta(days=30), title="两支部联合党课",
                        now=PAST - timedelta(days=40))  # fmt: skip
    joint_service.set_participants(
        session, joint, [world.branch_a], by=world.staff.user, now=PAST - timedelta(days=40)
    )
    records.record_meeting(session, joint, minutes(at=joint.planned_at),
                           by=world.secretary_b.user, now=PAST)  # fmt: skip
    held_b = plan_lesson(session, world, branch=world.branch_b, by=world.secretary_b, at=PAST,
                         title="乙支部的会", now=PAST - timedelta(days=7))  # fmt: skip
    records.record_meeting(session, held_b, minutes(at=PAST), by=world.secretary_b.user, now=NOW)
    plan_lesson(session, world, title="还没开的会")
    login(world.staff.user)
    url = f"/meetings/branches/{world.branch_a.id}/records"
    word = docx_text(client.get(f"{url}.docx?year=2026").data)
    assert "甲支部 work records 2026" in word
    contents = word.split("Contents")[1]
    assert (
        contents.index("学习党章")
        < contents.index("两支部联合党课")
        < contents.index("讨论发展党员")
    )
    assert "乙支部的会" not in word and "还没开的会" not in word
    assert word.count("Absent, with reasons") == 3
    pages = pdf_pages(client.get(f"{url}.pdf?year=2026").data)
    toc = squeeze(pages[0])
    assert len(pages) == 4  # title and contents, one page per record
    assert "甲支部workrecords2026" in toc and "Contents" in toc
    assert "学习党章2" in toc and "两支部联合党课3" in toc and "讨论发展党员4" in toc
    assert "学习党章" in squeeze(pages[1]) and "讨论发展党员" in squeeze(pages[3])
    assert "甲党员一" in squeeze(pages[3])
    assert first.id != second.id
    assert client.get(f"{url}.docx?year=2025").status_code == 200
    assert {e.details["year"] for e in entries(session, "export.downloaded")} == {2025, 2026}


def test_change_history_shows_local_times_for_people(session, world, client, login):
    meeting = plan_lesson(session, world, at=NOW + timedelta(days=2), now=NOW)
    fields = records.MeetingFields(
        kind=meeting.kind,
        title=meeting.title,
        planned_at=NOW + timedelta(days=3),  # 2026-11-23 02:30 UTC
        group=None,
        place=meeting.place,
        host_name=meeting.host_name,
        recorder_name=meeting.recorder_name,
        lecturer_name=meeting.lecturer_name,
    )
    records.update_meeting(session, meeting, fields, by=world.secretary_a.user, now=NOW)
    login(world.secretary_a.user)
    page = client.get(f"/meetings/{meeting.id}").text
    trail = re.sub(r"<[^>]+>", " ", page.split('id="trail"')[1])  # what people read
    assert "+00:00" not in trail and "T02:30" not in trail
    assert re.search(r"Nov 23, 2026, 10:30:00\s?AM", trail), trail


def test_format_local_in_the_committees_zone(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert format_local("2026-11-20T06:30:00+00:00", "Asia/Shanghai", "yyyy-MM-dd HH:mm") == (
            "2026-11-20 14:30"
        )
        assert format_local("2026-11-20T06:30:00+00:00", "Asia/Urumqi", "HH:mm") == "12:30"
        assert "2026年11月20日" in format_local(NOW, "Asia/Shanghai", "medium")
        assert format_local("纪要", "Asia/Shanghai") == "纪要"
        assert format_local(3, "Asia/Shanghai") == "3"
        assert format_local(None) == ""


def test_pages_show_times_in_the_members_committee_zone(session, make, client, login):
    """A committee in Ürümqi (UTC+6): its member's inbox shows 08:30 for 02:30 UTC."""
    from studyhub.notify.models import Message

    committee = make.committee("新疆某党委")
    committee.timezone = "Asia/Urumqi"
    member = make.member(make.branch(committee, "一支部"), name="艾力")
    session.add(Message(user_id=member.user_id, kind="note", subject="通知", created_at=NOW))
    session.flush()
    login(member.user)
    page = client.get("/inbox").text
    assert re.search(r"11/20/26, 8:30\s?AM", page), page


def test_pdf_without_a_chinese_font_says_so(session, world, client, login, monkeypatch, app):
    from studyhub.meetings.services.documents import pdf

    meeting = held(session, world)
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ("/nonexistent/font.ttc",))
    app.config["POSTER_FONT"] = "/also/missing.ttf"
    login(world.secretary_a.user)
    response = client.get(f"/meetings/{meeting.id}/record.pdf")
    assert response.status_code == 503
    assert "No Chinese font is installed" in response.text
    assert client.get(f"/meetings/{meeting.id}/record.docx").status_code == 200


def test_a_joint_meetings_record_lists_the_branches_taking_part(session, world, client, login):
    """The printed record, the .docx and the PDF name the other branches of a joint meeting;
    a branch's own meeting shows no such line."""
    meeting = plan_lesson(
        session, world, at=PAST, title="联合党课", kind=MeetingKind.LESSON,
        now=PAST - timedelta(days=7),
    )  # fmt: skip
    office = session.get(OrgUnit, world.staff.branch_id)  # 党委办公室
    joint_service.set_participants(
        session, meeting, [world.branch_b, office], by=world.staff.user, now=PAST
    )
    records.record_meeting(
        session, meeting, minutes(at=PAST, text="联合学习。"), by=world.secretary_a.user,
        now=PAST + timedelta(hours=2),
    )  # fmt: skip
    login(world.secretary_a.user)
    page = client.get(f"/meetings/{meeting.id}/print")
    assert page.status_code == 200
    assert 'id="rec-joint"' in page.text and "乙支部、党委办公室" in page.text
    word = docx_text(client.get(f"/meetings/{meeting.id}/record.docx").data)
    assert "Branches taking part" in word and "乙支部、党委办公室" in word
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    (pdf,) = pdf_pages(client.get(f"/meetings/{meeting.id}/record.pdf").data)
    assert "乙支部、党委办公室" in squeeze(pdf)
    # A participating branch's secretary sees the same line.
    login(world.secretary_b.user)
    assert "乙支部、党委办公室" in client.get(f"/meetings/{meeting.id}/print").text
    # A branch's own meeting has no such line.
    own = held(session, world, at=PAST - timedelta(days=1), title="本支部党课")
    login(world.secretary_a.user)
    assert 'id="rec-joint"' not in client.get(f"/meetings/{own.id}/print").text
    assert "Branches taking part" not in docx_text(
        client.get(f"/meetings/{own.id}/record.docx").data
    )
