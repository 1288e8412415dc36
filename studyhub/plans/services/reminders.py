"""Reminding members of a plan: at most one reminder per member, plan and local day.

A reminder is a ``PlanReminder`` row and an inbox message (an e-mail copy
too when e-mail is configured). The row's unique (plan, user, day) makes the
limit hold against double clicks and a job running twice: rows are written by
one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` that returns who was new, and
only those get the message (itself keyed per plan and day in the outbox).
Secretaries remind by hand (:func:`remind_members`); the scheduler's job
(``plans.jobs``) reminds before due dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale, format_date, gettext, ngettext
from sqlalchemy import Select, literal, null, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from studyhub.core.clock import as_utc, local_date
from studyhub.core.errors import InvalidInput
from studyhub.notify import services as notify
from studyhub.org.models import Member, OrgUnit
from studyhub.plans import queries
from studyhub.plans.models import PlanReminder, StudyPlan

MANUAL = "manual"
DUE_SOON = "due_soon"
REMINDER_KIND = "plan_reminder"
CHUNK = 500


def dedupe_key(plan: StudyPlan, day: date) -> str:
    return f"plan-reminder:{plan.id}:{day.isoformat()}"


def _insert(session: Session):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"reminders do not support {name}")


def record_reminders(
    session: Session,
    plan: StudyPlan,
    user_ids: Select[tuple[int]],
    *,
    day: date,
    now: datetime,
    by_user_id: int | None,
    kind: str,
) -> list[int]:
    """Write a reminder row for each of ``user_ids`` (a select of one column) not reminded
    about the plan on ``day`` yet; returns the users written (one statement)."""
    rows = select(
        literal(plan.id),
        user_ids.subquery().c[0],
        literal(day, type_=PlanReminder.sent_on.type),
        literal(now, type_=PlanReminder.sent_at.type),
        literal(by_user_id, type_=PlanReminder.sent_by_id.type) if by_user_id else null(),
        literal(kind),
    ).where(literal(True))  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
    stmt = (
        _insert(session)(PlanReminder)
        .from_select(["plan_id", "user_id", "sent_on", "sent_at", "sent_by_id", "kind"], rows)
        .on_conflict_do_nothing(index_elements=["plan_id", "user_id", "sent_on"])
        .returning(PlanReminder.user_id)
    )
    return list(session.scalars(stmt))


def send_reminder_messages(
    session: Session,
    plan: StudyPlan,
    user_ids: list[int],
    *,
    due_on: date | None,
    day: date,
    now: datetime,
    email: bool,
    sms: bool = False,
) -> int:
    """The inbox message for members just reminded (once per plan and day each)."""
    if not user_ids:
        return 0
    if due_on is not None:
        subject = gettext(
            "Reminder: “%(title)s” is due on %(date)s",
            title=plan.title,
            date=format_date(due_on, "long"),
        )
    else:
        subject = gettext("Reminder: please finish “%(title)s”", title=plan.title)
    return notify.send_many(
        session,
        user_ids,
        kind=REMINDER_KIND,
        subject=subject,
        body=gettext("Study the materials and take the test before your due date."),
        link=f"/plans/{plan.id}",
        dedupe_key=dedupe_key(plan, day),
        now=now,
        email=email,
        sms=sms,
        params={"title": plan.title, "due_on": due_on.isoformat() if due_on else None},
    )


@dataclass(frozen=True)
class Reminded:
    """What :func:`remind_members` did: who was reminded now, and for every member asked
    about (reminded now or before), when their last reminder about the plan went."""

    reminded: list[int]
    last_sent: dict[int, datetime]


def remind_members(
    session: Session,
    plan: StudyPlan,
    user_ids: list[int],
    *,
    by_user_id: int | None,
    now: datetime,
    path: str = "/",
    email: bool = False,
) -> Reminded:
    """Remind these members about the plan, skipping those already reminded today.

    Only active members the plan is for (under ``path``, the caller's scope) are
    reminded; other ids are ignored. Three statements for any number of members.
    """
    if plan.published_at is None:
        raise InvalidInput(gettext("The plan is not published yet."))
    committee = session.get(OrgUnit, plan.committee_id)
    day = local_date(now, committee.timezone if committee is not None else "Asia/Shanghai")
    ids = sorted(set(user_ids))
    reminded: list[int] = []
    for i in range(0, len(ids), CHUNK):
        chosen = queries.targeted_members(plan, path).where(Member.user_id.in_(ids[i : i + CHUNK]))
        reminded += record_reminders(
            session, plan, chosen, day=day, now=now, by_user_id=by_user_id, kind=MANUAL
        )
    send_reminder_messages(session, plan, reminded, due_on=None, day=day, now=now, email=email)
    last_sent: dict[int, datetime] = {}
    for i in range(0, len(ids), CHUNK):
        for user_id, sent_at in session.execute(
            queries.last_reminders(plan.id, ids[i : i + CHUNK])
        ):
            last_sent[user_id] = as_utc(sent_at)
    return Reminded(reminded=sorted(reminded), last_sent=last_sent)


def post_to_group(
    session: Session, plan: StudyPlan, branch_id: int, count: int, *, day: date, now: datetime
) -> bool:
    """ "N members have not finished the plan — link" to the branch's group robots, once a
    day (the secretary's "remind all" and the scheduler's reminders share the key)."""
    if count <= 0:
        return False
    with force_locale("zh"):
        text = ngettext(
            "%(num)d member has not finished the study plan “%(title)s” yet.",
            "%(num)d members have not finished the study plan “%(title)s” yet.",
            count,
            title=plan.title,
        )
    queued = notify.post_to_branch(
        session,
        branch_id,
        text=text,
        link=f"/plans/{plan.id}",
        dedupe_key=f"plan:{plan.id}:{day.isoformat()}",
        now=now,
    )
    return queued > 0
