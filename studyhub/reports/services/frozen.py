"""A closed quarter's scores, read back from the frozen rows, and the choice between them
and the live computation: :func:`quarter_scores`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from studyhub.org.models import OrgUnit
from studyhub.reports import queries, scoring
from studyhub.reports.models import FrozenScore, QuarterClose
from studyhub.reports.quarters import Quarter
from studyhub.reports.services.scores import YIELD_PER, LiveScores, MemberScore, Progress


class FrozenScores:
    """A closed quarter's stored scores over ``scope`` (read with ``yield_per``)."""

    is_closed = True

    def __init__(
        self,
        session: Session,
        committee: OrgUnit,
        quarter: Quarter,
        scope: OrgUnit,
        close: QuarterClose,
    ) -> None:
        self.session = session
        self.committee = committee
        self.quarter = quarter
        self.scope = scope
        self.close_record = close
        self.count = 0
        entry = last_close_entry(close)
        self.dimensions = tuple(
            scoring.Dimension(code, name, Decimal(weight))
            for code, name, weight in entry.get("dimensions", [])
        )
        self.not_counted: list[str] = list(entry.get("not_counted", []))
        self.ranks_committee = True

    def __enter__(self) -> FrozenScores:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        pass

    def compute(self, progress: Progress | None = None) -> FrozenScores:
        self.count = (
            self.session.scalar(
                queries.count_frozen(self.committee.id, self.quarter, self.scope.path)
            )
            or 0
        )
        return self

    def __iter__(self) -> Iterator[MemberScore]:
        # Plain rows, not entities: nothing to track, and cheaper by the hundred thousand.
        stmt = queries.frozen_rows(self.committee.id, self.quarter, self.scope.path)
        for row in self.session.execute(stmt.execution_options(yield_per=YIELD_PER)):
            yield MemberScore.from_frozen(row)

    def ranked(self, offset: int, limit: int, *, branch_id: int | None = None) -> list[MemberScore]:
        stmt = queries.frozen_scores(self.committee.id, self.quarter, self.scope.path, by_rank=True)
        if branch_id is not None:
            stmt = stmt.where(FrozenScore.branch_id == branch_id)
        return [
            MemberScore.from_frozen(row)
            for row in self.session.scalars(stmt.offset(offset).limit(limit))
        ]

    def count_in(self, branch_id: int | None) -> int:
        if branch_id is None:
            return self.count
        stmt = queries.count_frozen(self.committee.id, self.quarter, self.scope.path).where(
            FrozenScore.branch_id == branch_id
        )
        return self.session.scalar(stmt) or 0

    def find(self, user_id: int) -> MemberScore | None:
        row = self.session.scalars(
            queries.frozen_of(self.committee.id, self.quarter, user_id)
        ).first()
        return MemberScore.from_frozen(row) if row is not None else None


def last_close_entry(close: QuarterClose) -> dict[str, Any]:
    """The history entry of the quarter's latest closing."""
    for entry in reversed(close.history or []):
        if entry.get("action") == "closed":
            return entry
    return {}


def closed_record(session: Session, committee: OrgUnit, quarter: Quarter) -> QuarterClose | None:
    """The quarter's close record when it is closed now."""
    found = session.scalars(queries.quarter_close(committee.id, quarter)).first()
    return found if found is not None and found.is_closed else None


def quarter_scores(
    session: Session,
    committee: OrgUnit,
    quarter: Quarter,
    scope: OrgUnit,
    *,
    now: datetime,
    progress: Progress | None = None,
    excused_counts_as: str = "excluded",
) -> LiveScores | FrozenScores:
    """The quarter's scores over ``scope``: the frozen rows once closed, else computed now.

    Use it as a context manager (a live computation spools to a temporary file).
    ``excused_counts_as`` is the app's ``MEETING_EXCUSED_COUNTS_AS``.
    """
    close = closed_record(session, committee, quarter)
    if close is not None:
        return FrozenScores(session, committee, quarter, scope, close).compute(progress)
    return LiveScores(
        session, committee, quarter, scope, now=now, excused_counts_as=excused_counts_as
    ).compute(progress)
