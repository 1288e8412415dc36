"""Reading the leaderboard: a branch's competitions, the latest standings and the trends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyhub.org.models import OrgUnit
from studyhub.reports.models import Competition, CompetitionBranch, CompetitionSnapshot
from studyhub.reports.services.competitions.setup import branch_ids_of


@dataclass(frozen=True)
class Standing:
    branch_id: int
    label: str
    is_own: bool
    rank: int
    score: Decimal
    members: int
    figures: dict[str, Any]
    trend: list[tuple[date, Decimal]]


def competitions_of_branch(session: Session, branch_id: int) -> list[Competition]:
    return list(
        session.scalars(
            select(Competition)
            .join(CompetitionBranch, CompetitionBranch.competition_id == Competition.id)
            .where(CompetitionBranch.branch_id == branch_id)
            .order_by(Competition.starts_on.desc(), Competition.id.desc())
        )
    )


def leaderboard(
    session: Session,
    competition: Competition,
    *,
    own_branch_id: int | None,
    reveal: bool = False,
) -> tuple[date | None, list[Standing]]:
    """The latest day's standings and each branch's trend; other branches are named only when
    the committee chose so (else 支部 A, B… in rank order), the viewer's own always, every one
    for the committee's staff (``reveal``)."""
    latest = session.scalar(
        select(func.max(CompetitionSnapshot.day)).where(
            CompetitionSnapshot.competition_id == competition.id
        )
    )
    if latest is None:
        return None, []
    names = dict(
        session.execute(
            select(OrgUnit.id, OrgUnit.name).where(
                OrgUnit.id.in_(branch_ids_of(session, competition))
            )
        ).all()
    )
    trends: dict[int, list[tuple[date, Decimal]]] = {}
    for branch_id, day, score in session.execute(
        select(CompetitionSnapshot.branch_id, CompetitionSnapshot.day, CompetitionSnapshot.score)
        .where(CompetitionSnapshot.competition_id == competition.id)
        .order_by(CompetitionSnapshot.day)
    ):
        trends.setdefault(branch_id, []).append((day, Decimal(score)))
    rows = session.scalars(
        select(CompetitionSnapshot)
        .where(
            CompetitionSnapshot.competition_id == competition.id,
            CompetitionSnapshot.day == latest,
        )
        .order_by(CompetitionSnapshot.rank, CompetitionSnapshot.branch_id)
    )
    out = []
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    for row in rows:
        own = row.branch_id == own_branch_id
        if competition.is_named or own or reveal:
            label = names.get(row.branch_id, "")
        else:
            label = str(_l("Branch %(letter)s", letter=next(letters, "?")))
        out.append(
            Standing(
                branch_id=row.branch_id,
                label=label,
                is_own=own,
                rank=row.rank,
                score=Decimal(row.score),
                members=row.members,
                figures=row.figures,
                trend=trends.get(row.branch_id, []),
            )
        )
    return latest, out
