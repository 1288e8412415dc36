"""Live lessons, their invited branches, moderators, comments and members' watch time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
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


class LiveLesson(db.Model):
    """A 直播党课: a stream (or an uploaded recording) watched by the invited branches.

    ``host_branch_id`` is set when a secretary scheduled it for their own branch;
    a committee lesson has none. ``seq`` counts the changes to its comments
    (posted, hidden, pinned): a viewer asks for what changed after the ``seq`` it
    has, so an unchanged lesson answers from one indexed lookup.
    """

    __tablename__ = "live_lesson"
    __table_args__ = (Index("ix_live_lesson_committee_starts", "committee_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    host_branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    title: Mapped[str] = mapped_column(String(200))
    lecturer_name: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    planned_end_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stream_url: Mapped[str | None] = mapped_column(String(500))
    video_key: Mapped[str | None] = mapped_column(String(200))  # a storage key
    video_mime: Mapped[str | None] = mapped_column(String(50))
    threshold_percent: Mapped[int] = mapped_column(SmallInteger, default=80)
    replay_url: Mapped[str | None] = mapped_column(String(500))
    replay_key: Mapped[str | None] = mapped_column(String(200))
    makeup_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    attendance_written_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    committee: Mapped[OrgUnit] = relationship(foreign_keys=[committee_id])
    host_branch: Mapped[OrgUnit | None] = relationship(foreign_keys=[host_branch_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    invitations: Mapped[list[LiveInvitation]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan"
    )
    moderators: Mapped[list[LiveModerator]] = relationship(cascade="all, delete-orphan")

    @property
    def ends_at(self) -> datetime:
        """When it ended, or is planned to."""
        return self.ended_at or self.planned_end_at


class LiveInvitation(db.Model):
    """A branch whose members attend; ``meeting_id`` is its 党课 in the branch's record."""

    __tablename__ = "live_invitation"
    __table_args__ = (
        UniqueConstraint("lesson_id", "branch_id"),
        Index("ix_live_invitation_branch", "branch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("live_lesson.id", ondelete="CASCADE"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    is_guest: Mapped[bool] = mapped_column(Boolean, default=False)  # of another committee
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"))

    lesson: Mapped[LiveLesson] = relationship(back_populates="invitations")
    branch: Mapped[OrgUnit] = relationship()


class LiveModerator(db.Model):
    """A user who may hide and pin comments of one lesson besides the host."""

    __tablename__ = "live_moderator"
    __table_args__ = (UniqueConstraint("lesson_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("live_lesson.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))


class LiveComment(db.Model):
    """A comment made during the lesson, at ``offset_seconds`` into it.

    ``seq`` is the lesson's change counter when the comment last changed (posted,
    hidden, pinned or unpinned).
    """

    __tablename__ = "live_comment"
    __table_args__ = (
        Index("ix_live_comment_lesson_seq", "lesson_id", "seq"),
        Index("ix_live_comment_user", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("live_lesson.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    body: Mapped[str] = mapped_column(String(200))
    offset_seconds: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seq: Mapped[int] = mapped_column(Integer)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    pinned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LiveWatch(db.Model):
    """One member's watch time of one lesson: live, and by replay (补学).

    ``last_seen_at`` is the credited time (see :mod:`studyhub.live.services.watching`).
    """

    __tablename__ = "live_watch"
    __table_args__ = (
        UniqueConstraint("lesson_id", "user_id"),
        Index("ix_live_watch_lesson_seen", "lesson_id", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("live_lesson.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    live_seconds: Mapped[int] = mapped_column(Integer, default=0)
    replay_seconds: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    made_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # 补学
    # The last report said the video was paused or the page hidden: the stretch until the
    # next report was not watched.
    is_paused: Mapped[bool] = mapped_column(Boolean, default=False)
