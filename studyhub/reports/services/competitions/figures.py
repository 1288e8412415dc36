"""A competition's branch figures on a day, counted over its own period (see the package's
docstring): the members' figures averaged per branch, meeting compliance and the committee
dimensions' points."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from studyhub.org.models import Member, OrgUnit
from studyhub.reports import dimensions, queries, scoring
from studyhub.reports.models import Competition, CustomDimension
from studyhub.reports.quarters import Quarter
from studyhub.reports.services.competitions.compliance import period_compliance
from studyhub.reports.services.competitions.setup import (
    COMPLETION,
    COMPLIANCE,
    DAILY_QUIZ,
    TEST,
    branch_ids_of,
)


def _ratio(done: Any, required: Any) -> Any:
    """done ÷ required × 100 for a member with something required, else NULL (not averaged)."""
    return cast(done, Float) * 100 / func.nullif(required, 0)


def branch_figures(
    session: Session, committee: OrgUnit, competition: Competition, day: date, now: datetime
) -> dict[int, dict[str, Any]]:
    """Branch id → {measure: 0–100 average (None without data), "members": n} on ``day``."""
    last = min(day, competition.ends_on)
    window = queries.Window.period(committee, competition.starts_on, competition.ends_on, now, last)
    branches = branch_ids_of(session, competition)
    daily_reading_ids = list(session.scalars(queries.daily_reading_ids(window)))
    material_ids = list(
        session.scalars(queries.material_ids(queries.plan_materials(window, daily_reading_ids)))
    )
    figures = queries.member_figures(
        window,
        committee.path,
        daily_reading_ids=daily_reading_ids,
        material_ids=material_ids,
        plan_quiz_ids=list(session.scalars(queries.plan_quiz_ids(window))),
        daily_quiz_ids=list(session.scalars(queries.daily_quiz_ids(committee.id))),
        attendance=False,
    ).subquery("figures")
    days = max(window.days, 1)
    stmt = (
        select(
            figures.c.branch_id,
            func.count().label("members"),
            func.avg(_ratio(figures.c.readings_studied, figures.c.readings_required)).label(
                COMPLETION
            ),
            func.avg(
                cast(figures.c.best_sum, Float) / func.nullif(figures.c.tests_required, 0)
            ).label(TEST),
            func.avg(cast(figures.c.daily_days, Float) * 100 / days).label(DAILY_QUIZ),
        )
        .where(figures.c.branch_id.in_(branches))
        .group_by(figures.c.branch_id)
    )
    out: dict[int, dict[str, Any]] = {b: {"members": 0} for b in branches}
    for row in session.execute(stmt):
        out[row.branch_id] = {
            "members": row.members,
            COMPLETION: _rounded(row.completion),
            TEST: _rounded(row.test),
            DAILY_QUIZ: _rounded(row.daily_quiz),
        }
    codes = {code for code, _w in competition.measures}
    if COMPLIANCE in codes:
        rates = period_compliance(session, committee, competition.starts_on, last, now=now)
        for branch_id, rate in rates.items():
            if branch_id in out:
                out[branch_id][COMPLIANCE] = None if rate is None else _rounded(rate * 100)
    own = [
        d
        for d in dimensions.scheme_dimensions(session, committee.id)
        if dimensions.code_of(d) in codes
    ]
    _add_own(session, committee, own, quarters_between(competition.starts_on, last), out)
    return out


def quarters_between(first: date, last: date) -> list[Quarter]:
    """The quarters the days ``first``…``last`` touch (at least the first's)."""
    quarter, end = Quarter.of(first), Quarter.of(max(first, last))
    out = [quarter]
    while quarter < end:
        quarter = quarter.next()
        out.append(quarter)
    return out


def _add_own(
    session: Session,
    committee: OrgUnit,
    own: list[CustomDimension],
    quarters: list[Quarter],
    out: dict[int, dict[str, Any]],
) -> None:
    """Each committee dimension's points per branch: each member's mean over ``quarters``
    (those with a value), then the mean over the branch's members."""
    if not own:
        return
    branch_of = dict(
        session.execute(
            select(Member.user_id, Member.branch_id).where(
                Member.committee_id == committee.id,
                Member.is_active.is_(True),
                Member.branch_id.in_(list(out)),
            )
        ).all()
    )
    per_member: dict[str, dict[int, list[Decimal]]] = {}
    for quarter in quarters:
        for code, (by_user, _absent) in dimensions.custom_figures(
            session, own, quarter, committee.path
        ).items():
            members = per_member.setdefault(code, {})
            for user_id, figure in by_user.items():
                if user_id in branch_of:
                    members.setdefault(user_id, []).append(figure.normalised)
    for d in own:
        code = dimensions.code_of(d)
        sums: dict[int, list[Decimal]] = {}
        for user_id, points in per_member.get(code, {}).items():
            sums.setdefault(branch_of[user_id], []).append(sum(points) / len(points))
        for branch, values in out.items():
            points = sums.get(branch)
            values[code] = _rounded(sum(points) / len(points)) if points else None


def _rounded(value: Any) -> float | None:
    if value is None:
        return None
    return float(scoring.cents(min(Decimal(str(value)), scoring.HUNDRED)))
