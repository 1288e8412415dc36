"""Study plans, their materials and target units, deadline overrides and reminders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
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

from studyhub.extensions import db


class StudyPlan(db.Model):
    """A committee's plan: materials (readings, in order), a test (a quiz), dates and branches.

    A draft until ``published_at`` is set; publishing notifies every member concerned.
    """

    __tablename__ = "study_plan"
    __table_args__ = (Index("ix_study_plan_committee_quarter", "committee_id", "year", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(SmallInteger)
    quarter: Mapped[int] = mapped_column(SmallInteger)  # 1..4
    guidance_markdown: Mapped[str] = mapped_column(Text, default="")
    guidance_html: Mapped[str] = mapped_column(Text, default="")
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quiz.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    materials: Mapped[list[PlanMaterial]] = relationship(
        order_by="PlanMaterial.position", cascade="all, delete-orphan"
    )
    targets: Mapped[list[PlanTarget]] = relationship(cascade="all, delete-orphan")


class PlanMaterial(db.Model):
    __tablename__ = "plan_material"
    __table_args__ = (UniqueConstraint("plan_id", "reading_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plan.id", ondelete="CASCADE"))
    reading_id: Mapped[int] = mapped_column(ForeignKey("reading.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class PlanTarget(db.Model):
    """A unit whose members (the whole subtree) the plan is for."""

    __tablename__ = "plan_target"
    __table_args__ = (UniqueConstraint("plan_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plan.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)


class PlanExtension(db.Model):
    """A later due date for one branch or one member, with who granted it and why."""

    __tablename__ = "plan_extension"
    __table_args__ = (
        UniqueConstraint("plan_id", "unit_id"),
        UniqueConstraint("plan_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plan.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlanReminder(db.Model):
    """A reminder sent to a member about a plan: at most one per member, plan and local day."""

    __tablename__ = "plan_reminder"
    __table_args__ = (
        UniqueConstraint("plan_id", "user_id", "sent_on"),
        Index("ix_plan_reminder_plan_user", "plan_id", "user_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plan.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    sent_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the scheduler
    kind: Mapped[str] = mapped_column(String(16), default="manual")  # manual | due_soon
