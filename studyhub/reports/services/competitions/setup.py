"""Setting a competition up: its measures, its checked period, branches and weights."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.errors import InvalidInput
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.reports import dimensions
from studyhub.reports.models import Competition, CompetitionBranch

COMPLETION = "completion"
TEST = "test"
DAILY_QUIZ = "daily_quiz"
COMPLIANCE = "compliance"
MEASURES = (COMPLETION, TEST, DAILY_QUIZ, COMPLIANCE)
MEASURE_NAMES = {
    COMPLETION: _l("Study completion"),
    TEST: _l("Average test score"),
    DAILY_QUIZ: _l("Daily quiz participation"),
    COMPLIANCE: _l("Meeting compliance"),
}


def create_competition(
    session: Session,
    committee: OrgUnit,
    *,
    title: str,
    starts_on: date,
    ends_on: date,
    branch_ids: Sequence[int],
    measures: Sequence[tuple[str, Decimal]],
    is_named: bool,
    actor_id: int | None,
    now: datetime,
) -> Competition:
    """Check everything, then store the competition (nothing is stored on an error)."""
    title = " ".join(title.split())
    if not title or len(title) > 120:
        raise InvalidInput(_l("Give the competition a title of at most 120 characters."))
    if ends_on < starts_on:
        raise InvalidInput(_l("The competition ends before it starts."))
    branches = set(branch_ids)
    found = set(
        session.scalars(
            select(OrgUnit.id).where(
                OrgUnit.id.in_(branches),
                OrgUnit.committee_id == committee.id,
                OrgUnit.kind == UnitKind.BRANCH,
            )
        )
    )
    if len(branches) < 2 or found != branches:
        raise InvalidInput(_l("Choose at least two branches of the committee."))
    own = {
        dimensions.code_of(d)
        for d in dimensions.scheme_dimensions(session, committee.id)
        if d.is_active  # an archived dimension ranks no new competition
    }
    chosen = [(code, Decimal(weight)) for code, weight in measures if Decimal(weight) > 0]
    if not chosen or any(code not in MEASURES and code not in own for code, _w in chosen):
        raise InvalidInput(_l("Choose the measures the competition ranks by."))
    competition = Competition(
        committee_id=committee.id,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        measures=[[code, str(weight)] for code, weight in chosen],
        is_named=is_named,
        created_by_id=actor_id,
        created_at=now,
    )
    session.add(competition)
    session.flush()
    session.add_all(CompetitionBranch(competition_id=competition.id, branch_id=b) for b in branches)
    session.flush()
    return competition


def branch_ids_of(session: Session, competition: Competition) -> list[int]:
    return list(
        session.scalars(
            select(CompetitionBranch.branch_id).where(
                CompetitionBranch.competition_id == competition.id
            )
        )
    )
