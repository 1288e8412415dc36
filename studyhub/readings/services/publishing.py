"""支部发稿: readings a branch's editor writes, and the committee's review of submissions.

A branch editor (宣传委员 appointed as the branch's editor, or the secretary) writes a
reading either for the branch (published to its members at once, ``branch_id`` set) or
for the committee's channel: then it waits in the staff's review queue (``submitted``);
staff approve it (published to the whole committee) or return it with a reason
(``returned``), which the author sees beside the draft and may resubmit after editing.
Each step is audited in the branch's log; the author hears of a return or an approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.clock import local_date
from studyhub.core.errors import Conflict, InvalidInput, NotAllowed
from studyhub.notify import services as notify
from studyhub.notify import texts
from studyhub.org.access import Grants, Scope, can_manage_unit
from studyhub.org.auditing import record_in
from studyhub.org.models import OrgUnit, Role, UnitKind
from studyhub.readings.models import Reading
from studyhub.readings.services import history, library

EDITOR_ROLES = frozenset({Role.BRANCH_EDITOR, Role.SECRETARY})
FOR_BRANCH = "branch"
SUBMITTED = "submitted"
RETURNED = "returned"
APPROVED = "approved"
AUDIENCES = (FOR_BRANCH, "committee")
REASON_MAX = 300

APPROVED_KIND = "reading_approved"
RETURNED_KIND = "reading_returned"


def _approved(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("Your reading %(title)s was published", title=p["title"]),
        gettext("The committee approved it for its channel."),
    )


def _returned(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("Your reading %(title)s was returned", title=p["title"]),
        gettext("Reason: %(reason)s", reason=p["reason"]),
    )


texts.register(APPROVED_KIND, _approved)
texts.register(RETURNED_KIND, _returned)


# --- who ------------------------------------------------------------------------------------


def edited_branch_ids(grants: Grants) -> list[int]:
    """The units the user writes readings for (as their editor or secretary)."""
    return [s.unit_id for s in grants.scopes if s.role in EDITOR_ROLES]


def edited_scopes(grants: Grants) -> list[Scope]:
    """The user's editor or secretary scopes on branches (the home panel's links): a general
    branch's (总支) secretary has no branch page to write on by that role."""
    return [s for s in grants.scopes if s.role in EDITOR_ROLES and s.kind == UnitKind.BRANCH]


def can_edit_for(grants: Grants, branch: OrgUnit) -> bool:
    return branch.kind == UnitKind.BRANCH and branch.id in edited_branch_ids(grants)


def require_editor(grants: Grants, branch: OrgUnit) -> None:
    if not can_edit_for(grants, branch):
        raise NotAllowed(_l("Only the branch's editor or secretary writes its readings."))


def require_own(grants: Grants, branch: OrgUnit, reading: Reading) -> None:
    """A reading one may change: one the branch wrote, as its editor or its author."""
    if reading.origin_branch_id != branch.id:
        raise NotAllowed(_l("This reading belongs to another branch."))
    if reading.created_by_id != grants.user_id:
        require_editor(grants, branch)


def require_reviewer(grants: Grants, committee: OrgUnit, reading: Reading) -> None:
    if reading.committee_id != committee.id or not can_manage_unit(grants, committee):
        raise NotAllowed(_l("Only committee staff review submitted readings."))


# --- writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DutyHistory:
    """The 党史今天 entry the member on duty proposes for their day (month and day are the
    day's): the year of the event, its title and text. An empty title proposes none."""

    year: int | None
    title: str
    text: str = ""


def _checked_history(
    day: date | None, proposal: DutyHistory | None, now: datetime
) -> history.HistoryFields | None:
    if proposal is None or not " ".join(proposal.title.split()):
        return None
    if day is None:
        raise NotAllowed(_l("Only the member on duty proposes the day's 党史今天 entry."))
    if proposal.year is None:
        raise InvalidInput(_l("Enter the year of the 党史今天 entry."))
    return history.check_fields(
        history.HistoryFields(day.month, day.day, proposal.year, proposal.title, proposal.text),
        this_year=now.year,
    )


def _propose_history(reading: Reading, fields: history.HistoryFields | None) -> None:
    reading.history_year = fields.year if fields else None
    reading.history_title = fields.title if fields else None
    reading.history_text = fields.text if fields else None


def _committee(session: Session, branch: OrgUnit) -> OrgUnit:
    return session.get(OrgUnit, branch.committee_id)


def _publish_or_submit(reading: Reading, branch: OrgUnit, audience: str, now: datetime) -> None:
    if audience == FOR_BRANCH:
        reading.branch_id = branch.id
        reading.review_state = None
        reading.review_note = None
        library.publish_now(reading, now=now)
    else:
        reading.branch_id = None
        reading.review_state = SUBMITTED
        reading.submitted_at = now


def write(
    session: Session,
    branch: OrgUnit,
    fields: library.ReadingFields,
    *,
    audience: str,
    by_user_id: int | None,
    now: datetime,
    timing: library.StudyTiming,
    daily_on: date | None = None,
    history_entry: DutyHistory | None = None,
) -> Reading:
    """A new reading of ``branch``: published to its members, or submitted for review
    (``daily_on``: the day a member on the rota across branches prepares it for, which
    it becomes the reading of when approved, unless that day has one already; with it,
    ``history_entry``: that day's 党史今天 entry, which becomes the committee's once approved)."""
    if audience not in AUDIENCES:
        raise InvalidInput(_l("Choose who the reading is for."))
    checked = _checked_history(daily_on, history_entry, now) if audience != FOR_BRANCH else None
    reading = library.create_reading(
        session, _committee(session, branch), fields, by_user_id=by_user_id, now=now, timing=timing
    )
    reading.origin_branch_id = branch.id
    _publish_or_submit(reading, branch, audience, now)
    if (
        daily_on is not None
        and audience != FOR_BRANCH
        and not _day_taken(session, reading, daily_on)
    ):
        reading.daily_on = daily_on  # the rota's day: the reading of that day once approved
    _propose_history(reading, checked)
    session.flush()
    record_in(
        session,
        branch,
        "reading.branch_published" if audience == FOR_BRANCH else "reading.submitted",
        actor_id=by_user_id,
        now=now,
        object_type="reading",
        object_id=reading.id,
        summary=reading.title,
    )
    return reading


def revise(
    session: Session,
    branch: OrgUnit,
    reading: Reading,
    fields: library.ReadingFields,
    *,
    audience: str,
    by_user_id: int,
    now: datetime,
    timing: library.StudyTiming,
    history_entry: DutyHistory | None = None,
) -> None:
    """Edit a branch's reading; a returned (or waiting) one goes to the queue again.

    One approved for the committee's channel is the committee's now: staff edit it. A
    reading prepared for a rota day keeps (or changes) its proposed 党史今天 entry.
    """
    if reading.review_state == APPROVED:
        raise Conflict(_l("The committee published this reading; its staff edit it now."))
    if audience not in AUDIENCES:
        raise InvalidInput(_l("Choose who the reading is for."))
    if audience != FOR_BRANCH and reading.daily_on is not None:
        _propose_history(reading, _checked_history(reading.daily_on, history_entry, now))
    else:
        _propose_history(reading, None)
    library.update_reading(session, reading, fields, now=now, timing=timing)
    was_returned = reading.review_state == RETURNED
    _publish_or_submit(reading, branch, audience, now)
    session.flush()
    record_in(
        session,
        branch,
        "reading.resubmitted" if was_returned and audience != FOR_BRANCH else "reading.revised",
        actor_id=by_user_id,
        now=now,
        object_type="reading",
        object_id=reading.id,
        summary=reading.title,
    )


# --- review ---------------------------------------------------------------------------------


def _day_taken(session: Session, reading: Reading, day: date) -> bool:
    return (
        session.scalar(
            select(Reading.id).where(
                Reading.committee_id == reading.committee_id,
                Reading.daily_on == day,
                Reading.id != reading.id,
            )
        )
        is not None
    )


def _require_waiting(reading: Reading) -> None:
    if reading.review_state != SUBMITTED:
        raise Conflict(_l("This reading is not waiting for review."))


def _origin(session: Session, reading: Reading) -> OrgUnit:
    return session.get(OrgUnit, reading.origin_branch_id)


def approve(session: Session, reading: Reading, *, by_user_id: int, now: datetime) -> None:
    """Publish a submitted reading in the committee's channel; the author hears of it."""
    _require_waiting(reading)
    reading.review_state = APPROVED
    reading.review_note = None
    reading.reviewed_at = now
    reading.reviewed_by_id = by_user_id
    committee = session.get(OrgUnit, reading.committee_id)
    _adopt_history(session, reading, committee, now)
    if reading.daily_on is not None and reading.daily_on >= local_date(now, committee.timezone):
        library.schedule_daily(
            session, reading, day=reading.daily_on, timezone=committee.timezone, now=now
        )
    else:
        reading.daily_on = None
        library.publish_now(reading, now=now)
    session.flush()
    record_in(
        session,
        _origin(session, reading),
        "reading.approved",
        actor_id=by_user_id,
        now=now,
        object_type="reading",
        object_id=reading.id,
        summary=reading.title,
    )
    _tell_author(session, reading, APPROVED_KIND, {"title": reading.title}, now)


def _adopt_history(session: Session, reading: Reading, committee: OrgUnit, now: datetime) -> None:
    """The proposed 党史今天 entry becomes the committee's entry of the reading's day (one
    already there under the same year and title stays as it is)."""
    if reading.daily_on is None or not reading.history_title or reading.history_year is None:
        return
    fields = history.HistoryFields(
        reading.daily_on.month,
        reading.daily_on.day,
        reading.history_year,
        reading.history_title,
        reading.history_text or "",
    )
    try:
        history.create_entry(session, committee.id, fields, this_year=now.year)
    except Conflict:
        return


def return_to_author(
    session: Session, reading: Reading, reason: str, *, by_user_id: int, now: datetime
) -> None:
    """Send a submitted reading back with ``reason``; the author sees it and may resubmit."""
    _require_waiting(reading)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_l("Say why the reading goes back."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(_l("The reason is too long (300 characters at most)."))
    reading.review_state = RETURNED
    reading.review_note = reason
    reading.reviewed_at = now
    reading.reviewed_by_id = by_user_id
    session.flush()
    record_in(
        session,
        _origin(session, reading),
        "reading.returned",
        actor_id=by_user_id,
        now=now,
        object_type="reading",
        object_id=reading.id,
        summary=reading.title,
        details={"reason": reason},
    )
    _tell_author(session, reading, RETURNED_KIND, {"title": reading.title, "reason": reason}, now)


def _tell_author(
    session: Session, reading: Reading, kind: str, params: dict[str, Any], now: datetime
) -> None:
    if reading.created_by_id is None:
        return
    subject, body = texts.RENDERERS[kind](params)
    notify.send(
        session,
        user_id=reading.created_by_id,
        kind=kind,
        subject=subject,
        body=body,
        link=f"/branches/{reading.origin_branch_id}/publish",
        # One message per review: a resubmitted reading returned again is told again.
        dedupe_key=f"{kind}:{reading.id}:{now.isoformat()}",
        now=now,
        params=params,
    )


# --- lists ----------------------------------------------------------------------------------


def review_queue(session: Session, committee: OrgUnit) -> list[Reading]:
    """Readings branches submitted to the committee's channel, oldest first."""
    return list(
        session.scalars(
            select(Reading)
            .where(Reading.committee_id == committee.id, Reading.review_state == SUBMITTED)
            .order_by(Reading.submitted_at, Reading.id)
        )
    )


def branch_drafts(session: Session, branch: OrgUnit) -> list[Reading]:
    """Everything the branch wrote, newest first (returned ones carry their reason)."""
    return list(
        session.scalars(
            select(Reading)
            .where(Reading.origin_branch_id == branch.id)
            .order_by(Reading.updated_at.desc(), Reading.id.desc())
            .limit(100)
        )
    )


def branch_readings(session: Session, branch_id: int, now: datetime) -> list[Reading]:
    """The branch's own published readings, for its members."""
    return list(
        session.scalars(
            select(Reading)
            .where(
                Reading.branch_id == branch_id,
                Reading.published_at.is_not(None),
                Reading.published_at <= now,
                Reading.unpublished_at.is_(None),
            )
            .order_by(Reading.published_at.desc(), Reading.id.desc())
            .limit(100)
        )
    )
