"""The readings' scheduled jobs: today's lead readers, telling members of the day's reading,
and forgetting old receipts of readings never studied (when a retention is set).

All are safe to run late or twice: they select what is not done yet, and the
unique constraints (one lead reader per branch and day, one message per user
and key) back that up. The scheduler's registry commits after each run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from studyhub.core.clock import local_date
from studyhub.core.purge import delete_in_batches
from studyhub.notify import services as notify
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.readings import queries
from studyhub.readings.models import (
    LeadAssignment,
    LeadDayOff,
    LeadRotaEntry,
    Reading,
    ReadReceipt,
)
from studyhub.readings.services import rota
from studyhub.readings.services.rota import cross as cross_rota

DAILY_READING_KIND = "daily_reading"


def _committee_timezones(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(OrgUnit.timezone)
            .where(OrgUnit.kind == UnitKind.COMMITTEE, OrgUnit.parent_id.is_(None))
            .distinct()
        )
    )


def assign_lead_readers(session: Session, *, now: datetime) -> int:
    """Give today (the committee's local day) to the next lead reader in every branch that
    has a rota and no lead reader for today yet, unless today is a day off there.

    Returns how many days were assigned.
    """
    committee = aliased(OrgUnit)
    assigned = 0
    for timezone in _committee_timezones(session):
        today = local_date(now, timezone)
        branches = session.scalars(
            select(OrgUnit)
            .join(committee, committee.id == OrgUnit.committee_id)
            .where(
                committee.timezone == timezone,
                committee.is_active.is_(True),
                OrgUnit.kind == UnitKind.BRANCH,
                OrgUnit.is_active.is_(True),
                exists().where(LeadRotaEntry.branch_id == OrgUnit.id),
                ~exists().where(
                    LeadAssignment.branch_id == OrgUnit.id, LeadAssignment.day == today
                ),
                ~exists().where(LeadDayOff.branch_id == OrgUnit.id, LeadDayOff.day == today),
            )
            .order_by(OrgUnit.id)
        ).all()
        for branch in branches:
            if rota.assign_day(session, branch, today, now=now) is not None:
                assigned += 1
    return assigned


def remind_cross_rota(session: Session, *, now: datetime) -> int:
    """The day before each turn on a committee's rota across branches, tell its reader
    (once); see :func:`rota.cross.remind_tomorrow`."""
    return cross_rota.remind_tomorrow(session, now=now)


def notify_daily_reading(
    session: Session, *, now: datetime, email: bool = False, sms: bool = False
) -> int:
    """Tell every active member of a committee, once, that its reading of the day is out.

    Only readings of today (the committee's local day) that members can open
    now count. ``email`` queues e-mail copies too (when SMTP is configured).
    Returns how many messages were sent.
    """
    committee = aliased(OrgUnit)
    sent = 0
    for timezone in _committee_timezones(session):
        today = local_date(now, timezone)
        readings = session.scalars(
            select(Reading)
            .join(committee, committee.id == Reading.committee_id)
            .where(
                committee.timezone == timezone,
                committee.is_active.is_(True),
                Reading.daily_on == today,
                queries.is_visible(now),
            )
            .order_by(Reading.id)
        ).all()
        for reading in readings:
            members = select(Member.user_id).where(
                and_(Member.committee_id == reading.committee_id, Member.is_active.is_(True))
            )
            sent += notify.send_many(
                session,
                members,
                kind=DAILY_READING_KIND,
                subject=gettext("Today's reading: %(title)s", title=reading.title),
                body=reading.summary,
                link=f"/readings/{reading.id}",
                dedupe_key=f"daily-reading:{reading.id}",
                now=now,
                email=email,
                sms=sms,
                params={"title": reading.title, "summary": reading.summary or ""},
            )
    return sent


PURGE_BATCH = 5000


def purge_old_read_events(session: Session, *, now: datetime, keep_days: int) -> int:
    """Delete the read receipts of readings opened but never studied, last seen more than
    ``keep_days`` days before ``now``; returns how many (0 when ``keep_days`` is 0: off).

    ``RETENTION_DAYS_READ_EVENTS``. A receipt that counts as studied is what every
    score, dashboard, streak and plan's progress reads (``studied_at``/``studied_on``),
    so it is kept whatever its age; a receipt never studied only said "opened, read for
    a while" (the time the page's beacons reported), which nothing counts. Deleted in
    batches walking the primary key once; a second run finds nothing more.
    """
    if keep_days <= 0:
        return 0
    cutoff = now - timedelta(days=keep_days)
    return delete_in_batches(
        session,
        ReadReceipt,
        ReadReceipt.studied_at.is_(None),
        ReadReceipt.last_seen_at < cutoff,
        batch=PURGE_BATCH,
    )
