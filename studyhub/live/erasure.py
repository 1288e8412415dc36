"""Live lessons' part of erasing a departed member (see :mod:`studyhub.org.erasure`).

Their live comments become :data:`ERASED_TEXT` (the rows stay, so the lesson's
figures stay); their name in others' comments of their committee's lessons
becomes the placeholder. Watch rows hold no text.
"""

from __future__ import annotations

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from studyhub.core.scrub import ERASED_TEXT
from studyhub.live.models import LiveComment, LiveLesson
from studyhub.org.erasure import ErasedPerson, register_eraser


def erase_person(session: Session, person: ErasedPerson) -> dict[str, int]:
    own = session.execute(
        update(LiveComment)
        .where(LiveComment.user_id == person.user_id)
        .values(body=ERASED_TEXT[:200])
    ).rowcount
    in_committee = LiveComment.lesson_id.in_(
        select(LiveLesson.id).where(LiveLesson.committee_id == person.committee_id)
    )
    return {
        "live_comments": own or 0,
        "live_comments_mentioning": person.scrub(
            session,
            LiveComment,
            ("body",),
            and_(in_committee, LiveComment.user_id != person.user_id),
        ),
    }


register_eraser(erase_person)
