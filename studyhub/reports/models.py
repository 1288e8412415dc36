"""Quarterly score settings, adjustments, frozen quarters and export jobs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from studyhub.extensions import db


class ScoreDimension(db.Model):
    """One weighted part of a committee's quarterly score (reading, test, daily quiz…)."""

    __tablename__ = "score_dimension"
    __table_args__ = (UniqueConstraint("committee_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    weight: Mapped[Decimal] = mapped_column(Numeric(5, 2))  # percent
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class ScoreSettings(db.Model):
    """A committee's rating thresholds and adjustment caps."""

    __tablename__ = "score_settings"

    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)
    # {"excellent": 90, "qualified": 70, "basic": 60}; below "basic" is 不合格.
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    adjustment_cap: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(10))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScoreAdjustment(db.Model):
    """A bonus or deduction (比贡献) for a member in a quarter, with the reason; audited."""

    __tablename__ = "score_adjustment"
    __table_args__ = (Index("ix_score_adjustment_quarter", "committee_id", "year", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    quarter: Mapped[int] = mapped_column(SmallInteger)
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    reason: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class QuarterClose(db.Model):
    """A committee's quarter, closed (scores frozen) or reopened, with who and why."""

    __tablename__ = "quarter_close"
    __table_args__ = (UniqueConstraint("committee_id", "year", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    quarter: Mapped[int] = mapped_column(SmallInteger)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopen_reason: Mapped[str | None] = mapped_column(String(300))
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class FrozenScore(db.Model):
    """A member's score for a closed quarter, with its explanation, as published."""

    __tablename__ = "frozen_score"
    __table_args__ = (
        UniqueConstraint("committee_id", "year", "quarter", "user_id"),
        Index("ix_frozen_score_branch", "branch_id", "year", "quarter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    quarter: Mapped[int] = mapped_column(SmallInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    total: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    branch_rank: Mapped[int] = mapped_column(Integer)
    committee_rank: Mapped[int] = mapped_column(Integer)
    rating: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RatingOverride(db.Model):
    """Staff replacing a member's suggested rating for a quarter, with the reason."""

    __tablename__ = "rating_override"
    __table_args__ = (UniqueConstraint("committee_id", "year", "quarter", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    quarter: Mapped[int] = mapped_column(SmallInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    rating: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ExportJob(db.Model):
    """A large export produced in the background and downloaded when ready."""

    __tablename__ = "export_job"
    __table_args__ = (Index("ix_export_job_state", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    kind: Mapped[str] = mapped_column(String(32))  # scores | meetings_register | meetings_stats
    year: Mapped[int] = mapped_column(SmallInteger)
    quarter: Mapped[int | None] = mapped_column(SmallInteger)
    file_format: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    stored_name: Mapped[str | None] = mapped_column(String(100))
    rows: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    dedupe_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CustomDimension(db.Model):
    """A committee's own score dimension (岗位核心度, 月度考核…) in one of its scoring schemes.

    ``source`` names the registry entry that obtains the value (see
    :mod:`studyhub.reports.dimensions`): entered per member, imported from XLSX, or
    computed from member data. ``mapping`` says how a value becomes 0–100 points:
    ``{"kind": "scale", "out_of": 5}``, ``{"kind": "bands", "bands": [[0, 40], [30, 80]]}``
    (the points of the highest band whose lower bound the value reaches) or
    ``{"kind": "table", "table": {"excellent": 100, …}}``. ``quarters`` lists the quarter
    numbers it applies to (empty: every quarter).
    """

    __tablename__ = "custom_dimension"
    __table_args__ = (UniqueConstraint("committee_id", "scheme", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    # "quarterly": part of the committee's quarterly score; else a scheme of its own.
    scheme: Mapped[str] = mapped_column(String(64), default="quarterly")
    name: Mapped[str] = mapped_column(String(64))
    weight: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    source: Mapped[str] = mapped_column(String(32))  # entered | imported | computed | rating
    computed_from: Mapped[str | None] = mapped_column(String(32))  # membership_years | age
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    quarters: Mapped[list[int]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DimensionValue(db.Model):
    """A member's value of an entered or imported dimension for a quarter."""

    __tablename__ = "dimension_value"
    __table_args__ = (
        UniqueConstraint("dimension_id", "year", "quarter", "user_id"),
        Index("ix_dimension_value_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dimension_id: Mapped[int] = mapped_column(ForeignKey("custom_dimension.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    quarter: Mapped[int] = mapped_column(SmallInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    value: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MemberBirth(db.Model):
    """A member's year of birth, for dimensions computed from age bands."""

    __tablename__ = "member_birth"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    born_year: Mapped[int] = mapped_column(SmallInteger)


class Competition(db.Model):
    """A 比学习 competition between branches: a period, the branches and the measures."""

    __tablename__ = "competition"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Measure codes with their weights: [["completion", 50], ["test", 50], ["d12", 0]…]
    measures: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Whether branches see each other's names (else anonymised but for their own).
    is_named: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CompetitionBranch(db.Model):
    __tablename__ = "competition_branch"
    __table_args__ = (Index("ix_competition_branch_branch", "branch_id"),)

    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id"), primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)


class CompetitionSnapshot(db.Model):
    """A branch's figures in a competition on a day (one row per day: the job is idempotent)."""

    __tablename__ = "competition_snapshot"
    __table_args__ = (UniqueConstraint("competition_id", "branch_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    day: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    rank: Mapped[int] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer)
