"""Erasing a departed member: no trace of who they were, the same figures as before."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import JSON, String, Text, func, select

from studyhub.accounts.models import ActivationCode, LoginSession
from studyhub.accounts.services import start_session
from studyhub.audit.models import AuditEntry
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.extensions import db
from studyhub.meetings.models import AttendanceStatus, LeaveRequest, MeetingEvent
from studyhub.meetings.queries import attendance_ratios
from studyhub.meetings.services.evidence import take_evidence
from studyhub.notify.models import EmailDelivery, Message, NotificationPreference, SmsDelivery
from studyhub.org import erasure
from studyhub.org import services as org
from studyhub.org.models import Member, Role, RoleAssignment
from studyhub.readings.models import AssignmentSource, Comment, LeadAssignment
from studyhub.reports.services import adjustments, closing, dashboards
from studyhub.reports.services.frozen import quarter_scores
from tests.conftest import PASSWORD
from tests.reports import helpers
from tests.reports.conftest import at
from tests.reports.helpers import AFTER_Q4, IN_Q4, Q4

TEXT_TYPES = (String, Text, JSON)


def figures(session, q4) -> dict:
    """Everything the committee and its branches show about the quarter, as numbers."""
    with quarter_scores(session, q4.committee, Q4, q4.committee, now=AFTER_Q4) as found:
        scores = sorted(
            (s.user_id, s.score, s.branch_rank, s.committee_rank, s.rating, s.is_complete)
            for s in found
        )
    board = dashboards.unit_dashboard(
        session, q4.plan, q4.committee, timezone="Asia/Shanghai", today=date(2026, 12, 1)
    )
    branch = dashboards.branch_dashboard(session, q4.plan, q4.branch_a, per_page=None)
    return {
        "scores": scores,
        "ranks": board.ranks,
        "totals": board.totals,
        "trend": board.trend,
        "branch_counts": dict(branch.counts.by_status),
        "branch_rows": sorted((r.progress.user_id, r.status) for r in branch.rows),
        "attendance": sorted(
            tuple(row) for row in session.execute(attendance_ratios(q4.committee.path, 2026, 4))
        ),
    }


def traces(session, strings: list[str]) -> list[tuple[str, str, object]]:
    """Every (table, column, value) of any text or JSON column that holds one of ``strings``
    (a JSON value is searched in its Chinese text, not only its ASCII-escaped form)."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, TEXT_TYPES):
                continue
            for (value,) in session.execute(select(column).where(column.is_not(None))):
                text = (
                    json.dumps(value, ensure_ascii=False)
                    if isinstance(column.type, JSON)
                    else str(value)
                )
                if any(s in text for s in strings):
                    found.append((table.name, column.name, value))
    return found


@pytest.fixture
def departed(session, q4):
    """a1 (张一) studied, passed, attended, wrote, was written about, then left."""
    a1 = q4.a1
    user = a1.user
    user.email = "zhangyi@example.com"
    old_phone = user.phone
    org.update_member(  # an earlier phone, kept in the audit log's changes
        session,
        a1,
        org.MemberFields(
            name=user.name,
            phone="13812345678",
            member_no=user.member_no,
            status=a1.status,
            joined_on=a1.joined_on,
            position="宣传委员",
        ),
        actor_id=q4.staff.user_id,
        now=IN_Q4,
    )
    for found in [*q4.dailies, *q4.materials]:
        helpers.study(session, a1, found, at(2026, 10, 5, 3))
    helpers.attempt(session, a1, q4.test, percent=90, at=at(2026, 11, 2))
    helpers.attempt(session, q4.a2, q4.test, percent=70, at=at(2026, 11, 3))
    meeting = helpers.meeting(
        session,
        q4.branch_a,
        at=at(2026, 11, 10, 2),
        attendance={a1: AttendanceStatus.PRESENT, q4.a2: AttendanceStatus.EXCUSED},
    )
    meeting.host_name = "张一"
    meeting.minutes_markdown = f"张一同志（{user.phone}）领学，张二请假。"
    meeting.plan_id = q4.plan.id
    meeting.attendance[1].reason = "出差，张一代为说明"
    session.add(
        LeaveRequest(
            meeting_id=meeting.id,
            user_id=a1.user_id,
            reason="家中有事，电话13812345678",
            requested_at=IN_Q4,
        )
    )
    session.flush()
    take_evidence(session, meeting, q4.plan, now=IN_Q4)
    session.add(
        MeetingEvent(
            meeting_id=meeting.id,
            user_id=q4.secretary_a.user_id,
            action="attendance",
            detail={"who": "张一", "status": "present"},
            at=IN_Q4,
        )
    )
    session.add(
        Comment(
            reading_id=q4.dailies[0].id,
            user_id=a1.user_id,
            branch_id=q4.branch_a.id,
            body="学习体会：不忘初心。张一",
            created_at=IN_Q4,
        )
    )
    session.add(
        Comment(
            reading_id=q4.dailies[0].id,
            user_id=q4.a2.user_id,
            branch_id=q4.branch_a.id,
            body="同意张一的看法",
            created_at=IN_Q4,
        )
    )
    session.add(
        LeadAssignment(
            branch_id=q4.branch_a.id,
            day=date(2026, 10, 5),
            member_id=a1.id,
            source=AssignmentSource.ROTA,
            assigned_at=IN_Q4,
            reflection="今天我领读，收获很多。",
            reflection_at=IN_Q4,
        )
    )
    own = Message(user_id=a1.user_id, kind="reminder", subject="张一，请学习", created_at=IN_Q4)
    session.add(own)
    session.add(
        Message(
            user_id=q4.secretary_a.user_id,
            kind="leave",
            subject="张一请假",
            body="张一（13812345678）请假",
            created_at=IN_Q4,
        )
    )
    session.flush()
    session.add(EmailDelivery(message_id=own.id, to_address=user.email, next_attempt_at=IN_Q4))
    session.add(SmsDelivery(message_id=own.id, phone=user.phone, next_attempt_at=IN_Q4))
    session.add(
        NotificationPreference(user_id=user.id, kind="daily_reading", channel="sms", is_wanted=True)
    )
    adjustments.add_adjustment(
        session,
        a1,
        Q4,
        points=Decimal(2),
        reason="张一主动领学",
        by=q4.staff.user,
        now=IN_Q4,
    )
    org.appoint(session, user, q4.branch_a, Role.BRANCH_COMMITTEE, by=None, now=IN_Q4)
    closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    org.set_member_active(a1, is_active=False, actor_id=q4.staff.user_id, now=AFTER_Q4)
    start_session(user, now=AFTER_Q4, lifetime=timedelta(days=30), is_remembered=True)
    session.add(
        ActivationCode(
            user_id=user.id,
            code_hash="x" * 64,
            issued_at=AFTER_Q4,
            expires_at=AFTER_Q4 + timedelta(days=7),
        )
    )
    session.flush()
    return a1, ["张一", "13812345678", old_phone, user.member_no, "zhangyi@example.com"]


def test_erasure_leaves_no_trace_and_the_same_figures(session, q4, departed):
    a1, identifiers = departed
    assert traces(session, identifiers)  # the test data does hold them
    before = figures(session, q4)

    counts = erasure.erase_member(
        session, a1, actor_id=q4.staff.user_id, now=AFTER_Q4 + timedelta(days=1)
    )

    assert figures(session, q4) == before
    assert traces(session, identifiers) == []
    assert counts["comments"] == 1 and counts["leave_reasons"] == 1
    erased = session.get(Member, a1.id)
    placeholder = f"已注销党员 #{a1.id}"
    assert erased.user.name == placeholder and erased.erased_at is not None
    assert (erased.user.phone, erased.user.member_no, erased.user.email) == (None, None, None)
    # The rows stay: their comment, the meeting record and the frozen score.
    assert session.scalar(select(func.count()).where(Comment.user_id == a1.user_id)) == 1
    frozen = next(s for s in _frozen(session, q4) if s.user_id == a1.user_id)
    assert frozen.name == placeholder
    for model in (LoginSession, ActivationCode, RoleAssignment, Message):
        assert session.scalar(select(func.count()).where(model.user_id == a1.user_id)) == 0
    assert session.scalar(select(func.count(EmailDelivery.id))) == 0
    assert session.scalar(select(func.count(SmsDelivery.id))) == 0
    assert session.scalar(select(func.count()).select_from(NotificationPreference)) == 0

    entry = session.scalars(select(AuditEntry).where(AuditEntry.kind == "member.erased")).one()
    assert (entry.actor_id, entry.object_id, entry.summary) == (
        q4.staff.user_id,
        a1.id,
        placeholder,
    )
    deactivated = session.scalars(
        select(AuditEntry).where(AuditEntry.kind == "member.deactivated")
    ).one()
    assert deactivated.summary == placeholder and deactivated.actor_id == q4.staff.user_id


def _frozen(session, q4):
    with quarter_scores(session, q4.committee, Q4, q4.committee, now=AFTER_Q4) as found:
        return list(found)


def test_the_erased_account_cannot_log_in(session, client, q4, departed):
    a1, identifiers = departed
    phone = a1.user.phone
    # Reactivated, the member could log in (the test's password works).
    org.set_member_active(a1, is_active=True, actor_id=None, now=AFTER_Q4)
    ok = client.post("/login", data={"identifier": phone, "password": PASSWORD})
    assert ok.status_code == 302 and ok.location != "/login"
    client.get("/logout")
    org.set_member_active(a1, is_active=False, actor_id=None, now=AFTER_Q4)
    erasure.erase_member(session, a1, actor_id=None, now=AFTER_Q4)
    db.session.commit()  # to the test's savepoint, as the request edge would
    for identifier in (phone, "13812345678", identifiers[3]):
        refused = client.post("/login", data={"identifier": identifier, "password": PASSWORD})
        assert refused.status_code == 200  # the form again, with its error
    with pytest.raises(Conflict):
        org.set_member_active(a1, is_active=True, actor_id=None, now=AFTER_Q4)


def test_only_a_deactivated_member_once(session, q4):
    with pytest.raises(Conflict):
        erasure.erase_member(session, q4.a2, actor_id=None, now=AFTER_Q4)
    org.set_member_active(q4.a2, is_active=False, actor_id=None, now=AFTER_Q4)
    with pytest.raises(InvalidInput):
        erasure.erase_member(session, q4.a2, typed_name="张三", actor_id=None, now=AFTER_Q4)
    erasure.erase_member(session, q4.a2, typed_name=" 张二 ", actor_id=None, now=AFTER_Q4)
    with pytest.raises(Conflict):
        erasure.erase_member(session, q4.a2, actor_id=None, now=AFTER_Q4)


def test_every_domain_takes_part():
    modules = {eraser.__module__ for eraser in erasure.ERASERS}
    assert modules == {
        "studyhub.live.erasure",
        "studyhub.meetings.erasure",
        "studyhub.plans.erasure",
        "studyhub.quizzes.erasure",
        "studyhub.readings.erasure",
        "studyhub.reports.erasure",
    }


def test_another_members_longer_name_is_left_whole(session, q4, make):
    make.member(q4.branch_b, name="张一鸣")
    meeting = helpers.meeting(
        session, q4.branch_a, at=at(2026, 11, 10, 2), attendance={q4.a1: AttendanceStatus.PRESENT}
    )
    meeting.minutes_markdown = "张一发言，张一鸣列席。"
    org.set_member_active(q4.a1, is_active=False, actor_id=None, now=AFTER_Q4)
    erasure.erase_member(session, q4.a1, actor_id=None, now=AFTER_Q4)
    session.refresh(meeting)
    assert meeting.minutes_markdown == f"已注销党员 #{q4.a1.id}发言，张一鸣列席。"
