"""The quarterly score, pure: figures in, explained score, ranks and rating out. No database.

A committee's score has weighted dimensions (see :data:`DEFAULT_WEIGHTS`). For
each member, each dimension has a raw :class:`Figure`:

- ``reading``: readings studied ÷ readings required in the quarter (its
  readings of the day up to today, and the materials of the plans due in the
  quarter that target the member), studied by the end of the quarter;
- ``test``: the mean, over the quarter's plan tests that target the member, of
  the member's best percent in each (0 for a test not taken) — with one test,
  simply the best percent;
- ``daily_quiz``: days with a daily-quiz go ÷ days of the quarter up to today
  (participation, not correct answers: the daily quiz is about the habit, and
  its right answers already earn points);
- ``attendance``: meetings attended (present or late) ÷ meetings the member
  was expected at, from the meetings domain.

Each figure is normalised to 0–100 (a ratio × 100, a percent as it is, both
capped at 100) and weighted. A dimension without data does not count and its
weight goes to the others in proportion: for everyone when the committee has
no data for it this quarter (no meetings recorded yet, no daily quiz), or for
one member whose figure has nothing to divide by (no plan targets their
branch). Bonus/deduction entries (比贡献) add to the weighted sum, their net
capped at ± the committee's cap; the total never goes below 0. Ranks are
competition ranks by total, ties broken by who completed first (the later of
their last counted study and the first time they reached their best test
score; nobody-yet ranks last); the suggested rating comes from thresholds, and
staff may override it with a reason.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from studyhub.core.clock import as_utc

READING = "reading"
TEST = "test"
DAILY_QUIZ = "daily_quiz"
ATTENDANCE = "attendance"
CODES = (READING, TEST, DAILY_QUIZ, ATTENDANCE)

DEFAULT_WEIGHTS = {
    READING: Decimal(30),
    TEST: Decimal(40),
    DAILY_QUIZ: Decimal(10),
    ATTENDANCE: Decimal(20),
}
# Stored per committee as the dimensions' names; exports use them as column headings.
DEFAULT_NAMES = {
    READING: "学习完成率",
    TEST: "学习计划测试",
    DAILY_QUIZ: "每日答题",
    ATTENDANCE: "会议出勤",
}
DEFAULT_CAP = Decimal(10)

# Why a dimension does not count for a member.
NO_DATA = "no_data"  # the committee has no data for it this quarter
NOT_REQUIRED = "not_required"  # nothing was required of this member

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Rating(enum.StrEnum):
    EXCELLENT = "excellent"  # 优秀
    QUALIFIED = "qualified"  # 合格
    BASIC = "basic"  # 基本合格
    UNQUALIFIED = "unqualified"  # 不合格


RATING_NAMES = {
    Rating.EXCELLENT: "优秀",
    Rating.QUALIFIED: "合格",
    Rating.BASIC: "基本合格",
    Rating.UNQUALIFIED: "不合格",
}


@dataclass(frozen=True)
class Thresholds:
    """The lowest total for each rating; below ``basic`` is 不合格."""

    excellent: Decimal = Decimal(90)
    qualified: Decimal = Decimal(70)
    basic: Decimal = Decimal(60)

    def rate(self, total: Decimal) -> Rating:
        if total >= self.excellent:
            return Rating.EXCELLENT
        if total >= self.qualified:
            return Rating.QUALIFIED
        if total >= self.basic:
            return Rating.BASIC
        return Rating.UNQUALIFIED

    def is_ordered(self) -> bool:
        return HUNDRED >= self.excellent > self.qualified > self.basic >= ZERO

    def to_dict(self) -> dict[str, str]:
        return {k: str(getattr(self, k)) for k in ("excellent", "qualified", "basic")}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Thresholds:
        default = cls()
        data = data or {}
        return cls(
            **{
                k: Decimal(str(data.get(k, getattr(default, k))))
                for k in ("excellent", "qualified", "basic")
            }
        )


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str
    weight: Decimal  # percent of the total
    is_active: bool = True


@dataclass(frozen=True)
class Settings:
    dimensions: tuple[Dimension, ...]
    thresholds: Thresholds = field(default_factory=Thresholds)
    adjustment_cap: Decimal = DEFAULT_CAP

    @classmethod
    def default(cls) -> Settings:
        return cls(
            dimensions=tuple(Dimension(c, DEFAULT_NAMES[c], DEFAULT_WEIGHTS[c]) for c in CODES)
        )

    def __post_init__(self) -> None:
        # Read for every member scored: worked out once.
        counted = tuple(d for d in self.dimensions if d.is_active and d.weight > 0)
        object.__setattr__(self, "_counted", counted)

    @property
    def counted(self) -> tuple[Dimension, ...]:
        """The dimensions that are part of the score (active, with a weight)."""
        return self._counted  # type: ignore[attr-defined,no-any-return]


class Figure(NamedTuple):
    """One raw figure: ``value`` of ``out_of`` (counts), or a percent when ``out_of`` is None.

    ``missing`` says why the dimension does not count for the member (then the
    numbers are only shown). Figures and lines are named tuples: a committee's
    scoring makes several per member, and tuples are the cheapest to make.
    """

    value: Decimal = ZERO
    out_of: Decimal | None = None
    missing: str | None = None

    @classmethod
    def ratio(cls, done: int | Decimal, required: int | Decimal) -> Figure:
        """A count out of a count; nothing required means the dimension does not count."""
        return cls(Decimal(done), Decimal(required), None if required else NOT_REQUIRED)

    @classmethod
    def percent(cls, value: Decimal | float | int) -> Figure:
        return cls(Decimal(str(value)))

    @classmethod
    def no_data(cls) -> Figure:
        return cls(missing=NO_DATA)

    @property
    def normalised(self) -> Decimal:
        """0–100: a ratio × 100, a percent as it is; both capped at 100."""
        if self.missing:
            return ZERO
        raw = self.value if self.out_of is None else self.value * HUNDRED / self.out_of
        return cents(min(max(raw, ZERO), HUNDRED))


class Line(NamedTuple):
    """One dimension of one member's score, as explained on the page and in exports."""

    code: str
    name: str
    weight: Decimal  # as configured
    share: Decimal  # after redistribution (0 when it does not count)
    value: Decimal
    out_of: Decimal | None
    normalised: Decimal
    points: Decimal
    missing: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "weight": str(self.weight),
            "share": str(self.share),
            "value": str(self.value),
            "out_of": None if self.out_of is None else str(self.out_of),
            "normalised": str(self.normalised),
            "points": str(self.points),
            "missing": self.missing,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Line:
        out_of = data.get("out_of")
        return cls(
            data["code"],
            data["name"],
            Decimal(data["weight"]),
            Decimal(data["share"]),
            Decimal(data["value"]),
            None if out_of is None else Decimal(out_of),
            Decimal(data["normalised"]),
            Decimal(data["points"]),
            data.get("missing"),
        )


@dataclass(frozen=True)
class Score:
    lines: tuple[Line, ...]
    weighted: Decimal  # the sum of the lines' points
    adjustment_requested: Decimal  # the net of the bonus/deduction entries
    adjustment: Decimal  # after the cap
    total: Decimal
    suggested: Rating
    completed_at: datetime | None = None

    @property
    def redistributed(self) -> tuple[Line, ...]:
        """The lines whose weight went to the others."""
        return tuple(line for line in self.lines if line.missing)

    def line(self, code: str) -> Line | None:
        return next((line for line in self.lines if line.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": [line.to_dict() for line in self.lines],
            "weighted": str(self.weighted),
            "adjustment_requested": str(self.adjustment_requested),
            "adjustment": str(self.adjustment),
            "total": str(self.total),
            "suggested": self.suggested.value,
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Score:
        completed = data.get("completed_at")
        return cls(
            lines=tuple(Line.from_dict(line) for line in data["lines"]),
            weighted=Decimal(data["weighted"]),
            adjustment_requested=Decimal(data["adjustment_requested"]),
            adjustment=Decimal(data["adjustment"]),
            total=Decimal(data["total"]),
            suggested=Rating(data["suggested"]),
            completed_at=datetime.fromisoformat(completed) if completed else None,
        )


_NO_DATA = Figure(missing=NO_DATA)


def _weigh(
    settings: Settings, figures: Mapping[str, Figure]
) -> tuple[list[tuple[Dimension, Figure, Decimal, Decimal, Decimal]], bool]:
    """(dimension, figure, normalised, share, points) per counted dimension, and whether
    anything counts. A dimension without data gets no share; the others share its weight in
    proportion."""
    present = [(d, figures.get(d.code) or _NO_DATA) for d in settings.counted]
    pool = ZERO
    for dimension, figure in present:
        if not figure.missing:
            pool += dimension.weight
    weighed = []
    for dimension, figure in present:
        normalised = figure.normalised
        if figure.missing or not pool:
            weighed.append((dimension, figure, normalised, ZERO, ZERO))
            continue
        exact_share = dimension.weight * HUNDRED / pool
        points = (normalised * exact_share / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        weighed.append((dimension, figure, normalised, exact_share, points))
    return weighed, bool(pool)


def _totals(settings: Settings, weighted: Decimal, adjustment: Decimal) -> tuple[Decimal, Decimal]:
    """(the adjustment after the cap, the total)."""
    cap = settings.adjustment_cap
    capped = min(max(adjustment, -cap), cap).quantize(CENT, rounding=ROUND_HALF_UP)
    total = weighted + capped
    return capped, (total if total > ZERO else ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


def total(
    settings: Settings, figures: Mapping[str, Figure], *, adjustment: Decimal = ZERO
) -> Decimal:
    """Just the total of :func:`score` (for ranking, without building the explanation)."""
    weighed, _counts = _weigh(settings, figures)
    weighted = ZERO
    for item in weighed:
        weighted += item[4]
    return _totals(settings, weighted, adjustment)[1]


def score(
    settings: Settings,
    figures: Mapping[str, Figure],
    *,
    adjustment: Decimal = ZERO,
    completed_at: datetime | None = None,
) -> Score:
    """One member's score from their figures (a dimension absent from ``figures`` has no data)."""
    weighed, counts = _weigh(settings, figures)
    lines = []
    weighted = ZERO
    for dimension, figure, normalised, share, points in weighed:
        weighted += points
        lines.append(
            Line(
                dimension.code,
                dimension.name,
                dimension.weight,
                share.quantize(CENT, rounding=ROUND_HALF_UP) if share else ZERO,
                figure.value,
                figure.out_of,
                normalised,
                points,
                figure.missing or (None if counts else NO_DATA),
            )
        )
    capped, result = _totals(settings, weighted, adjustment)
    return Score(
        lines=tuple(lines),
        weighted=weighted.quantize(CENT, rounding=ROUND_HALF_UP),
        adjustment_requested=cents(adjustment),
        adjustment=capped,
        total=result,
        suggested=settings.thresholds.rate(result),
        completed_at=as_utc(completed_at) if completed_at else None,
    )


def completion_time(*times: datetime | None) -> datetime | None:
    """When a member reached their figures: the latest of the given times (None if none)."""
    known = [as_utc(t) for t in times if t is not None]
    return max(known) if known else None


# Ranks ------------------------------------------------------------------------------------

_LAST = datetime.max.replace(tzinfo=UTC)

# (member key, group key, total, completed_at): kept as plain tuples, since a committee's
# ranking holds one per member.
Standing = tuple[int, int, Decimal, datetime | None]


def _order(standing: Standing) -> tuple[Decimal, datetime]:
    _key, _group, total, completed = standing
    return (-total, as_utc(completed) if completed else _LAST)


def ranks(standings: Iterable[Standing]) -> dict[int, tuple[int, int]]:
    """Member key → (rank in their group, rank overall).

    Higher totals first; on equal totals whoever completed first goes first;
    equal totals completed at the same time (or never) share a rank (1, 1, 3).
    """
    ordered = sorted(standings, key=_order)
    out: dict[int, tuple[int, int]] = {}
    overall: tuple[int, tuple[Decimal, datetime] | None] = (0, None)
    groups: dict[int, tuple[int, int, tuple[Decimal, datetime] | None]] = {}
    for position, standing in enumerate(ordered, start=1):
        key, group, _total, _completed = standing
        order = _order(standing)
        if order != overall[1]:
            overall = (position, order)
        seen, rank, previous = groups.get(group, (0, 0, None))
        seen += 1
        if order != previous:
            rank = seen
        groups[group] = (seen, rank, order)
        out[key] = (rank, overall[0])
    return out


def final_rating(suggested: Rating, override: str | None) -> Rating:
    """The rating that stands: staff's override when there is one."""
    return Rating(override) if override else suggested
