"""Question banks, versioned questions, quizzes, attempts and the mistake book.

A question's text, options and answer live in immutable :class:`QuestionVersion`
rows: editing a question that attempts already used adds a version, and each
:class:`AttemptItem` points at the version it was given, so past attempts keep
showing and grading what the member saw.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
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

PathType = String(255).with_variant(String(255, collation="C"), "postgresql")
Score = Numeric(10, 4)


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class QuestionType(enum.StrEnum):
    SINGLE = "single"  # 单选
    MULTIPLE = "multiple"  # 多选
    TRUEFALSE = "truefalse"  # 判断
    FILLIN = "fillin"  # 填空
    ESSAY = "essay"  # 简答: marked by a person against an optional model answer and a rubric


#: Types graded automatically at submission; an essay waits for a marker.
AUTO_GRADED_TYPES = frozenset(
    {QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUEFALSE, QuestionType.FILLIN}
)


class MatchRule(enum.StrEnum):
    """Lenient fill-in matching rules (``studyhub.quizzes.services.grading``).

    A version's ``match_rules`` lists the enabled ones; a bank's ``match_rules`` is
    the default a new question starts with.
    """

    TRAILING_PUNCTUATION = "trailing_punctuation"  # ignore 。，、；！？.,;!? at the end
    SEPARATORS = "separators"  # 、，,；; are the same separator
    QUOTES = "quotes"  # 《》“”"" may be left out
    SPACES = "spaces"  # spaces inside Chinese text are ignored


#: Every rule, on by default for a new bank.
ALL_MATCH_RULES: list[str] = [rule.value for rule in MatchRule]


def _all_match_rules() -> list[str]:
    return list(ALL_MATCH_RULES)


class QuizMode(enum.StrEnum):
    PRACTICE = "practice"  # 练习: instant feedback, unlimited, not graded
    EXAM = "exam"  # 考试
    DAILY = "daily"  # 每日答题


class GradingMethod(enum.StrEnum):
    HIGHEST = "highest"
    FIRST = "first"
    LAST = "last"
    AVERAGE = "average"


class ReviewTiming(enum.StrEnum):
    IMMEDIATELY = "immediately"
    AFTER_CLOSE = "after_close"
    NEVER = "never"


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class Bank(db.Model):
    """A committee's question bank (题库)."""

    __tablename__ = "question_bank"
    __table_args__ = (UniqueConstraint("committee_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Default :class:`MatchRule` values for new questions; banks made before 0012 have none.
    match_rules: Mapped[list[str]] = mapped_column(
        JSON, default=_all_match_rules, server_default="[]"
    )


class Category(db.Model):
    """A knowledge point in a bank (党章, 党史…); nested, with a materialised path."""

    __tablename__ = "question_category"
    __table_args__ = (
        UniqueConstraint("bank_id", "parent_id", "name"),
        Index("ix_question_category_path", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("question_category.id"))
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(PathType, default="")


class Question(db.Model):
    """A question's identity; its content is in its versions.

    ``fingerprint`` (normalised type, stem, options and answer of the current
    version) makes re-importing a question a reported duplicate, not a copy.
    """

    __tablename__ = "question"
    __table_args__ = (
        UniqueConstraint("bank_id", "fingerprint"),
        Index("ix_question_draw", "bank_id", "category_id", "qtype", "is_retired"),
        Index("ix_question_external_id", "bank_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("question_category.id"))
    qtype: Mapped[QuestionType] = mapped_column(_enum(QuestionType))
    title: Mapped[str | None] = mapped_column(String(200))
    #: The file's ID column (or Moodle idnumber): re-importing a row with it updates this question.
    external_id: Mapped[str | None] = mapped_column(String(64))
    difficulty: Mapped[int | None] = mapped_column(SmallInteger)
    fingerprint: Mapped[str] = mapped_column(String(64))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_version.id", use_alter=True)
    )
    is_retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    current_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    category: Mapped[Category | None] = relationship()


class QuestionTag(db.Model):
    __tablename__ = "question_tag"
    __table_args__ = (Index("ix_question_tag_name", "name"),)

    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(30), primary_key=True)


class QuestionVersion(db.Model):
    """Immutable content of a question as members were (or will be) shown it.

    ``options`` is a list of ``{"key": "A", "html": "..."}``; ``answer`` is the
    key (single), a list of keys (multiple), a bool (true/false) or a list of
    blanks each with its accepted strings (fill-in). An essay has no options and
    ``answer`` None; ``model_answer_html`` is the optional model answer and ``rubric``
    a list of ``{"criterion": "要点…", "points": 2}`` (points a number > 0; an essay
    without a rubric is marked on the slot's points as a whole). ``match_rules``
    lists the enabled :class:`MatchRule` values for a fill-in (None: exact matching,
    as before 0012).
    """

    __tablename__ = "question_version"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    number: Mapped[int] = mapped_column(Integer)
    stem_html: Mapped[str] = mapped_column(Text)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    answer: Mapped[Any] = mapped_column(JSON)
    explanation_html: Mapped[str] = mapped_column(Text, default="")
    model_answer_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    rubric: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    match_rules: Mapped[list[str] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    question: Mapped[Question] = relationship(foreign_keys=[question_id])


class QuestionMedia(db.Model):
    """An image or sound embedded in questions (e.g. from Moodle XML), stored by hash."""

    __tablename__ = "question_media"
    __table_args__ = (UniqueConstraint("bank_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    mime_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Quiz(db.Model):
    """An exam, a practice quiz or a committee's daily quiz."""

    __tablename__ = "quiz"
    __table_args__ = (Index("ix_quiz_committee_mode", "committee_id", "mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[QuizMode] = mapped_column(_enum(QuizMode))
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts_allowed: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    grading_method: Mapped[GradingMethod] = mapped_column(
        _enum(GradingMethod), default=GradingMethod.HIGHEST
    )
    pass_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(60))
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=False)
    multiple_partial_credit: Mapped[bool] = mapped_column(Boolean, default=False)
    review_score: Mapped[ReviewTiming] = mapped_column(
        _enum(ReviewTiming), default=ReviewTiming.IMMEDIATELY
    )
    review_correctness: Mapped[ReviewTiming] = mapped_column(
        _enum(ReviewTiming), default=ReviewTiming.AFTER_CLOSE
    )
    review_answers: Mapped[ReviewTiming] = mapped_column(
        _enum(ReviewTiming), default=ReviewTiming.AFTER_CLOSE
    )
    review_explanations: Mapped[ReviewTiming] = mapped_column(
        _enum(ReviewTiming), default=ReviewTiming.AFTER_CLOSE
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
    qtype: Mapped[QuestionType | None] = mapped_column(_enum(QuestionType))
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
        _enum(AttemptState), default=AttemptState.IN_PROGRESS
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
    is_marking_pending: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="0"
    )

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
