"""A quarter's scores for a committee or a branch, computed now from the raw figures.

:class:`LiveScores` (and :class:`frozen.FrozenScores` for a closed quarter)
yield :class:`MemberScore` rows by branch (tree order) and rank in it, and
pages of the ranking; :func:`frozen.quarter_scores` picks the right one.

The live computation holds one small ranking tuple per member, never the
members' rows: it streams the figures statement once (``yield_per``), scores
each member, keeps (member, branch, total, completed at) for the ranks and
spools the raw rows to a temporary file, which it reads back to give the
rows in order once the ranks are known.
"""

from __future__ import annotations

import pickle
import tempfile
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from sqlalchemy.orm import Session

from studyhub.core.clock import local_date
from studyhub.org.models import OrgUnit
from studyhub.reports import dimensions, queries, scoring
from studyhub.reports.models import FrozenScore
from studyhub.reports.quarters import Quarter
from studyhub.reports.scoring import (
    READING,
    Figure,
    Rating,
    Score,
)
from studyhub.reports.services.settings import settings_for

YIELD_PER = 1000
SPOOL_BATCH = 500

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Tests:
    """The quarter's plan tests of a member: required, taken (submitted), passed."""

    required: int = 0
    taken: int = 0
    passed: int = 0


@dataclass(frozen=True)
class MemberScore:
    user_id: int
    member_id: int | None
    name: str
    member_no: str | None
    status: str
    branch_id: int
    branch_name: str
    score: Score
    branch_rank: int
    committee_rank: int | None  # None when only a branch was computed
    rating: Rating  # the one that stands (staff's override, else the suggestion)
    override_reason: str | None = None
    adjustments: tuple[tuple[Decimal, str], ...] = ()
    tests: Tests = field(default_factory=Tests)

    @property
    def is_overridden(self) -> bool:
        return self.override_reason is not None

    @property
    def is_complete(self) -> bool:
        """Studied every required reading and took every required test."""
        reading = self.score.line(READING)
        readings_done = reading is None or reading.out_of is None or reading.value >= reading.out_of
        return readings_done and self.tests.taken >= self.tests.required

    def explanation(self, committee_name: str) -> dict[str, Any]:
        """What a frozen row stores: the member as they were and the whole explanation."""
        return {
            "member": {
                "member_id": self.member_id,
                "name": self.name,
                "member_no": self.member_no,
                "status": self.status,
                "branch_name": self.branch_name,
                "committee_name": committee_name,
            },
            "score": self.score.to_dict(),
            "tests": {
                "required": self.tests.required,
                "taken": self.tests.taken,
                "passed": self.tests.passed,
            },
            "adjustments": [{"points": str(p), "reason": r} for p, r in self.adjustments],
            "override_reason": self.override_reason,
        }

    @classmethod
    def from_frozen(cls, row: FrozenScore) -> MemberScore:
        data = row.explanation
        member = data["member"]
        return cls(
            user_id=row.user_id,
            member_id=member.get("member_id"),
            name=member["name"],
            member_no=member.get("member_no"),
            status=member["status"],
            branch_id=row.branch_id,
            branch_name=member["branch_name"],
            score=Score.from_dict(data["score"]),
            branch_rank=row.branch_rank,
            committee_rank=row.committee_rank,
            rating=Rating(row.rating),
            override_reason=data.get("override_reason"),
            adjustments=tuple(
                (Decimal(a["points"]), a["reason"]) for a in data.get("adjustments", [])
            ),
            tests=Tests(**data.get("tests", {})),
        )


@dataclass(frozen=True)
class Availability:
    """Dimensions the committee has data for this quarter (the others count for nobody)."""

    daily_quiz: bool
    attendance: bool


Custom = dict[str, tuple[dict[int, Figure], Figure]]


def figures_of(
    row: Any, *, days: int, available: Availability, custom: Custom | None = None
) -> dict[str, Figure]:
    """A figures row of :func:`queries.member_figures` as the scoring's raw figures: each
    built-in dimension of the registry, then the committee's own (``custom``)."""
    figures = {
        code: measure(row, days, available.daily_quiz, available.attendance)
        for code, measure in dimensions.BUILTIN.items()
    }
    for code, (by_user, absent) in (custom or {}).items():
        figures[code] = by_user.get(row.user_id, absent)
    return figures


def _completed_at(row: Any) -> datetime | None:
    return scoring.completion_time(row.last_daily_at, row.last_material_at, row.best_reached_at)


# Live ------------------------------------------------------------------------------------------


class LiveScores:
    """An open quarter's scores over ``scope`` (the committee or one branch), computed now."""

    is_closed = False

    def __init__(
        self,
        session: Session,
        committee: OrgUnit,
        quarter: Quarter,
        scope: OrgUnit,
        *,
        now: datetime,
        settings: scoring.Settings | None = None,
        excused_counts_as: str = "excluded",
    ) -> None:
        self.session = session
        self.committee = committee
        self.quarter = quarter
        self.scope = scope
        self.settings = settings or settings_for(session, committee.id)
        self.excused_counts_as = excused_counts_as
        self.window = queries.Window.of(
            committee, quarter, now, local_date(now, committee.timezone)
        )
        self.count = 0
        self.not_counted: list[str] = []  # dimension codes that count for nobody
        self._ranks: dict[int, tuple[int, int]] = {}
        self._spool: IO[bytes] | None = None
        self._available = Availability(False, False)
        self._reasons: dict[int, list[tuple[Decimal, str]]] = {}
        self._overrides: dict[int, tuple[str, str]] = {}
        self._branches: dict[int, int] = {}
        self._row_type: Any = None
        self._custom: Custom = {}

    @property
    def dimensions(self) -> tuple[scoring.Dimension, ...]:
        return self.settings.counted

    @property
    def ranks_committee(self) -> bool:
        return self.scope.id == self.committee.id

    def __enter__(self) -> LiveScores:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def compute(self, progress: Progress | None = None) -> LiveScores:
        """Stream every member's figures once, score them, rank them; spool the rows."""
        session, w = self.session, self.window
        attendance = queries.has_attendance(w)
        daily_quiz_ids = list(session.scalars(queries.daily_quiz_ids(w.committee_id)))
        daily_reading_ids = list(session.scalars(queries.daily_reading_ids(w)))
        material_ids = list(
            session.scalars(queries.material_ids(queries.plan_materials(w, daily_reading_ids)))
        )
        plan_quiz_ids = list(session.scalars(queries.plan_quiz_ids(w)))
        self._available = Availability(
            daily_quiz=bool(daily_quiz_ids),
            attendance=attendance is not None and session.scalars(attendance).first() is not None,
        )
        if any(d.code not in scoring.CODES for d in self.settings.dimensions):
            self._custom = dimensions.custom_figures(
                session,
                dimensions.scheme_dimensions(session, w.committee_id),
                self.quarter,
                self.scope.path,
            )
        for user_id, points, reason in session.execute(
            queries.adjustment_reasons(w.committee_id, self.quarter, self.scope.path)
        ):
            self._reasons.setdefault(user_id, []).append((Decimal(points), reason))
        self._overrides = {
            user_id: (rating, reason)
            for user_id, rating, reason in session.execute(
                queries.overrides_of(w.committee_id, self.quarter, self.scope.path)
            )
        }
        stmt = queries.member_figures(
            w,
            self.scope.path,
            daily_reading_ids=daily_reading_ids,
            material_ids=material_ids,
            plan_quiz_ids=plan_quiz_ids,
            daily_quiz_ids=daily_quiz_ids,
            attendance=self._available.attendance,
            excused_counts_as=self.excused_counts_as,
        )
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        standings: list[scoring.Standing] = []
        missing: dict[str, int] = defaultdict(int)
        batch: list[tuple[Any, ...]] = []
        days, available = self.window.days, self._available
        for row in session.execute(stmt.execution_options(yield_per=YIELD_PER)):
            figures = figures_of(row, days=days, available=available, custom=self._custom)
            total = scoring.total(self.settings, figures, adjustment=Decimal(row.adjustment))
            standings.append((row.user_id, row.branch_id, total, _completed_at(row)))
            for code, figure in figures.items():
                if figure.missing:
                    missing[code] += 1
            batch.append(tuple(row))
            if len(batch) >= SPOOL_BATCH:
                self._flush(batch, progress)
        self._flush(batch, progress)
        self.count = len(standings)
        # Dimensions that count for nobody (no data, or nothing required of anyone).
        self.not_counted = [
            d.code for d in self.dimensions if self.count and missing[d.code] == self.count
        ]
        self._ranks = scoring.ranks(standings)
        self._branches = {user_id: branch_id for user_id, branch_id, _t, _c in standings}
        self._row_type = namedtuple("FigureRow", list(stmt.selected_columns.keys()))  # type: ignore[misc]
        return self

    def _flush(self, batch: list[tuple[Any, ...]], progress: Progress | None) -> None:
        if not batch:
            return
        assert self._spool is not None
        pickle.dump(batch, self._spool, protocol=pickle.HIGHEST_PROTOCOL)
        if progress is not None:
            progress(len(batch))
        batch.clear()

    def _score(self, row: Any) -> Score:
        return scoring.score(
            self.settings,
            figures_of(row, days=self.window.days, available=self._available, custom=self._custom),
            adjustment=Decimal(row.adjustment),
            completed_at=_completed_at(row),
        )

    def _rows(self) -> Iterator[Any]:
        """The spooled figures rows, in the statement's order (branch, name)."""
        assert self._spool is not None, "compute() first"
        self._spool.seek(0)
        while True:
            try:
                batch = pickle.load(self._spool)
            except EOFError:
                return
            for values in batch:
                yield self._row_type(*values)

    def _member(self, row: Any) -> MemberScore:
        result = self._score(row)
        branch_rank, committee_rank = self._ranks[row.user_id]
        override = self._overrides.get(row.user_id)
        return MemberScore(
            user_id=row.user_id,
            member_id=row.member_id,
            name=row.name,
            member_no=row.member_no,
            status=str(row.status),
            branch_id=row.branch_id,
            branch_name=row.branch_name,
            score=result,
            branch_rank=branch_rank,
            committee_rank=committee_rank if self.ranks_committee else None,
            rating=scoring.final_rating(result.suggested, override[0] if override else None),
            override_reason=override[1] if override else None,
            adjustments=tuple(self._reasons.get(row.user_id, ())),
            tests=Tests(row.tests_required, row.tests_taken, row.tests_passed),
        )

    def __iter__(self) -> Iterator[MemberScore]:
        """Every member by branch (tree order), by rank in the branch; one branch in memory."""
        branch: list[MemberScore] = []
        for row in self._rows():
            if branch and branch[-1].branch_id != row.branch_id:
                yield from sorted(branch, key=_in_branch)
                branch = []
            branch.append(self._member(row))
        yield from sorted(branch, key=_in_branch)

    def ranked(self, offset: int, limit: int, *, branch_id: int | None = None) -> list[MemberScore]:
        """A page of the ranking over the scope (optionally of one branch in it)."""
        wanted_order = sorted(
            (
                (overall if branch_id is None else in_branch, user_id)
                for user_id, (in_branch, overall) in self._ranks.items()
                if branch_id is None or self._branches[user_id] == branch_id
            ),
        )
        wanted = {user_id for _rank, user_id in wanted_order[offset : offset + limit]}
        found = {row.user_id: self._member(row) for row in self._rows() if row.user_id in wanted}
        return [found[u] for _rank, u in wanted_order[offset : offset + limit] if u in found]

    def count_in(self, branch_id: int | None) -> int:
        if branch_id is None:
            return self.count
        return sum(1 for branch in self._branches.values() if branch == branch_id)

    def find(self, user_id: int) -> MemberScore | None:
        for row in self._rows():
            if row.user_id == user_id:
                return self._member(row)
        return None


def _in_branch(score: MemberScore) -> tuple[int, int]:
    return (score.branch_rank, score.user_id)
