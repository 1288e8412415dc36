"""Item analysis: Moodle's question statistics, as pure functions.

The definitions follow Moodle's quiz statistics report (``core_question``'s
``statistics/questions/calculator.php``). For one item (a question of an
exam), over the ``n`` attempts that contain it, with ``x`` the item's mark and
``y`` the attempt's other marks (its total less ``x``):

- facility index = mean(x) / max mark (a fraction: 0.7 is "70% got it");
- standard deviation = the sample (n - 1) SD of x, as a fraction of the max mark;
- discrimination index = 100 · cov(x, y) / √(var(x) · var(y)): the corrected
  item-total correlation, in percent;
- discriminative efficiency = 100 · cov(x, y) / covmax, where covmax is the
  covariance the item would have if its marks and the other marks were ranked
  alike (both sorted and paired), in percent;
- effective weight = 100 · √cov(x, total) / Σ over items of √cov(item, total)
  (items with a negative covariance get none and add nothing).

``x`` is a mark in points, not right/wrong: an essay a marker gave 1.5 of its 3
points counts 1.5 (Moodle's statistics treat manually graded questions as
fractional marks the same way); attempts whose essays still wait for their
marker are left out until they are marked.

Variances and covariances use n - 1. Everything is computed from a few sums
(:class:`Moments`), so the database can add them up with SQL aggregates and
only the sums travel; :func:`moments_from_marks` builds the same sums from
per-attempt marks (how the Moodle oracle test feeds it). Undefined values
(one attempt only, no variance) are ``None``, as in Moodle.

Moodle treats a question drawn at random slightly differently (its "other
marks" are the whole total); we use the corrected form for every question,
which is the same figure for fixed questions and the better one for spotting
broken random ones.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)

# A question whose discrimination index is below this (in percent) or whose
# facility is outside these bounds is flagged on the statistics page.
MIN_DISCRIMINATION = 0.0
MAX_FACILITY = 0.95
MIN_FACILITY = 0.10


@dataclass(frozen=True)
class Moments:
    """The sums an item's statistics are computed from.

    ``x`` is the item's mark, ``y`` the attempt's other marks (total - x);
    ``sum_sorted_xy`` pairs the i-th smallest x with the i-th smallest y.
    """

    n: int
    sum_x: float
    sum_x2: float
    sum_y: float
    sum_y2: float
    sum_xy: float
    sum_sorted_xy: float


@dataclass(frozen=True)
class ItemStats:
    n: int
    max_mark: float
    facility: float | None
    sd: float | None
    mark_variance: float | None
    other_mark_variance: float | None
    covariance: float | None
    covariance_max: float | None
    covariance_with_total: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    effective_weight: float | None = None

    @property
    def flags(self) -> list[str]:
        """Why the item looks broken: "negative" discrimination, "easy", "hard"."""
        found = []
        if self.discrimination_index is not None and self.discrimination_index < MIN_DISCRIMINATION:
            found.append("negative")
        if self.facility is not None and self.facility > MAX_FACILITY:
            found.append("easy")
        if self.facility is not None and self.facility < MIN_FACILITY:
            found.append("hard")
        return found


@dataclass(frozen=True)
class Summary:
    """Per quiz: the distribution of attempt totals."""

    n: int
    mean: float | None
    median: float | None
    sd: float | None


def moments_from_marks(pairs: Iterable[tuple[float, float]]) -> Moments:
    """The sums of (item mark, attempt total) pairs."""
    xs: list[float] = []
    ys: list[float] = []
    for mark, total in pairs:
        xs.append(float(mark))
        ys.append(float(total) - float(mark))
    return Moments(
        n=len(xs),
        sum_x=math.fsum(xs),
        sum_x2=math.fsum(x * x for x in xs),
        sum_y=math.fsum(ys),
        sum_y2=math.fsum(y * y for y in ys),
        sum_xy=math.fsum(x * y for x, y in zip(xs, ys, strict=True)),
        sum_sorted_xy=math.fsum(x * y for x, y in zip(sorted(xs), sorted(ys), strict=True)),
    )


def item_stats(m: Moments, max_mark: float) -> ItemStats:
    """Facility, SD, discrimination index and efficiency of one item (no effective weight)."""
    n = m.n
    facility = m.sum_x / n / max_mark if n and max_mark else None
    if n < 2:
        return ItemStats(n, max_mark, facility, *([None] * 8))
    mean_x, mean_y = m.sum_x / n, m.sum_y / n
    var_x = max(0.0, (m.sum_x2 - n * mean_x * mean_x) / (n - 1))
    var_y = max(0.0, (m.sum_y2 - n * mean_y * mean_y) / (n - 1))
    cov = (m.sum_xy - n * mean_x * mean_y) / (n - 1)
    cov_max = (m.sum_sorted_xy - n * mean_x * mean_y) / (n - 1)
    # cov(x, x + y) = var(x) + cov(x, y)
    cov_total = var_x + cov
    sd = math.sqrt(var_x) / max_mark if max_mark else None
    di = 100 * cov / math.sqrt(var_x * var_y) if var_x * var_y > 0 else None
    de = 100 * cov / cov_max if cov_max else None
    return ItemStats(
        n=n,
        max_mark=max_mark,
        facility=facility,
        sd=sd,
        mark_variance=var_x,
        other_mark_variance=var_y,
        covariance=cov,
        covariance_max=cov_max,
        covariance_with_total=cov_total,
        discrimination_index=di,
        discriminative_efficiency=de,
    )


def with_effective_weights(items: Mapping[K, ItemStats]) -> dict[K, ItemStats]:
    """The items with their effective weights (Moodle: √cov with the total, shared out)."""
    total = math.fsum(
        math.sqrt(s.covariance_with_total)
        for s in items.values()
        if s.covariance_with_total is not None and s.covariance_with_total >= 0
    )
    result = {}
    for key, s in items.items():
        weight = None
        if total and s.covariance_with_total is not None and s.covariance_with_total >= 0:
            weight = 100 * math.sqrt(s.covariance_with_total) / total
        result[key] = replace(s, effective_weight=weight)
    return result


def analyse(
    attempts: Iterable[Mapping[K, float]], max_marks: Mapping[K, float]
) -> dict[K, ItemStats]:
    """Every item's statistics from per-attempt marks (``{item: mark}`` per attempt).

    An attempt's total is the sum of its marks; an item is analysed over the
    attempts that contain it.
    """
    pairs: dict[K, list[tuple[float, float]]] = {key: [] for key in max_marks}
    for marks in attempts:
        total = math.fsum(float(v) for v in marks.values())
        for key, mark in marks.items():
            pairs.setdefault(key, []).append((float(mark), total))
    return with_effective_weights(
        {
            key: item_stats(moments_from_marks(values), float(max_marks[key]))
            for key, values in pairs.items()
        }
    )


def summary(totals: Sequence[float]) -> Summary:
    """Mean, median and sample SD of attempt totals (or percentages)."""
    n = len(totals)
    if not n:
        return Summary(0, None, None, None)
    ordered = sorted(float(t) for t in totals)
    mean = math.fsum(ordered) / n
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    sd = math.sqrt(math.fsum((t - mean) ** 2 for t in ordered) / (n - 1)) if n > 1 else None
    return Summary(n=n, mean=mean, median=median, sd=sd)


def summary_from_sums(n: int, total: float, total2: float, median: float | None) -> Summary:
    """:func:`summary` from SQL sums (count, Σt, Σt²) and a median found separately."""
    if not n:
        return Summary(0, None, None, None)
    mean = total / n
    sd = math.sqrt(max(0.0, (total2 - n * mean * mean) / (n - 1))) if n > 1 else None
    return Summary(n=n, mean=mean, median=median, sd=sd)


NO_ANSWER = "-"


def option_frequencies(
    responses: Iterable[tuple[Any, int]], *, keys: Sequence[str] = ()
) -> Counter[str]:
    """How often each option was chosen, from (response, count) pairs.

    Choice responses count once per chosen key (a multiple-choice response of
    ``["A", "C"]`` counts for A and C); true/false counts ``"true"`` and
    ``"false"``; a fill-in response counts its blanks' texts joined by " / ";
    no answer counts as :data:`NO_ANSWER`. Keys never chosen appear with 0.
    """
    counts: Counter[str] = Counter({key: 0 for key in keys})
    for response, count in responses:
        if response is None or response == [] or response == "":
            counts[NO_ANSWER] += count
        elif isinstance(response, bool):
            counts["true" if response else "false"] += count
        elif isinstance(response, str):
            counts[response] += count
        elif isinstance(response, list) and keys and all(r in keys for r in response):
            for key in response:
                counts[key] += count
        elif isinstance(response, list):
            counts[" / ".join(str(r) for r in response)] += count
        else:
            counts[str(response)] += count
    return counts
