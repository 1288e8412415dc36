"""The quizzes domain's enums and column types."""

from __future__ import annotations

import enum

from sqlalchemy import (
    Enum,
    Numeric,
    String,
)

PathType = String(255).with_variant(String(255, collation="C"), "postgresql")
Score = Numeric(10, 4)


def enum_type(cls: type[enum.Enum]) -> Enum:
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


def all_match_rules() -> list[str]:
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
