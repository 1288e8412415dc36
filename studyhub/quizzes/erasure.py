"""Quizzes' part of erasing a departed member (see :mod:`studyhub.org.erasure`).

Their answers are kept: they are answers to knowledge questions, graded and
counted in the question statistics and the scores, not text about the member.
Should an answer hold their name, phone or member number (someone typed it in
a blank), that string becomes the placeholder; so it does in a marker's comment on
their essay.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.org.erasure import ErasedPerson, register_eraser
from studyhub.quizzes.models import Attempt, AttemptItem


def erase_person(session: Session, person: ErasedPerson) -> dict[str, int]:
    attempts = select(Attempt.id).where(Attempt.user_id == person.user_id)
    return {
        "answers_mentioning": person.scrub_own(
            session, AttemptItem, ("response", "feedback"), AttemptItem.attempt_id.in_(attempts)
        ),
    }


register_eraser(erase_person)
