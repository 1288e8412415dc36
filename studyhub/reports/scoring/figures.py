"""What a score is made of: the dimensions and their defaults, a committee's settings and
thresholds, a member's figures, the score's lines and the score itself."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

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
