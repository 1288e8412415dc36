"""The daily snapshot of every running competition: each branch's weighted score and rank."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.clock import local_date
from studyhub.org.models import OrgUnit
from studyhub.reports import scoring
from studyhub.reports.models import Competition, CompetitionSnapshot
from studyhub.reports.services.competitions.figures import branch_figures


def weighted(competition: Competition, figures: dict[str, Any]) -> Decimal:
    """The branch's score: the measures' weighted mean (a measure without data counts 0)."""
    total_weight = sum((Decimal(w) for _c, w in competition.measures), Decimal(0))
    if not total_weight:
        return scoring.ZERO
    points = sum(
        (Decimal(str(figures.get(code) or 0)) * Decimal(w) for code, w in competition.measures),
        Decimal(0),
    )
    return scoring.cents(points / total_weight)


def snapshot(
    session: Session, committee: OrgUnit, competition: Competition, day: date, now: datetime
) -> int:
    """Store the branches' figures of ``day`` (rewritten when run again that day)."""
    figures = branch_figures(session, committee, competition, day, now)
    scored = sorted(
        ((weighted(competition, f), b) for b, f in figures.items()), key=lambda s: (-s[0], s[1])
    )
    ranks = scoring.ranks((b, 0, score, None) for score, b in scored)
    existing = {
        row.branch_id: row
        for row in session.scalars(
            select(CompetitionSnapshot).where(
                CompetitionSnapshot.competition_id == competition.id,
                CompetitionSnapshot.day == day,
            )
        )
    }
    for score, branch_id in scored:
        row = existing.get(branch_id)
        if row is None:
            row = CompetitionSnapshot(competition_id=competition.id, branch_id=branch_id, day=day)
            session.add(row)
        row.figures = figures[branch_id]
        row.score = score
        row.rank = ranks[branch_id][1]
        row.members = figures[branch_id].get("members", 0)
    session.flush()
    return len(scored)


def snapshot_all(session: Session, *, now: datetime) -> int:
    """The daily job: each running competition's figures of today (in its committee's zone)."""
    done = 0
    for competition, committee in session.execute(
        select(Competition, OrgUnit).join(OrgUnit, OrgUnit.id == Competition.committee_id)
    ):
        today = local_date(now, committee.timezone)
        if competition.starts_on <= today <= competition.ends_on:
            done += snapshot(session, committee, competition, today, now)
    return done
