"""Attempts and their items, and the mistake book (cards and reviews)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studyhub.extensions import db
from studyhub.quizzes.models.types import (
    AttemptState,
    Score,
    enum_type,
)

if TYPE_CHECKING:
    from studyhub.quizzes.models.banks import QuestionVersion
    from studyhub.quizzes.models.quiz import Quiz


class Attempt(db.Model):
    """One member's go at a quiz; its questions are frozen in :class:`AttemptItem` rows.

    ``deadline_at`` is set by the server at start; answers are accepted up to it
    plus the grace period. Grading happens once, at submission, and is stored.
    """

    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number"),
        UniqueConstraint("quiz_id", "user_id", "daily_on"),
        Index("ix_attempt_open_deadline", "state", "deadline_at"),
        Index("ix_attempt_user", "user_id", "submitted_at"),
        Index("ix_attempt_marking", "quiz_id", "is_marking_pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    number: Mapped[int] = mapped_column(Integer)
    daily_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[AttemptState] = mapped_column(
        enum_type(AttemptState), default=AttemptState.IN_PROGRESS
    )
    seed: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[Decimal | None] = mapped_column(Score)
    max_score: Mapped[Decimal] = mapped_column(Score, default=Decimal(0))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    is_passed: Mapped[bool | None] = mapped_column(Boolean)
    #: Submitted with essays not yet marked: ``percent`` and ``is_passed`` wait for the marker.
    is_marking_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    quiz: Mapped[Quiz] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        order_by="AttemptItem.position", back_populates="attempt"
    )


class AttemptItem(db.Model):
    """One question of an attempt: the version, option order, the saved response and its grade.

    ``response_seq`` is the client's sequence number of the saved response; a
    save with a lower or equal number is stale and changes nothing.
    """

    __tablename__ = "attempt_item"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        Index("ix_attempt_item_question", "question_id"),
        # Whether a version was used (editing makes a new one) and deleting versions.
        Index("ix_attempt_item_version", "version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"))
    position: Mapped[int] = mapped_column(Integer)
    slot_position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    option_order: Mapped[list[str]] = mapped_column(JSON, default=list)
    response: Mapped[Any | None] = mapped_column(JSON)
    response_seq: Mapped[int] = mapped_column(Integer, default=0)
    saved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[Decimal | None] = mapped_column(Score)
    is_correct: Mapped[bool | None] = mapped_column(Boolean)
    # An essay's marking: points per rubric criterion, the marker's comment, who and when.
    criterion_marks: Mapped[list[Any] | None] = mapped_column(JSON)
    feedback: Mapped[str | None] = mapped_column(Text)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    marked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    version: Mapped[QuestionVersion] = relationship()


class MistakeCard(db.Model):
    """A question in a member's mistake book with its spaced-repetition (FSRS) state."""

    __tablename__ = "mistake_card"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_mistake_card_due", "user_id", "is_mastered", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    fsrs_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    lapse_count: Mapped[int] = mapped_column(Integer, default=0)
    is_mastered: Mapped[bool] = mapped_column(Boolean, default=False)


class MistakeReview(db.Model):
    """One review of a mistake card (the FSRS review log)."""

    __tablename__ = "mistake_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("mistake_card.id"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    is_correct: Mapped[bool] = mapped_column(Boolean)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
