"""Sources of committee dimensions' values, and the figures of a quarter per member."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.meetings import queries as meeting_queries
from studyhub.meetings.periods import midnight
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.reports import scoring
from studyhub.reports.dimensions.mapping import to_figure
from studyhub.reports.models import CustomDimension, DimensionValue, MemberBirth
from studyhub.reports.quarters import Quarter

QUARTERLY = "quarterly"

# (session, dimension, quarter, scope path) → user id → raw value
Source = Callable[[Session, CustomDimension, Quarter, str], dict[int, Decimal]]


def _stored(
    session: Session, dimension: CustomDimension, quarter: Quarter, scope_path: str
) -> dict[int, Decimal]:
    """Values entered or imported for the quarter (one statement, on the unique key)."""
    stmt = (
        select(DimensionValue.user_id, DimensionValue.value)
        .join(Member, Member.user_id == DimensionValue.user_id)
        .where(
            DimensionValue.dimension_id == dimension.id,
            DimensionValue.year == quarter.year,
            DimensionValue.quarter == quarter.number,
            under(Member.org_path, scope_path),
        )
    )
    return {user_id: Decimal(value) for user_id, value in session.execute(stmt)}


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _membership_years(
    session: Session, dimension: CustomDimension, quarter: Quarter, scope_path: str
) -> dict[int, Decimal]:
    stmt = select(Member.user_id, Member.joined_on).where(
        Member.committee_id == dimension.committee_id,
        Member.is_active.is_(True),
        Member.joined_on.is_not(None),
        under(Member.org_path, scope_path),
    )
    end = quarter.last_day
    return {u: Decimal(_years_between(j, end)) for u, j in session.execute(stmt)}


def _age(
    session: Session, dimension: CustomDimension, quarter: Quarter, scope_path: str
) -> dict[int, Decimal]:
    stmt = (
        select(Member.user_id, MemberBirth.born_year)
        .join(MemberBirth, MemberBirth.user_id == Member.user_id)
        .where(
            Member.committee_id == dimension.committee_id,
            Member.is_active.is_(True),
            under(Member.org_path, scope_path),
        )
    )
    return {u: Decimal(quarter.year - born) for u, born in session.execute(stmt)}


COMPUTED: dict[str, Source] = {"membership_years": _membership_years, "age": _age}


def _computed(
    session: Session, dimension: CustomDimension, quarter: Quarter, scope_path: str
) -> dict[int, Decimal]:
    compute = COMPUTED.get(dimension.computed_from or "")
    return compute(session, dimension, quarter, scope_path) if compute else {}


# The meetings' ratings (meetings.models.Rating values) as stored values.
_MEETING_RATINGS = {
    "excellent": 4,
    "qualified": 3,
    "basically_qualified": 2,
    "unqualified": 1,
}


def _democratic_rating(
    session: Session, dimension: CustomDimension, quarter: Quarter, scope_path: str
) -> dict[int, Decimal]:
    """The 民主评议 rating (4 优秀 … 1 不合格): each member's latest rating by a 民主评议党员
    meeting held in the quarter's year up to the quarter's end (the meetings' own query);
    a value entered or imported for the quarter stands in for a member no meeting rated."""
    scope = session.scalars(select(OrgUnit).where(OrgUnit.path == scope_path)).first()
    found: dict[int, Decimal] = {}
    if scope is not None:
        start = midnight(date(quarter.year, 1, 1), scope.timezone)
        end = quarter.ends_at(scope.timezone)
        for user_id, rating, _meeting_id, _held_on in session.execute(
            meeting_queries.ratings_for(scope, start, end)
        ):
            value = _MEETING_RATINGS.get(str(getattr(rating, "value", rating)))
            if value is not None:
                found[user_id] = Decimal(value)
    for user_id, value in _stored(session, dimension, quarter, scope_path).items():
        found.setdefault(user_id, value)
    return found


SOURCES: dict[str, Source] = {
    "entered": _stored,
    "imported": _stored,
    "computed": _computed,
    "rating": _democratic_rating,
}


def code_of(dimension: CustomDimension) -> str:
    return f"c{dimension.id}"


def dimension_of(dimension: CustomDimension) -> scoring.Dimension:
    return scoring.Dimension(
        code_of(dimension), dimension.name, Decimal(dimension.weight), dimension.is_active
    )


def scheme_dimensions(
    session: Session, committee_id: int, scheme: str = QUARTERLY
) -> list[CustomDimension]:
    stmt = (
        select(CustomDimension)
        .where(CustomDimension.committee_id == committee_id, CustomDimension.scheme == scheme)
        .order_by(CustomDimension.position, CustomDimension.id)
    )
    return list(session.scalars(stmt))


def applies(dimension: CustomDimension, quarter: Quarter) -> bool:
    return not dimension.quarters or quarter.number in dimension.quarters


def custom_figures(
    session: Session,
    dimensions: list[CustomDimension],
    quarter: Quarter,
    scope_path: str,
) -> dict[str, tuple[dict[int, scoring.Figure], scoring.Figure]]:
    """Code → (user id → figure, the figure of a member without a value). A dimension that
    does not apply to the quarter, or has no value for anyone, counts for nobody."""
    out: dict[str, tuple[dict[int, scoring.Figure], scoring.Figure]] = {}
    for dimension in dimensions:
        if not dimension.is_active:
            continue
        values = {}
        if applies(dimension, quarter):
            values = SOURCES[dimension.source](session, dimension, quarter, scope_path)
        figures = {u: to_figure(dimension.mapping or {}, v) for u, v in values.items()}
        absent = scoring.Figure(missing=scoring.NOT_REQUIRED if figures else scoring.NO_DATA)
        out[code_of(dimension)] = (figures, absent)
    return out
