"""Readings, columns, tags, uploads, receipts, 党史今天, the lead-reader rota and comments."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.extensions import db


class ReadingColumn(db.Model):
    """A committee's column (栏目) of readings, e.g. 党务指南 or 党史今天."""

    __tablename__ = "reading_column"
    __table_args__ = (UniqueConstraint("committee_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(String(200), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


reading_tag = Table(
    "reading_tag",
    db.metadata,
    Column("reading_id", ForeignKey("reading.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("committee_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    name: Mapped[str] = mapped_column(String(30))


class Reading(db.Model):
    """An article. Visible to members once ``published_at`` has passed and until unpublished.

    ``daily_on`` makes it the reading of the day (每日一读) for that local date:
    one per committee and day.
    """

    __tablename__ = "reading"
    __table_args__ = (
        UniqueConstraint("committee_id", "daily_on"),
        Index("ix_reading_committee_published", "committee_id", "published_at"),
        Index("ix_reading_column_published", "column_id", "published_at"),
        Index("ix_reading_committee_review", "committee_id", "review_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    column_id: Mapped[int | None] = mapped_column(ForeignKey("reading_column.id"))
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(300), default="")
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")  # plain text, for search
    media_url: Mapped[str | None] = mapped_column(String(500))
    # 视听学习: the media plays in the page; studied = played for the required share of it.
    media_kind: Mapped[str | None] = mapped_column(String(8))  # video | audio
    media_seconds: Mapped[int | None] = mapped_column(Integer)  # the media's length
    cover_upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))
    char_count: Mapped[int] = mapped_column(Integer, default=0)
    reading_seconds: Mapped[int] = mapped_column(Integer, default=0)  # estimate shown to members
    min_seconds: Mapped[int] = mapped_column(Integer, default=0)  # to count as studied
    daily_on: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unpublished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # 支部发稿: a reading a branch's editor wrote (``origin_branch_id``). With ``branch_id`` set
    # only that branch's members see it; one submitted to the committee's channel keeps
    # ``branch_id`` None and waits for staff (``review_state`` submitted, returned, approved).
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    origin_branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    review_state: Mapped[str | None] = mapped_column(String(12))
    review_note: Mapped[str | None] = mapped_column(String(300))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The 党史今天 entry the member on duty on the rota across branches proposes with the
    # day's reading (month and day: ``daily_on``'s); approved, it becomes the committee's entry.
    history_year: Mapped[int | None] = mapped_column(SmallInteger)
    history_title: Mapped[str | None] = mapped_column(String(200))
    history_text: Mapped[str | None] = mapped_column(Text)

    column: Mapped[ReadingColumn | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=reading_tag, order_by=Tag.name)

    def is_visible(self, now: datetime) -> bool:
        return (
            self.published_at is not None
            and as_utc(self.published_at) <= now
            and self.unpublished_at is None
        )


class Upload(db.Model):
    """An image staff uploaded, stored under the uploads folder by its content hash."""

    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    mime_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReadReceipt(db.Model):
    """One member's reading of one reading: opened, time spent, reached the end, studied."""

    __tablename__ = "read_receipt"
    __table_args__ = (
        UniqueConstraint("reading_id", "user_id"),
        Index("ix_read_receipt_user_studied", "user_id", "studied_on"),
        Index("ix_read_receipt_reading_studied", "reading_id", "studied_at"),
        # The committee dashboard reads these alone (index-only): a plan's materials studied
        # per member, and the readings studied in a week per branch.
        Index("ix_read_receipt_reading_user_studied", "reading_id", "user_id", "studied_at"),
        Index("ix_read_receipt_studied_on_user", "studied_on", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reading_id: Mapped[int] = mapped_column(ForeignKey("reading.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    reached_end: Mapped[bool] = mapped_column(Boolean, default=False)
    studied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    studied_on: Mapped[date | None] = mapped_column(Date)


class HistoryEntry(db.Model):
    """党史今天: what happened on this month and day in Party history."""

    __tablename__ = "history_entry"
    __table_args__ = (
        UniqueConstraint("committee_id", "month", "day", "year", "title"),
        Index("ix_history_entry_day", "month", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))  # None: everyone's
    month: Mapped[int] = mapped_column(SmallInteger)
    day: Mapped[int] = mapped_column(SmallInteger)
    year: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")


class LeadRotaEntry(db.Model):
    """A branch's lead-reader rota: members in turn order."""

    __tablename__ = "lead_rota_entry"
    __table_args__ = (UniqueConstraint("branch_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    position: Mapped[int] = mapped_column(Integer)


class LeadRotaBranch(db.Model):
    """A committee's rota across branches: the branches taking part, in turn order.

    Its members' turns are kept as a branch's are, with the committee as the rota's unit
    (``lead_rota_entry``, ``lead_assignment`` and ``lead_day_off`` rows whose
    ``branch_id`` is the committee)."""

    __tablename__ = "lead_rota_branch"
    __table_args__ = (UniqueConstraint("committee_id", "branch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    position: Mapped[int] = mapped_column(Integer)


class LeadDayOff(db.Model):
    """A day the secretary marked as off: nobody leads the reading."""

    __tablename__ = "lead_day_off"
    __table_args__ = (UniqueConstraint("branch_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    day: Mapped[date] = mapped_column(Date)


class AssignmentSource(enum.StrEnum):
    ROTA = "rota"
    MANUAL = "manual"


class LeadAssignment(db.Model):
    """Who leads the reading in a branch on a day; one per branch and day."""

    __tablename__ = "lead_assignment"
    __table_args__ = (UniqueConstraint("branch_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    source: Mapped[AssignmentSource] = mapped_column(
        Enum(
            AssignmentSource,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reflection: Mapped[str | None] = mapped_column(Text)  # 领读心得
    reflection_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Comment(db.Model):
    """A member's comment on a reading (党建e互动); hidden ones are kept with who hid them."""

    __tablename__ = "comment"
    __table_args__ = (
        Index("ix_comment_reading_created", "reading_id", "created_at"),
        Index("ix_comment_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reading_id: Mapped[int] = mapped_column(ForeignKey("reading.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    body: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hidden_reason: Mapped[str | None] = mapped_column(String(200))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ReadingAttachment(db.Model):
    """A PDF attached to a reading (the full document, a handout), served as a download to
    those who may see the reading. Stored by its hash under the committee like an image."""

    __tablename__ = "reading_attachment"
    __table_args__ = (Index("ix_reading_attachment_reading", "reading_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reading_id: Mapped[int] = mapped_column(ForeignKey("reading.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Favourite(db.Model):
    """A reading a member starred (收藏), listed newest first on their favourites page."""

    __tablename__ = "reading_favourite"
    __table_args__ = (
        UniqueConstraint("user_id", "reading_id"),
        Index("ix_reading_favourite_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    reading_id: Mapped[int] = mapped_column(ForeignKey("reading.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
