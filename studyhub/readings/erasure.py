"""Readings' part of erasing a departed member (see :mod:`studyhub.org.erasure`).

Their comments and lead-reader reflections become :data:`ERASED_TEXT` (the rows
stay, so counts stay); their name in others' comments and reflections, and in
a moderator's reason, becomes the placeholder. Read receipts hold no text. Their
favourites (what they chose to keep) are deleted.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session

from studyhub.core.scrub import ERASED_TEXT
from studyhub.org.erasure import ErasedPerson, register_eraser
from studyhub.org.models import OrgUnit
from studyhub.readings.models import Comment, Favourite, LeadAssignment, Reading


def erase_person(session: Session, person: ErasedPerson) -> dict[str, int]:
    own_comments = session.execute(
        update(Comment).where(Comment.user_id == person.user_id).values(body=ERASED_TEXT)
    ).rowcount
    own_reflections = session.execute(
        update(LeadAssignment)
        .where(LeadAssignment.member_id == person.member_id, LeadAssignment.reflection.is_not(None))
        .values(reflection=ERASED_TEXT)
    ).rowcount
    in_committee = Comment.reading_id.in_(
        select(Reading.id).where(Reading.committee_id == person.committee_id)
    )
    branches = select(OrgUnit.id).where(OrgUnit.committee_id == person.committee_id)
    favourites = session.execute(
        delete(Favourite).where(Favourite.user_id == person.user_id)
    ).rowcount
    return {
        "comments": own_comments or 0,
        "favourites": favourites or 0,
        "reflections": own_reflections or 0,
        "own_hidden_reasons": person.scrub_own(
            session, Comment, ("hidden_reason",), Comment.user_id == person.user_id
        ),
        "comments_mentioning": person.scrub(
            session,
            Comment,
            ("body", "hidden_reason"),
            and_(in_committee, Comment.user_id != person.user_id),
        ),
        "reflections_mentioning": person.scrub(
            session,
            LeadAssignment,
            ("reflection",),
            and_(
                LeadAssignment.branch_id.in_(branches),
                LeadAssignment.member_id != person.member_id,
            ),
        ),
    }


register_eraser(erase_person)
