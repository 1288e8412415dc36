"""Question banks, versioned questions, quizzes, attempts and the mistake book.

A question's text, options and answer live in immutable :class:`QuestionVersion`
rows: editing a question that attempts already used adds a version, and each
:class:`AttemptItem` points at the version it was given, so past attempts keep
showing and grading what the member saw.

The parts: ``types`` (enums, column types), ``banks`` (banks, categories, questions),
``quiz`` (quizzes, slots, assignments, overrides), ``attempts`` (attempts, items, the
mistake book). Importing this package maps them all.
"""

from studyhub.quizzes.models.attempts import (
    Attempt,
    AttemptItem,
    MistakeCard,
    MistakeReview,
)
from studyhub.quizzes.models.banks import (
    Bank,
    Category,
    Question,
    QuestionMedia,
    QuestionTag,
    QuestionVersion,
)
from studyhub.quizzes.models.quiz import (
    Quiz,
    QuizAssignment,
    QuizOverride,
    QuizSlot,
)
from studyhub.quizzes.models.types import (
    ALL_MATCH_RULES,
    AUTO_GRADED_TYPES,
    AttemptState,
    GradingMethod,
    MatchRule,
    PathType,
    QuestionType,
    QuizMode,
    ReviewTiming,
    Score,
)

__all__ = [
    "ALL_MATCH_RULES",
    "AUTO_GRADED_TYPES",
    "Attempt",
    "AttemptItem",
    "AttemptState",
    "Bank",
    "Category",
    "GradingMethod",
    "MatchRule",
    "MistakeCard",
    "MistakeReview",
    "PathType",
    "Question",
    "QuestionMedia",
    "QuestionTag",
    "QuestionType",
    "QuestionVersion",
    "Quiz",
    "QuizAssignment",
    "QuizMode",
    "QuizOverride",
    "QuizSlot",
    "ReviewTiming",
    "Score",
]
