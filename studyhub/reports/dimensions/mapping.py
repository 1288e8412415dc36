"""How a committee dimension's raw value maps to 0–100 points."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from studyhub.reports.scoring import Figure

# 民主评议 ratings as stored values (a DimensionValue holds a number).
RATING_VALUES = {"excellent": 4, "qualified": 3, "basic": 2, "unqualified": 1}
RATING_WORDS = {"优秀": 4, "合格": 3, "基本合格": 2, "不合格": 1}
_RATING_CODES = {v: k for k, v in RATING_VALUES.items()}


def to_figure(mapping: Mapping[str, Any], value: Decimal) -> Figure:
    """The raw value as a figure the scoring normalises:

    - ``scale``: value out of ``out_of`` (a 1–5 scale, points out of 100);
    - ``bands``: the points of the highest band whose lower bound the value reaches
      (years of membership, age…), as a percent;
    - ``table``: a 民主评议 rating (stored 4–1) → its points.
    """
    kind = mapping.get("kind", "scale")
    if kind == "bands":
        points = Decimal(0)
        for lower, band_points in sorted(mapping.get("bands", []), key=lambda b: Decimal(b[0])):
            if value >= Decimal(str(lower)):
                points = Decimal(str(band_points))
        return Figure(points, None)
    if kind == "table":
        code = _RATING_CODES.get(int(value), "")
        return Figure(Decimal(str(mapping.get("table", {}).get(code, 0))), None)
    return Figure(value, Decimal(str(mapping.get("out_of", 100))))


def value_range(mapping: Mapping[str, Any]) -> tuple[Decimal, Decimal] | None:
    """The values an entered dimension accepts (None: any number)."""
    if mapping.get("kind", "scale") == "scale":
        return Decimal(0), Decimal(str(mapping.get("out_of", 100)))
    if mapping.get("kind") == "table":
        return Decimal(1), Decimal(4)
    return None
