"""SQL for a quarter's score settings, adjustments, rating overrides, close and frozen scores."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from studyhub.accounts.models import User
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import under
from studyhub.reports.models import (
    CustomDimension,
    FrozenScore,
    QuarterClose,
    RatingOverride,
    ScoreAdjustment,
    ScoreDimension,
    ScoreSettings,
)
from studyhub.reports.quarters import Quarter

# Settings, adjustments, overrides, closes ----------------------------------------------------


def dimensions_of(committee_id: int) -> Select[tuple[ScoreDimension]]:
    return (
        select(ScoreDimension)
        .where(ScoreDimension.committee_id == committee_id)
        .order_by(ScoreDimension.position, ScoreDimension.id)
    )


def every_dimension_of(committee_id: int) -> Any:
    """(code, name, weight, is_active) of the committee's built-in dimensions, then of its own
    in its quarterly score (code ``c<id>``, as :func:`dimensions.code_of`): one statement."""
    builtin = select(
        literal(0).label("own"),
        ScoreDimension.code.label("code"),
        ScoreDimension.name.label("name"),
        ScoreDimension.weight.label("weight"),
        ScoreDimension.is_active.label("is_active"),
        ScoreDimension.position.label("position"),
        ScoreDimension.id.label("id"),
    ).where(ScoreDimension.committee_id == committee_id)
    own = select(
        literal(1),
        literal("c") + cast(CustomDimension.id, String),
        CustomDimension.name,
        CustomDimension.weight,
        CustomDimension.is_active,
        CustomDimension.position,
        CustomDimension.id,
    ).where(CustomDimension.committee_id == committee_id, CustomDimension.scheme == "quarterly")
    both = union_all(builtin, own).subquery()
    return select(both).order_by(both.c.own, both.c.position, both.c.id)


def settings_of(committee_id: int) -> Select[tuple[ScoreSettings]]:
    return select(ScoreSettings).where(ScoreSettings.committee_id == committee_id)


def _adjustments_of(committee_id: int, quarter: Quarter) -> list[ColumnElement[bool]]:
    return [
        ScoreAdjustment.committee_id == committee_id,
        ScoreAdjustment.year == quarter.year,
        ScoreAdjustment.quarter == quarter.number,
        ScoreAdjustment.revoked_at.is_(None),
    ]


def adjustment_reasons(
    committee_id: int, quarter: Quarter, scope_path: str
) -> Select[tuple[int, Any, str]]:
    """(user id, points, reason) of the live adjustments of members under ``scope_path``."""
    return (
        select(ScoreAdjustment.user_id, ScoreAdjustment.points, ScoreAdjustment.reason)
        .join(Member, Member.user_id == ScoreAdjustment.user_id)
        .where(*_adjustments_of(committee_id, quarter), under(Member.org_path, scope_path))
        .order_by(ScoreAdjustment.user_id, ScoreAdjustment.created_at, ScoreAdjustment.id)
    )


def adjustments_list(
    committee_id: int, quarter: Quarter, scope_path: str
) -> Select[tuple[ScoreAdjustment, str, str, str | None, str | None]]:
    """Every adjustment (revoked ones too) of members under ``scope_path``, newest first,
    with the member's name, branch name and who made and revoked it."""
    author = aliased(User, name="author")
    revoker = aliased(User, name="revoker")
    member_user = aliased(User, name="member_user")
    branch = aliased(OrgUnit, name="branch")
    return (
        select(ScoreAdjustment, member_user.name, branch.name, author.name, revoker.name)
        .join(member_user, member_user.id == ScoreAdjustment.user_id)
        .join(Member, Member.user_id == ScoreAdjustment.user_id)
        .join(branch, branch.id == Member.branch_id)
        .outerjoin(author, author.id == ScoreAdjustment.created_by_id)
        .outerjoin(revoker, revoker.id == ScoreAdjustment.revoked_by_id)
        .where(
            ScoreAdjustment.committee_id == committee_id,
            ScoreAdjustment.year == quarter.year,
            ScoreAdjustment.quarter == quarter.number,
            under(Member.org_path, scope_path),
        )
        .order_by(ScoreAdjustment.created_at.desc(), ScoreAdjustment.id.desc())
    )


def member_adjustments(
    committee_id: int, quarter: Quarter, user_id: int
) -> Select[tuple[ScoreAdjustment]]:
    return (
        select(ScoreAdjustment)
        .where(
            ScoreAdjustment.committee_id == committee_id,
            ScoreAdjustment.year == quarter.year,
            ScoreAdjustment.quarter == quarter.number,
            ScoreAdjustment.user_id == user_id,
        )
        .order_by(ScoreAdjustment.created_at, ScoreAdjustment.id)
    )


def overrides_of(
    committee_id: int, quarter: Quarter, scope_path: str
) -> Select[tuple[int, str, str]]:
    """(user id, rating, reason) of staff's rating overrides for members under ``scope_path``."""
    return (
        select(RatingOverride.user_id, RatingOverride.rating, RatingOverride.reason)
        .join(Member, Member.user_id == RatingOverride.user_id)
        .where(
            RatingOverride.committee_id == committee_id,
            RatingOverride.year == quarter.year,
            RatingOverride.quarter == quarter.number,
            under(Member.org_path, scope_path),
        )
    )


def override_of(committee_id: int, quarter: Quarter, user_id: int) -> Select[tuple[RatingOverride]]:
    return select(RatingOverride).where(
        RatingOverride.committee_id == committee_id,
        RatingOverride.year == quarter.year,
        RatingOverride.quarter == quarter.number,
        RatingOverride.user_id == user_id,
    )


def quarter_close(committee_id: int, quarter: Quarter) -> Select[tuple[QuarterClose]]:
    return select(QuarterClose).where(
        QuarterClose.committee_id == committee_id,
        QuarterClose.year == quarter.year,
        QuarterClose.quarter == quarter.number,
    )


def frozen_scores(
    committee_id: int, quarter: Quarter, scope_path: str, *, by_rank: bool = False
) -> Select[tuple[FrozenScore]]:
    """A closed quarter's stored scores of the branches under ``scope_path``: by branch
    (tree order) and rank in it, or by rank in the committee."""
    branch = aliased(OrgUnit, name="branch")
    stmt = (
        select(FrozenScore)
        .join(branch, branch.id == FrozenScore.branch_id)
        .where(
            FrozenScore.committee_id == committee_id,
            FrozenScore.year == quarter.year,
            FrozenScore.quarter == quarter.number,
            under(branch.path, scope_path),
        )
    )
    if by_rank:
        return stmt.order_by(FrozenScore.committee_rank, FrozenScore.user_id)
    return stmt.order_by(branch.path, FrozenScore.branch_rank, FrozenScore.user_id)


def frozen_rows(committee_id: int, quarter: Quarter, scope_path: str) -> Select[Any]:
    """:func:`frozen_scores` as plain rows of the columns a ``MemberScore`` is made of."""
    return frozen_scores(committee_id, quarter, scope_path).with_only_columns(
        FrozenScore.user_id,
        FrozenScore.branch_id,
        FrozenScore.branch_rank,
        FrozenScore.committee_rank,
        FrozenScore.rating,
        FrozenScore.explanation,
    )


def count_frozen(committee_id: int, quarter: Quarter, scope_path: str) -> Select[tuple[int]]:
    branch = aliased(OrgUnit, name="branch")
    return (
        select(func.count(FrozenScore.id))
        .join(branch, branch.id == FrozenScore.branch_id)
        .where(
            FrozenScore.committee_id == committee_id,
            FrozenScore.year == quarter.year,
            FrozenScore.quarter == quarter.number,
            under(branch.path, scope_path),
        )
    )


def frozen_of(committee_id: int, quarter: Quarter, user_id: int) -> Select[tuple[FrozenScore]]:
    return select(FrozenScore).where(
        FrozenScore.committee_id == committee_id,
        FrozenScore.year == quarter.year,
        FrozenScore.quarter == quarter.number,
        FrozenScore.user_id == user_id,
    )
