"""Quizzes: settings, slots (fixed questions and random rules), publishing, assignment.

A quiz is a list of slots in order. A fixed slot is one question; a random
rule draws ``count`` questions from a bank — all of it, or a category with or
without its subcategories — optionally of one type, each worth ``points``.
Every attempt draws its own questions, never the same question twice, so
before a quiz is published every rule must be satisfiable together with the
others: :func:`slot_problems` runs the draw that attempts will run and reports
each rule it cannot fill. Once members have started a quiz its slots are fixed.

Members take a quiz assigned to a unit above them (or their own) in the
quiz's committee; :func:`taker_for` is that check.

The parts: ``settings`` (a quiz's fields), ``slots`` (questions and rules, the staff
list), ``drawing`` (an attempt's questions, the publish check), ``publishing`` (publish,
assign, who may take it); ``common`` holds what they share.
"""

from studyhub.quizzes.services.quizzes.common import (
    INSTRUCTIONS_MAX,
    MAX_ATTEMPTS,
    MAX_POINTS,
    MAX_QUESTIONS,
    MAX_RULE_COUNT,
    MAX_TIME_LIMIT_SECONDS,
    PUBLISH_CHECK_SEED,
    TITLE_MAX,
    ancestor_ids,
    has_attempts,
    max_score,
    question_count,
)
from studyhub.quizzes.services.quizzes.drawing import (
    Drawn,
    Shortfall,
    draw_questions,
    match,
    slot_problems,
)
from studyhub.quizzes.services.quizzes.publishing import (
    assign_quiz,
    publish_quiz,
    taker_for,
    unassign_quiz,
    unpublish_quiz,
)
from studyhub.quizzes.services.quizzes.settings import (
    QuizFields,
    create_quiz,
    fields_of,
    update_quiz,
)
from studyhub.quizzes.services.quizzes.slots import (
    SlotRow,
    add_question_slot,
    add_rule_slot,
    remove_slot,
    slot_rows,
)

__all__ = [
    "INSTRUCTIONS_MAX",
    "MAX_ATTEMPTS",
    "MAX_POINTS",
    "MAX_QUESTIONS",
    "MAX_RULE_COUNT",
    "MAX_TIME_LIMIT_SECONDS",
    "PUBLISH_CHECK_SEED",
    "TITLE_MAX",
    "Drawn",
    "QuizFields",
    "Shortfall",
    "SlotRow",
    "add_question_slot",
    "add_rule_slot",
    "ancestor_ids",
    "assign_quiz",
    "create_quiz",
    "draw_questions",
    "fields_of",
    "has_attempts",
    "match",
    "max_score",
    "publish_quiz",
    "question_count",
    "remove_slot",
    "slot_problems",
    "slot_rows",
    "taker_for",
    "unassign_quiz",
    "unpublish_quiz",
    "update_quiz",
]
