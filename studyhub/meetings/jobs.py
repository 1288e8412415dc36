"""The meetings' scheduled job: remind secretaries of required meetings not yet held.

``remind_missing_meetings`` runs daily. In the last ``days_before`` days of a
month or a quarter (the committee's local calendar), each branch whose
required meeting of that period is not yet held (planned or not) gets one
message to its secretaries per kind and period, naming the groups still owing
a group meeting. The message's dedupe key (branch, kind, period) makes it
once: a second run sends nothing, and a run that is days late still sends it
once, as long as the period has not ended.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask_babel import gettext
from sqlalchemy.orm import Session

from studyhub.core.clock import local_date
from studyhub.meetings import queries
from studyhub.meetings.forms import KIND_LABELS
from studyhub.meetings.periods import Every, Period
from studyhub.meetings.services.compliance import Requirement, Status, unit_compliance
from studyhub.notify import services as notify
from studyhub.org.models import OrgUnit
from studyhub.org.queries import committees

DEFAULT_DAYS_BEFORE = 7
MESSAGE_KIND = "meeting_missing"


def dedupe_key(branch_id: int, kind: str, period: Period) -> str:
    return f"meeting-missing:{branch_id}:{kind}:{period.label}"


def ending_periods(today: date, days_before: int) -> list[Period]:
    """The month and the quarter of ``today`` when ``today`` is in their last ``days_before``
    days (with 7: from the 25th of a 31-day month)."""
    found = []
    for every in (Every.MONTH, Every.QUARTER, Every.YEAR):
        period = Period.containing(every, today)
        if today >= period.end_day - timedelta(days=days_before):
            found.append(period)
    return found


def remind_missing_meetings(
    session: Session,
    *,
    now: datetime,
    days_before: int = DEFAULT_DAYS_BEFORE,
    email: bool = False,
) -> int:
    """Remind secretaries of the required meetings not yet held in a period about to end.

    Returns how many messages were sent (0 on a second run).
    """
    if days_before <= 0:
        return 0
    sent = 0
    for committee in session.scalars(committees().where(OrgUnit.is_active.is_(True))).all():
        sent += remind_committee(session, committee, now=now, days_before=days_before, email=email)
    return sent


def remind_committee(
    session: Session, committee: OrgUnit, *, now: datetime, days_before: int, email: bool
) -> int:
    today = local_date(now, committee.timezone)
    periods = ending_periods(today, days_before)
    if not periods:
        return 0
    status = unit_compliance(session, committee, now=now, day=today)
    owing: dict[tuple[int, str], list[Requirement]] = defaultdict(list)
    names: dict[int, str] = {}
    for branch in status.branches:
        names[branch.branch_id] = branch.name
        for requirement in branch.requirements:
            if requirement.period in periods and requirement.status != Status.MET:
                owing[(branch.branch_id, requirement.kind.value)].append(requirement)
    if not owing:
        return 0
    secretaries: dict[int, list[int]] = defaultdict(list)
    for branch_id, user_id in session.execute(
        queries.secretaries_of(sorted({branch_id for branch_id, _kind in owing}))
    ):
        secretaries[branch_id].append(user_id)
    sent = 0
    for (branch_id, kind), requirements in sorted(owing.items()):
        if not secretaries.get(branch_id):
            continue
        period = requirements[0].period
        sent += notify.send_many(
            session,
            secretaries[branch_id],
            kind=MESSAGE_KIND,
            subject=gettext(
                "%(branch)s: no %(kind)s held yet in %(period)s",
                branch=names[branch_id],
                kind=KIND_LABELS[requirements[0].kind],
                period=period.label,
            ),
            body=_body(requirements, period),
            link=f"/meetings/branches/{branch_id}/compliance?year={period.year}",
            dedupe_key=dedupe_key(branch_id, kind, period),
            now=now,
            email=email,
        )
    return sent


def _body(requirements: list[Requirement], period: Period) -> str:
    last_day = (period.end_day - timedelta(days=1)).isoformat()
    lines = [
        gettext(
            "Required %(n)d times in %(period)s, which ends on %(day)s.",
            n=requirements[0].minimum,
            period=period.label,
            day=last_day,
        )
    ]
    for requirement in requirements:
        if requirement.group_name:
            lines.append(
                gettext(
                    "%(group)s: held %(held)d, planned %(planned)d.",
                    group=requirement.group_name,
                    held=requirement.held,
                    planned=requirement.planned,
                )
            )
        else:
            lines.append(
                gettext(
                    "Held %(held)d, planned %(planned)d.",
                    held=requirement.held,
                    planned=requirement.planned,
                )
            )
    lines.append(gettext("Hold it and record it before the period ends."))
    return "\n".join(lines)
