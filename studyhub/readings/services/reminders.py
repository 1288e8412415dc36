"""Reminding a branch's members who have not studied today's reading.

At most one reminder per member, reading and local day: the inbox message's dedupe
key (``study-reminder:<reading>:<day>``) is unique per user, so a double click or a
second secretary reminds nobody twice. Reminding everyone not yet done also posts
one line to the branch's group robots ("3 members have not studied today's reading"),
once per reading and day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import Select, exists, func, select

from studyhub.core.clock import local_date
from studyhub.notify import services as notify
from studyhub.notify.models import BranchChannel, Message
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.readings import queries
from studyhub.readings.models import Reading, ReadReceipt

KIND = "study_reminder"


def dedupe_key(reading: Reading, day: date) -> str:
    return f"study-reminder:{reading.id}:{day.isoformat()}"


def not_studied(branch: OrgUnit, reading: Reading) -> Select[tuple[int]]:
    """User ids of the branch's active members who have not studied ``reading``."""
    return select(Member.user_id).where(
        under(Member.org_path, branch.path),
        Member.is_active.is_(True),
        ~exists().where(
            ReadReceipt.reading_id == reading.id,
            ReadReceipt.user_id == Member.user_id,
            ReadReceipt.studied_at.is_not(None),
        ),
    )


def reminded_today(session, reading: Reading, day: date, member_ids: list[int]) -> set[int]:
    """The members (ids) among ``member_ids`` reminded about ``reading`` on ``day``."""
    if not member_ids:
        return set()
    return set(
        session.scalars(
            select(Member.id)
            .join(Message, Message.user_id == Member.user_id)
            .where(Member.id.in_(member_ids), Message.dedupe_key == dedupe_key(reading, day))
        )
    )


@dataclass(frozen=True)
class StudyReminded:
    reminded: int  # members reminded now
    skipped: int  # members asked about who had been reminded today already
    posted: bool  # a line went to the branch's group robots


def remind_not_studied(
    session,
    branch: OrgUnit,
    reading: Reading,
    *,
    day: date,
    now: datetime,
    member_id: int | None = None,
    email: bool = False,
    sms: bool = False,
    group_locale: str = "zh",
) -> StudyReminded:
    """Remind one member (``member_id``) or every member not yet done; see the module."""
    targets = not_studied(branch, reading)
    if member_id is not None:
        targets = targets.where(Member.id == member_id)
    user_ids = list(session.scalars(targets))
    params = {"title": reading.title}
    reminded = notify.send_many(
        session,
        user_ids,
        kind=KIND,
        subject=gettext("Please study today's reading: %(title)s", title=reading.title),
        link=f"/readings/{reading.id}",
        dedupe_key=dedupe_key(reading, day),
        now=now,
        email=email,
        sms=sms,
        params=params,
    )
    posted = False
    if member_id is None and user_ids:
        posted = _post_to_group(
            session, branch, reading, len(user_ids), day=day, now=now, locale=group_locale
        )
    return StudyReminded(reminded=reminded, skipped=len(user_ids) - reminded, posted=posted)


def _post_to_group(
    session, branch: OrgUnit, reading: Reading, count: int, *, day: date, now, locale: str
) -> bool:
    """ "N members have not studied today's reading — link", once per branch and day."""
    with force_locale(locale):
        text = ngettext(
            "%(num)d member has not studied today's reading “%(title)s” yet.",
            "%(num)d members have not studied today's reading “%(title)s” yet.",
            count,
            title=reading.title,
        )
    queued = notify.post_to_branch(
        session,
        branch.id,
        text=text,
        link=f"/readings/{reading.id}",
        dedupe_key=f"study:{reading.id}:{day.isoformat()}",
        now=now,
    )
    return queued > 0


def post_not_studied(session, *, now: datetime, locale: str = "zh") -> int:
    """The evening job: each branch with a group robot hears how many have not studied
    today's reading (nothing when everyone has). Once per branch and day, shared with the
    secretary's "remind all" (the same key). Returns how many branches were told."""
    told = 0
    branches = session.scalars(
        select(OrgUnit)
        .where(
            OrgUnit.is_active.is_(True),
            exists().where(BranchChannel.branch_id == OrgUnit.id, BranchChannel.is_active),
        )
        .order_by(OrgUnit.id)
    ).all()
    for branch in branches:
        committee = session.get(OrgUnit, branch.committee_id or branch.id)
        if committee is None:
            continue
        day = local_date(now, committee.timezone)
        reading = session.scalars(queries.daily_reading(committee.id, day, now)).first()
        if reading is None:
            continue
        count = session.scalar(
            select(func.count()).select_from(not_studied(branch, reading).subquery())
        )
        if count and _post_to_group(
            session, branch, reading, count, day=day, now=now, locale=locale
        ):
            told += 1
    return told
