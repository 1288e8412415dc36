"""Fixtures shared by the quiz tests."""

from tests.quizzes.attempt_helpers import world  # noqa: F401
from tests.quizzes.bank_helpers import bank, english_messages, org  # noqa: F401
