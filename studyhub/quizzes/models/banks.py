"""Question banks, categories and versioned questions (with their tags and media).

A question's text, options and answer live in immutable :class:`QuestionVersion`
rows: editing a question that attempts already used adds a version, and each
attempt item points at the version it was given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
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

from studyhub.extensions import db
from studyhub.quizzes.models.types import (
    PathType,
    QuestionType,
    all_match_rules,
    enum_type,
)


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
        JSON, default=all_match_rules, server_default="[]"
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
    qtype: Mapped[QuestionType] = mapped_column(enum_type(QuestionType))
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
