"""Meetings, attendance, leave requests, attachments, audit trail and required frequencies."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhub.accounts.models import User
from studyhub.extensions import db
from studyhub.org.models import OrgUnit
from studyhub.plans.models import StudyPlan


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class MeetingKind(enum.StrEnum):
    GENERAL_MEETING = "general_meeting"  # 支部党员大会
    COMMITTEE_MEETING = "committee_meeting"  # 支部委员会
    GROUP_MEETING = "group_meeting"  # 党小组会
    LESSON = "lesson"  # 党课
    THEME_DAY = "theme_day"  # 主题党日
    ORG_LIFE = "org_life"  # 组织生活会
    DEMOCRATIC_REVIEW = "democratic_review"  # 民主评议党员


class MeetingState(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"  # recorded
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"  # 请假
    ABSENT = "absent"


class LeaveStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Meeting(db.Model):
    """One meeting of a branch (or of a group in it) and its record."""

    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_branch_planned", "branch_id", "planned_at"),
        Index("ix_meeting_committee_state", "committee_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    kind: Mapped[MeetingKind] = mapped_column(_enum(MeetingKind))
    state: Mapped[MeetingState] = mapped_column(_enum(MeetingState), default=MeetingState.PLANNED)
    title: Mapped[str] = mapped_column(String(200))  # 议题
    planned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(200), default="")
    host_name: Mapped[str] = mapped_column(String(64), default="")  # 主持人
    recorder_name: Mapped[str] = mapped_column(String(64), default="")  # 记录人
    lecturer_name: Mapped[str] = mapped_column(String(64), default="")  # 讲授人 (lessons)
    invitees: Mapped[str] = mapped_column(String(500), default="")  # 列席人员
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes_markdown: Mapped[str] = mapped_column(Text, default="")
    minutes_html: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")  # 决议
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("study_plan.id"))
    checkin_opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checkin_closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state_reason: Mapped[str | None] = mapped_column(String(500))  # returned / cancelled
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    branch: Mapped[OrgUnit] = relationship(foreign_keys=[branch_id])
    group: Mapped[OrgUnit | None] = relationship(foreign_keys=[group_id])
    plan: Mapped[StudyPlan | None] = relationship()
    attendance: Mapped[list[Attendance]] = relationship(back_populates="meeting")
    # A joint meeting: the other branches taking part (the host is ``branch``).
    participants: Mapped[list[MeetingParticipant]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingParticipant.id"
    )


class MeetingParticipant(db.Model):
    """Another branch taking part in a joint (or committee-wide) meeting: the meeting is in
    its record and compliance, and its members are on the roster."""

    __tablename__ = "meeting_participant"
    __table_args__ = (
        UniqueConstraint("meeting_id", "branch_id"),
        Index("ix_meeting_participant_branch", "branch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    branch: Mapped[OrgUnit] = relationship()


class Attendance(db.Model):
    """One expected attendee (应到, snapshotted when check-in opens) and their status."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        Index("ix_attendance_user", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[AttendanceStatus] = mapped_column(
        _enum(AttendanceStatus), default=AttendanceStatus.ABSENT
    )
    reason: Mapped[str | None] = mapped_column(String(300))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    method: Mapped[str | None] = mapped_column(String(16))  # qr | manual
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LeaveRequest(db.Model):
    """A member asking to be excused from a meeting, before it, with a reason."""

    __tablename__ = "leave_request"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[LeaveStatus] = mapped_column(_enum(LeaveStatus), default=LeaveStatus.PENDING)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MeetingAttachment(db.Model):
    """A photo or PDF attached to a record, stored by content hash."""

    __tablename__ = "meeting_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    mime_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MeetingEvent(db.Model):
    """The audit trail: every change to a record, by whom and when."""

    __tablename__ = "meeting_event"
    __table_args__ = (
        Index("ix_meeting_event_meeting", "meeting_id", "at"),
        # The notices job reads the recent events of every meeting.
        Index("ix_meeting_event_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StudyEvidence(db.Model):
    """The branch's completion of the linked plan as it stood when the record was submitted."""

    __tablename__ = "study_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), unique=True
    )
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plan.id"))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class RequiredFrequency(db.Model):
    """How often a committee's branches must hold a kind of meeting (per month or quarter)."""

    __tablename__ = "required_frequency"
    __table_args__ = (UniqueConstraint("committee_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    kind: Mapped[MeetingKind] = mapped_column(_enum(MeetingKind))
    period: Mapped[str] = mapped_column(String(8))  # month | quarter | year | none
    minimum: Mapped[int] = mapped_column(SmallInteger, default=1)


class MeetingNotice(db.Model):
    """A notice the meetings' jobs have sent: one row per event (invitation, change,
    reminder, digest…), so a job that runs again, or late, never sends it twice.

    Each message also carries a per-recipient ``dedupe_key``; this row is what lets the
    job skip an event without asking every recipient again.
    """

    __tablename__ = "meeting_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Rating(enum.StrEnum):
    """A member's rating by a 民主评议党员 meeting."""

    EXCELLENT = "excellent"  # 优秀
    QUALIFIED = "qualified"  # 合格
    BASICALLY_QUALIFIED = "basically_qualified"  # 基本合格
    UNQUALIFIED = "unqualified"  # 不合格


class MeetingRating(db.Model):
    """One member's rating by a 民主评议党员 meeting, as the recorder entered it.

    ``votes`` holds the vote counts per rating when the branch records them
    (``{"excellent": 12, "qualified": 3, …}``), else it is empty.
    """

    __tablename__ = "meeting_rating"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        Index("ix_meeting_rating_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    rating: Mapped[Rating] = mapped_column(_enum(Rating))
    votes: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MakeupTask(db.Model):
    """补学: a member absent from a 党课 or a 支部党员大会 studies its material (and, when
    set, takes a short test) by a deadline. Completion shows on the record and in the
    member's history as 补学, never as attendance (their attendance row stays absent).
    """

    __tablename__ = "makeup_task"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        Index("ix_makeup_task_user", "user_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quiz.id", ondelete="SET NULL"))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="SET NULL"))
