"""Fixtures shared by the quiz tests."""

from tests.quizzes.bank_helpers import bank, english_messages, org  # noqa: F401
