"""The points ledger and the committees' point rules."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from studyhub.extensions import db


class PointEntry(db.Model):
    """Points earned by one user for one thing, on one local day."""

    __tablename__ = "point_entry"
    __table_args__ = (
        UniqueConstraint("user_id", "source_key"),
        Index("ix_point_entry_user_day", "user_id", "earned_on"),
        Index("ix_point_entry_committee_day", "committee_id", "earned_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    kind: Mapped[str] = mapped_column(String(24))
    source_key: Mapped[str] = mapped_column(String(80))
    points: Mapped[int] = mapped_column(Integer)
    earned_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PointRule(db.Model):
    """A committee's points per event and daily cap for one kind (defaults live in code)."""

    __tablename__ = "point_rule"
    __table_args__ = (UniqueConstraint("committee_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    kind: Mapped[str] = mapped_column(String(24))
    points: Mapped[int] = mapped_column(Integer)
    daily_cap: Mapped[int] = mapped_column(Integer)
