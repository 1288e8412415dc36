"""Weighing a member's figures into their score: each dimension's points, the total and the
suggested rating."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from studyhub.core.clock import as_utc
from studyhub.reports.scoring.figures import (
    CENT,
    HUNDRED,
    NO_DATA,
    ZERO,
    Dimension,
    Figure,
    Line,
    Score,
    Settings,
    cents,
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
