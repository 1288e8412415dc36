"""The scores of a scheme made only of the committee's own dimensions.

A closed quarter's scheme scores are frozen as its quarterly score is: closing stores each
member's scheme score and rank in their ``FrozenScore`` explanation (``"schemes"``) and the
schemes' dimensions in the close's history entry; from then on the scheme's page reads them,
so a later edit, archive or value does not change a closed quarter. A quarter closed before
schemes were frozen is still computed (dimensions added after its close left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.core.clock import as_utc
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.reports import queries, scoring
from studyhub.reports.dimensions import registry
from studyhub.reports.models import CustomDimension, QuarterClose
from studyhub.reports.quarters import Quarter
from studyhub.reports.services.frozen import closed_record, last_close_entry


@dataclass(frozen=True)
class SchemeScore:
    user_id: int
    name: str
    branch_name: str
    score: scoring.Score
    rank: int


def schemes_of(session: Session, committee_id: int) -> list[str]:
    """The committee's schemes of its own (not the quarterly score) with an active dimension."""
    return sorted(
        set(
            session.scalars(
                select(CustomDimension.scheme).where(
                    CustomDimension.committee_id == committee_id,
                    CustomDimension.scheme != registry.QUARTERLY,
                    CustomDimension.is_active.is_(True),
                )
            )
        )
    )


def _frozen_entry(close: QuarterClose, scheme: str) -> list[list[str]] | None:
    """The scheme's dimensions ([code, name, weight]) as the quarter was closed, or None when
    the close froze no such scheme."""
    schemes = last_close_entry(close).get("schemes")
    if not isinstance(schemes, dict) or scheme not in schemes:
        return None
    return list(schemes[scheme])


def scheme_columns(
    session: Session, committee: OrgUnit, scheme: str, quarter: Quarter
) -> list[scoring.Dimension]:
    """The scheme's dimensions for ``quarter`` (as frozen once it is closed)."""
    close = closed_record(session, committee, quarter)
    frozen = _frozen_entry(close, scheme) if close is not None else None
    if frozen is not None:
        return [scoring.Dimension(code, name, Decimal(weight)) for code, name, weight in frozen]
    own = registry.scheme_dimensions(session, committee.id, scheme)
    if close is not None:
        own = [d for d in own if as_utc(d.created_at) <= as_utc(close.closed_at)]
    return [registry.dimension_of(d) for d in own if d.is_active]


def _frozen_scores(
    session: Session, committee: OrgUnit, scheme: str, quarter: Quarter, scope: OrgUnit
) -> list[SchemeScore]:
    out = []
    for row in session.scalars(queries.frozen_scores(committee.id, quarter, scope.path)):
        data = (row.explanation or {}).get("schemes", {}).get(scheme)
        if data is None:
            continue
        member = row.explanation.get("member", {})
        out.append(
            SchemeScore(
                row.user_id,
                member.get("name", ""),
                member.get("branch_name", ""),
                scoring.Score.from_dict(data["score"]),
                int(data["rank"]),
            )
        )
    return sorted(out, key=lambda s: (s.rank, s.user_id))


def frozen_explanations(
    session: Session, committee: OrgUnit, quarter: Quarter
) -> tuple[dict[int, dict[str, object]], dict[str, list[list[str]]]]:
    """What closing stores of the committee's schemes: user id → {scheme: {rank, score}}
    (beside the quarterly explanation) and scheme → its dimensions [code, name, weight]
    (in the close's history entry)."""
    by_user: dict[int, dict[str, object]] = {}
    columns: dict[str, list[list[str]]] = {}
    for scheme in schemes_of(session, committee.id):
        columns[scheme] = [
            [d.code, d.name, str(d.weight)]
            for d in scheme_columns(session, committee, scheme, quarter)
        ]
        for found in scheme_scores(session, committee, scheme, quarter, committee):
            by_user.setdefault(found.user_id, {})[scheme] = {
                "rank": found.rank,
                "score": found.score.to_dict(),
            }
    return by_user, columns


def scheme_scores(
    session: Session, committee: OrgUnit, scheme: str, quarter: Quarter, scope: OrgUnit
) -> list[SchemeScore]:
    """Every member's score in a scheme made only of the committee's own dimensions, ranked
    (over the committee); each explanation lists every dimension of the scheme. A closed
    quarter's as frozen when it was closed (see the module's docstring)."""
    own = registry.scheme_dimensions(session, committee.id, scheme)
    close = closed_record(session, committee, quarter)
    if close is not None and _frozen_entry(close, scheme) is not None:
        return _frozen_scores(session, committee, scheme, quarter, scope)
    if close is not None:
        # A closed quarter stays as it was closed: dimensions added since are not part of it
        # (and its values can no longer change: see _check_open).
        own = [d for d in own if as_utc(d.created_at) <= as_utc(close.closed_at)]
    own = [d for d in own if d.is_active]  # an archived dimension no longer counts
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
