"""Erasing one member leaves alone the other people who share their name, and the rows
about those people; short member numbers are never searched for in free text; files
exported before the erasure are removed."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from studyhub.audit.models import AuditEntry
from studyhub.meetings.models import Attendance, AttendanceStatus, Meeting
from studyhub.notify.models import Message
from studyhub.org import erasure
from studyhub.org import services as org
from studyhub.org.models import Role
from studyhub.reports.models import ExportJob, ScoreAdjustment
from studyhub.reports.services import export_jobs
from studyhub.web.storage import EXTENSION, LocalStorage
from tests.conftest import NOW
from tests.reports import helpers

LATER = NOW + timedelta(days=30)
ERASED_AT = NOW + timedelta(days=60)


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def entries_about(session, member) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == "member",
                AuditEntry.object_id == member.id,
                AuditEntry.kind != "member.erased",
            )
        )
    )


def entry_text(entry: AuditEntry) -> str:
    return " ".join(_text(v) for v in (entry.summary, entry.changes, entry.details) if v)


def _leave(session, member) -> None:
    org.set_member_active(member, is_active=False, actor_id=None, now=LATER)
    session.flush()


def _note(session, member, text: str) -> Message:
    message = Message(user_id=member.user_id, kind="note", subject=text, created_at=LATER)
    session.add(message)
    return message


def _adjustment(session, member, reason: str) -> ScoreAdjustment:
    found = ScoreAdjustment(
        committee_id=member.committee_id,
        user_id=member.user_id,
        year=2026,
        quarter=4,
        points=Decimal(1),
        reason=reason,
        created_at=LATER,
    )
    session.add(found)
    return found


def test_a_namesake_in_another_committee_keeps_every_entry(session, make):
    branch_a = make.branch(make.committee("甲党委"))
    branch_b = make.branch(make.committee("乙党委"))
    leaver = make.member(branch_a, name="王伟")
    other = make.member(branch_b, name="王伟")
    secretary_b = make.member(branch_b)
    note = _note(session, secretary_b, "王伟同志请假")
    kept_adjustment = _adjustment(session, other, "王伟主动领学")
    session.flush()
    _leave(session, leaver)

    erasure.erase_member(session, leaver, actor_id=None, now=ERASED_AT)

    placeholder = f"已注销党员 #{leaver.id}"
    about_other = entries_about(session, other)
    assert [e.kind for e in about_other] == ["member.added"]
    assert about_other[0].summary == "王伟" and "王伟" in entry_text(about_other[0])
    assert placeholder not in entry_text(about_other[0])
    about_leaver = entries_about(session, leaver)
    assert {e.kind for e in about_leaver} == {"member.added", "member.deactivated"}
    assert all("王伟" not in entry_text(e) for e in about_leaver)
    assert session.get(Message, note.id).subject == "王伟同志请假"
    assert session.get(ScoreAdjustment, kept_adjustment.id).reason == "王伟主动领学"
    assert session.get(type(other.user), other.user_id).name == "王伟"


def test_a_namesake_in_the_same_committee_keeps_what_is_theirs(session, make):
    committee = make.committee("丙党委")
    branch_1 = make.branch(committee)
    branch_2 = make.branch(committee)
    leaver = make.member(branch_1, name="王伟")
    other = make.member(branch_2, name="王伟")
    secretary = make.member(branch_1)
    theirs = helpers.meeting(
        session, branch_1, at=LATER, attendance={leaver: AttendanceStatus.ABSENT}
    )
    theirs.minutes_markdown = "王伟请假，由支部书记主持。"
    session.execute(
        Attendance.__table__.update()
        .where(Attendance.meeting_id == theirs.id, Attendance.user_id == leaver.user_id)
        .values(reason="王伟出差")
    )
    others = helpers.meeting(
        session, branch_2, at=LATER, attendance={other: AttendanceStatus.PRESENT}
    )
    others.minutes_markdown = "王伟发言。"
    leaver_adjustment = _adjustment(session, leaver, "王伟带头学习")
    other_adjustment = _adjustment(session, other, "王伟主动领学")
    ambiguous = _note(session, secretary, "王伟请假")
    session.flush()
    _leave(session, leaver)

    erasure.erase_member(session, leaver, actor_id=None, now=ERASED_AT)

    placeholder = f"已注销党员 #{leaver.id}"
    session.expire_all()
    # Tied to the leaver by id: no trace.
    assert all("王伟" not in entry_text(e) for e in entries_about(session, leaver))
    assert session.get(ScoreAdjustment, leaver_adjustment.id).reason == f"{placeholder}带头学习"
    assert (
        session.get(Meeting, theirs.id).minutes_markdown == f"{placeholder}请假，由支部书记主持。"
    )
    assert "王伟" not in (
        session.scalars(select(Attendance.reason).where(Attendance.meeting_id == theirs.id)).one()
    )
    # The other 王伟's rows, and free text that may be about either, stay as they were.
    (added,) = entries_about(session, other)
    assert added.summary == "王伟" and placeholder not in entry_text(added)
    assert session.get(ScoreAdjustment, other_adjustment.id).reason == "王伟主动领学"
    assert session.get(Meeting, others.id).minutes_markdown == "王伟发言。"
    assert session.get(Message, ambiguous.id).subject == "王伟请假"
    assert session.get(type(other.user), other.user_id).name == "王伟"


def test_a_short_member_number_is_not_searched_for_in_free_text(session, make):
    branch = make.branch(make.committee("丁党委"))
    leaver = make.member(branch, name="李短号")
    user = leaver.user
    org.update_member(
        session,
        leaver,
        org.MemberFields(
            name=user.name,
            phone=user.phone,
            member_no="12",
            status=leaver.status,
            joined_on=leaver.joined_on,
        ),
        actor_id=None,
        now=LATER,
    )
    meeting = helpers.meeting(
        session, branch, at=LATER, attendance={leaver: AttendanceStatus.PRESENT}
    )
    meeting.minutes_markdown = "2012年12月12日会议，党费120元。"
    session.flush()
    _leave(session, leaver)

    erasure.erase_member(session, leaver, actor_id=None, now=ERASED_AT)

    session.expire_all()
    assert session.get(Meeting, meeting.id).minutes_markdown == "2012年12月12日会议，党费120元。"
    placeholder = f"已注销党员 #{leaver.id}"
    updated = next(e for e in entries_about(session, leaver) if e.kind == "member.updated")
    # The entry about them loses the number all the same, by its field, not by a search.
    assert updated.changes["member_no"] == [placeholder, placeholder]


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    found = LocalStorage(tmp_path)
    monkeypatch.setitem(app.extensions, EXTENSION, found)
    return found


def _export(session, storage, committee, name: str, *, finished_at) -> ExportJob:
    job = ExportJob(
        committee_id=committee.id,
        unit_id=committee.id,
        kind=export_jobs.KIND_SCORES,
        year=2026,
        quarter=4,
        file_format="csv",
        state=export_jobs.DONE,
        stored_name=name,
        rows=2,
        created_at=finished_at,
        finished_at=finished_at,
    )
    session.add(job)
    session.flush()
    storage.save(export_jobs.stored_key(job), "姓名\n王伟\n".encode())
    return job


def test_erasure_removes_the_committees_files_exported_before_it(
    session, client, login, make, storage, in_english
):
    committee = make.committee("戊党委")
    branch = make.branch(committee)
    staff = make.member(branch, name="组织干事", role=Role.STAFF, role_unit=committee)
    leaver = make.member(branch, name="王伟")
    elsewhere = make.committee("己党委")
    before = _export(session, storage, committee, "1-old.csv", finished_at=LATER)
    other = _export(session, storage, elsewhere, "2-other.csv", finished_at=LATER)
    _leave(session, leaver)

    counts = erasure.erase_member(session, leaver, actor_id=None, now=ERASED_AT)

    assert counts["export_files"] == 1
    session.expire_all()
    assert not storage.exists("exports/1-old.csv")
    job = session.get(ExportJob, before.id)
    assert (job.state, job.stored_name) == (export_jobs.EXPIRED, None)
    assert storage.exists("exports/2-other.csv")  # another committee's file
    assert session.get(ExportJob, other.id).state == export_jobs.DONE

    login(staff.user)
    assert client.get(f"/reports/exports/{job.id}/file").status_code == 404
    page = client.get(f"/reports/exports/{job.id}")
    assert page.status_code == 200 and "personal data was erased" in page.text
