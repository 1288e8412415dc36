"""The scores of a scheme made only of the committee's own dimensions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.reports import scoring
from studyhub.reports.dimensions import registry
from studyhub.reports.quarters import Quarter
from studyhub.reports.services.frozen import closed_record


@dataclass(frozen=True)
class SchemeScore:
    user_id: int
    name: str
    branch_name: str
    score: scoring.Score
    rank: int


def scheme_scores(
    session: Session, committee: OrgUnit, scheme: str, quarter: Quarter, scope: OrgUnit
) -> list[SchemeScore]:
    """Every member's score in a scheme made only of the committee's own dimensions, ranked;
    each explanation lists every dimension of the scheme."""
    own = registry.scheme_dimensions(session, committee.id, scheme)
    close = closed_record(session, committee, quarter)
    if close is not None:
        # A closed quarter stays as it was closed: dimensions added since are not part of it
        # (and its values can no longer change: see _check_open).
        own = [d for d in own if as_utc(d.created_at) <= as_utc(close.closed_at)]
    settings = scoring.Settings(dimensions=tuple(registry.dimension_of(d) for d in own))
    settings = scoring.Settings(dimensions=settings.dimensions, thresholds=scoring.Thresholds())
    custom = registry.custom_figures(session, own, quarter, scope.path)
    branch = OrgUnit
    rows = session.execute(
        select(Member.user_id, User.name, branch.name, Member.branch_id)
        .join(User, User.id == Member.user_id)
        .join(branch, branch.id == Member.branch_id)
        .where(
            Member.committee_id == committee.id,
            Member.is_active.is_(True),
            under(Member.org_path, scope.path),
        )
        .order_by(Member.org_path, User.name, Member.user_id)
    ).all()
    scored = []
    for user_id, name, branch_name, branch_id in rows:
        figures = {code: by_user.get(user_id, absent) for code, (by_user, absent) in custom.items()}
        scored.append((user_id, name, branch_name, branch_id, scoring.score(settings, figures)))
    ranks = scoring.ranks((u, 0, s.total, None) for u, _n, _b, _br, s in scored)
    out = [SchemeScore(u, n, b, s, ranks[u][1]) for u, n, b, _br, s in scored]
    return sorted(out, key=lambda s: (s.rank, s.user_id))
