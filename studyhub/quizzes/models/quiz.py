"""Quizzes: their slots, the units they are assigned to, and per-member or per-unit overrides."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhub.extensions import db
from studyhub.quizzes.models.types import (
    GradingMethod,
    QuestionType,
    QuizMode,
    ReviewTiming,
    enum_type,
)


class Quiz(db.Model):
    """An exam, a practice quiz or a committee's daily quiz."""

    __tablename__ = "quiz"
    __table_args__ = (Index("ix_quiz_committee_mode", "committee_id", "mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[QuizMode] = mapped_column(enum_type(QuizMode))
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts_allowed: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    grading_method: Mapped[GradingMethod] = mapped_column(
        enum_type(GradingMethod), default=GradingMethod.HIGHEST
    )
    pass_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(60))
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=False)
    multiple_partial_credit: Mapped[bool] = mapped_column(Boolean, default=False)
    review_score: Mapped[ReviewTiming] = mapped_column(
        enum_type(ReviewTiming), default=ReviewTiming.IMMEDIATELY
    )
    review_correctness: Mapped[ReviewTiming] = mapped_column(
        enum_type(ReviewTiming), default=ReviewTiming.AFTER_CLOSE
    )
    review_answers: Mapped[ReviewTiming] = mapped_column(
        enum_type(ReviewTiming), default=ReviewTiming.AFTER_CLOSE
    )
    review_explanations: Mapped[ReviewTiming] = mapped_column(
        enum_type(ReviewTiming), default=ReviewTiming.AFTER_CLOSE
    )
    daily_question_count: Mapped[int] = mapped_column(SmallInteger, default=5)
    #: Secretaries may mark their branch's members' essays (staff always may).
    branch_marking: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    slots: Mapped[list[QuizSlot]] = relationship(
        order_by="QuizSlot.position", cascade="all, delete-orphan"
    )


class QuizSlot(db.Model):
    """A fixed question, or a rule drawing ``count`` random questions of a category and type."""

    __tablename__ = "quiz_slot"
    __table_args__ = (UniqueConstraint("quiz_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))
    bank_id: Mapped[int | None] = mapped_column(ForeignKey("question_bank.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("question_category.id"))
    include_subcategories: Mapped[bool] = mapped_column(Boolean, default=True)
    qtype: Mapped[QuestionType | None] = mapped_column(enum_type(QuestionType))
    count: Mapped[int] = mapped_column(Integer, default=1)
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(1))


class QuizAssignment(db.Model):
    """A quiz given to a unit and everyone under it."""

    __tablename__ = "quiz_assignment"
    __table_args__ = (UniqueConstraint("quiz_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuizOverride(db.Model):
    """An exception to an exam's settings for one member (``user_id``) or a unit (``unit_id``).

    Each setting is ``None`` when the override leaves it as the quiz has it;
    ``attempts_allowed`` 0 means unlimited and ``time_limit_seconds`` 0 no time
    limit (as in Moodle). How several overrides combine: see
    :mod:`studyhub.quizzes.services.overrides`.
    """

    __tablename__ = "quiz_override"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id"),
        UniqueConstraint("quiz_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    attempts_allowed: Mapped[int | None] = mapped_column(Integer)
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
