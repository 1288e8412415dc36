"""The plans' scheduled job: reminders before due dates, and the secretaries' digests.

``remind_due_plans`` runs daily. For each published plan it reminds the
members who have not finished and whose due date (their own extension, else
their branch's, else the plan's) is ``N`` days away for ``N`` in
``PLAN_REMINDER_DAYS`` (default 3 and 1). Days are the committee's local
days. Each reminder day opens a window that lasts until the next one: a
member is reminded once per window, so a run that is late (the scheduler was
down on the day) still reminds once, and a second run reminds nobody (the
"not reminded since the window opened" test, and the reminder rows' unique
(plan, member, day) behind it). Each branch secretary whose branch had
members reminded gets one digest of the branch's stragglers per plan and day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from studyhub.core.clock import local_date
from studyhub.notify import services as notify
from studyhub.org.models import Member
from studyhub.plans import queries
from studyhub.plans.models import PlanReminder, StudyPlan
from studyhub.plans.services import reminders

DEFAULT_DAYS = (3, 1)
DIGEST_KIND = "plan_stragglers"
DIGEST_NAMES_MAX = 50


def windows(days: Sequence[int], today: date) -> dict[date, date]:
    """For each due date a reminder is owed for today: the day its reminder window opened.

    With days (3, 1) and today the 20th: due on the 23rd or 22nd → the window of
    "3 days before" (opened on the 20th or 19th); due on the 21st or 20th → the
    window of "1 day before" (opened on the 20th or 19th).
    """
    marks = sorted({d for d in days if d >= 0})
    found: dict[date, date] = {}
    for left in range(0, (marks[-1] if marks else -1) + 1):
        window = next(m for m in marks if m >= left)
        due = today + timedelta(days=left)
        found[due] = due - timedelta(days=window)
    return found


def _candidates(plan: StudyPlan, due_on: date, opened_on: date):
    """Unfinished targeted members whose due date is ``due_on`` and who have had no
    reminder about the plan since ``opened_on``."""
    rows = queries.member_progress(plan, "/").subquery("candidates")
    reminded = exists().where(
        PlanReminder.plan_id == plan.id,
        PlanReminder.user_id == rows.c.user_id,
        PlanReminder.sent_on >= opened_on,
    )
    return select(rows.c.user_id).where(
        rows.c.is_complete.is_(False), rows.c.due_on == due_on, ~reminded
    )


def remind_plan(
    session: Session,
    plan: StudyPlan,
    *,
    timezone: str,
    now: datetime,
    days: Sequence[int] = DEFAULT_DAYS,
    email: bool = False,
    sms: bool = False,
) -> int:
    """Remind one plan's members whose due date is near; returns how many were reminded."""
    today = local_date(now, timezone)
    reminded: list[int] = []
    for due_on, opened_on in sorted(windows(days, today).items()):
        new = reminders.record_reminders(
            session,
            plan,
            _candidates(plan, due_on, opened_on),
            day=today,
            now=now,
            by_user_id=None,
            kind=reminders.DUE_SOON,
        )
        reminders.send_reminder_messages(
            session, plan, new, due_on=due_on, day=today, now=now, email=email, sms=sms
        )
        reminded += new
    if reminded:
        _send_digests(session, plan, today=today, now=now, days=days, email=email)
    return len(reminded)


def _send_digests(
    session: Session,
    plan: StudyPlan,
    *,
    today: date,
    now: datetime,
    days: Sequence[int],
    email: bool,
) -> None:
    """One message per secretary of each branch that had members reminded by this run,
    listing the branch's members who have not finished and are due within the window."""
    just_reminded = select(PlanReminder.user_id).where(
        PlanReminder.plan_id == plan.id,
        PlanReminder.sent_on == today,
        PlanReminder.sent_at == now,
        PlanReminder.sent_by_id.is_(None),
    )
    branch_ids = list(
        session.scalars(
            select(Member.branch_id).where(Member.user_id.in_(just_reminded)).distinct()
        )
    )
    if not branch_ids:
        return
    horizon = today + timedelta(days=max(days))
    rows = queries.member_progress(plan, "/").subquery("stragglers")
    stragglers: dict[int, list[str]] = defaultdict(list)
    for branch_id, name, studied, total, status in session.execute(
        select(
            rows.c.branch_id,
            rows.c.name,
            rows.c.materials_studied,
            rows.c.materials_total,
            rows.c.test_status,
        )
        .where(
            rows.c.branch_id.in_(branch_ids),
            rows.c.is_complete.is_(False),
            rows.c.due_on <= horizon,
        )
        .order_by(rows.c.branch_id, rows.c.name)
    ):
        stragglers[branch_id].append(_straggler_line(name, studied, total, status))
    by_secretary: dict[int, list[str]] = defaultdict(list)
    addresses: dict[int, str | None] = {}
    for user_id, branch_id, address in session.execute(queries.secretaries_of(branch_ids)):
        by_secretary[user_id] += stragglers.get(branch_id, [])
        addresses[user_id] = address
    for branch_id, lines in stragglers.items():
        reminders.post_to_group(session, plan, branch_id, len(lines), day=today, now=now)
    for user_id, lines in by_secretary.items():
        if not lines:
            continue
        shown = lines[:DIGEST_NAMES_MAX]
        if len(lines) > len(shown):
            shown.append(gettext("…and %(n)d more", n=len(lines) - len(shown)))
        notify.send(
            session,
            user_id=user_id,
            kind=DIGEST_KIND,
            subject=gettext(
                "%(n)d members have not finished “%(title)s”", n=len(lines), title=plan.title
            ),
            body="\n".join(shown),
            link=f"/plans/{plan.id}",
            dedupe_key=f"plan-stragglers:{plan.id}:{today.isoformat()}",
            now=now,
            email_to=addresses[user_id] if email else None,
        )


def _straggler_line(name: str, studied: int, total: int, status: str) -> str:
    labels = {
        queries.TEST_NOT_STARTED: gettext("test not started"),
        queries.TEST_IN_PROGRESS: gettext("test in progress"),
        queries.TEST_FAILED: gettext("test failed"),
    }
    line = gettext("%(name)s: materials %(n)d/%(m)d", name=name, n=studied, m=total)
    if status in labels:
        line += gettext(", %(status)s", status=labels[status])
    return line


def remind_due_plans(
    session: Session,
    *,
    now: datetime,
    days: Sequence[int] = DEFAULT_DAYS,
    email: bool = False,
    sms: bool = False,
) -> int:
    """Remind the members of every published plan whose due date is near (see the module).

    Returns how many members were reminded.
    """
    if not days:
        return 0
    utc_day = now.date()
    # Local days are at most a day away from UTC's; the exact window is per committee.
    since = utc_day - timedelta(days=1)
    until = utc_day + timedelta(days=max(days) + 1)
    total = 0
    for plan, timezone in session.execute(queries.due_soon_plans(since, until)).all():
        total += remind_plan(
            session, plan, timezone=timezone, now=now, days=days, email=email, sms=sms
        )
    return total
