"""The staff's daily digest of meeting records waiting for review."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc, local_date
from studyhub.meetings.models import Meeting, MeetingState
from studyhub.meetings.notices.common import Delivery, already_sent, mark_sent, send
from studyhub.meetings.notices.texts import RECORDS_WAITING
from studyhub.org.models import OrgUnit, Role, RoleAssignment

REVIEWER_ROLES = (Role.STAFF, Role.ADMIN)


def send_review_digest(
    session: Session, *, now: datetime, email: bool = False, sms: bool = False
) -> int:
    """Tell each staff member how many records under their units wait for review, once a day."""
    delivery = Delivery(email=email, sms=sms)
    waiting = session.execute(
        select(Meeting.committee_id, OrgUnit.path, Meeting.submitted_at)
        .join(OrgUnit, OrgUnit.id == Meeting.branch_id)
        .where(Meeting.state == MeetingState.SUBMITTED)
    ).all()
    by_committee: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for committee_id, path, submitted_at in waiting:
        by_committee[committee_id].append((path, as_utc(submitted_at or now)))
    sent = 0
    for committee_id, records in sorted(by_committee.items()):
        committee = session.get(OrgUnit, committee_id)
        if committee is None or not committee.is_active:
            continue
        day = local_date(now, committee.timezone)
        key = f"digest:{committee_id}:{day.isoformat()}"
        if already_sent(session, key):
            continue
        reviewers: dict[int, set[str]] = defaultdict(set)
        for user_id, path in session.execute(
            select(RoleAssignment.user_id, OrgUnit.path)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(
                RoleAssignment.role.in_(REVIEWER_ROLES),
                OrgUnit.path.startswith(committee.path),
                User.is_enabled.is_(True),
            )
        ):
            reviewers[user_id].add(path)
        count = 0
        for user_id, paths in sorted(reviewers.items()):
            theirs = [at for path, at in records if any(path.startswith(p) for p in paths)]
            if not theirs:
                continue
            params = {"count": len(theirs), "oldest": min(theirs).date().isoformat()}
            count += send(
                session,
                [user_id],
                RECORDS_WAITING,
                params,
                key=f"records-waiting:{day.isoformat()}",
                link="/meetings/review",
                now=now,
                delivery=delivery,
            )
        mark_sent(session, key, None, count, now)
        sent += count
    return sent
