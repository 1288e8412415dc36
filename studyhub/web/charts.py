"""Small charts drawn on the server as inline SVG: no chart library, no script, no CDN.

:func:`line_chart` draws one or more series of percentages (or any values up to
``y_max``) over a few labelled points, e.g. completion over the weeks of a
quarter. It is pure: text in, SVG text out, every label escaped. The SVG scales
with its container (``viewBox``, no fixed size), carries a title and a
description for screen readers, and gives each point a ``<title>`` tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 260
PAD_LEFT = 44
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 36
LEGEND_HEIGHT = 22
GRID_STEPS = 4
COLOURS = ("#c8161d", "#134a7c", "#1a7f37", "#9a6700")


@dataclass(frozen=True)
class Series:
    """A named line; ``None`` values are gaps (e.g. weeks still to come)."""

    name: str
    values: Sequence[float | None]


def _number(value: float) -> str:
    """A coordinate with at most one decimal place and no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _label(value: float, suffix: str) -> str:
    return f"{_number(value)}{suffix}"


def _segments(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive points, split where a value is missing."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for point in points:
        if point is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(point)
    if current:
        runs.append(current)
    return runs


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    y_max: float = 100.0,
    y_suffix: str = "%",
    chart_id: str = "chart",
) -> Markup:
    """An SVG line chart of ``series`` over ``labels`` (one x position per label).

    Values are clamped to ``0..y_max``. With several series a legend is drawn
    under the plot. An empty chart (no labels) still draws its axes.
    """
    if y_max <= 0:
        raise ValueError("y_max must be positive")
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(
                f"series {s.name!r} has {len(s.values)} values for {len(labels)} labels"
            )
    legend = LEGEND_HEIGHT if len(series) > 1 else 0
    height = HEIGHT + legend
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    bottom = PAD_TOP + plot_h
    count = len(labels)

    def x_at(i: int) -> float:
        if count <= 1:
            return PAD_LEFT + plot_w / 2
        return PAD_LEFT + plot_w * i / (count - 1)

    def y_at(value: float) -> float:
        clamped = min(max(value, 0.0), y_max)
        return bottom - plot_h * clamped / y_max

    title_id = f"{chart_id}-title"
    desc_id = f"{chart_id}-desc"
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        '<g class="chart-grid" font-size="12" fill="#5b636b">',
    ]
    for step in range(GRID_STEPS + 1):
        value = y_max * step / GRID_STEPS
        y = _number(y_at(value))
        out.append(
            f'<line x1="{PAD_LEFT}" y1="{y}" x2="{WIDTH - PAD_RIGHT}" y2="{y}" '
            f'stroke="#e3e5e8" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{PAD_LEFT - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(_label(value, y_suffix))}</text>"
        )
    out.append(
        f'<line x1="{PAD_LEFT}" y1="{bottom}" x2="{WIDTH - PAD_RIGHT}" y2="{bottom}" '
        'stroke="#5b636b" stroke-width="1"/>'
    )
    # Label every point when they fit, else every n-th one.
    every = max(1, -(-count // 14))
    for i, label in enumerate(labels):
        if i % every == 0 or i == count - 1:
            out.append(
                f'<text x="{_number(x_at(i))}" y="{bottom + 18}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    out.append("</g>")

    for n, s in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        points = [(x_at(i), y_at(v)) if v is not None else None for i, v in enumerate(s.values)]
        out.append(f'<g class="chart-series" data-series="{n}">')
        for run in _segments(points):
            coords = " ".join(f"{_number(x)},{_number(y)}" for x, y in run)
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>'
            )
        for i, value in enumerate(s.values):
            if value is None:
                continue
            out.append(
                f'<circle cx="{_number(x_at(i))}" cy="{_number(y_at(value))}" r="3.5" '
                f'fill="{colour}"><title>{escape(s.name)} · {escape(labels[i])}: '
                f"{escape(_label(value, y_suffix))}</title></circle>"
            )
        out.append("</g>")

    if legend:
        out.append('<g class="chart-legend" font-size="12" fill="#1f2328">')
        x = float(PAD_LEFT)
        y = HEIGHT + legend / 2
        for n, s in enumerate(series):
            colour = COLOURS[n % len(COLOURS)]
            out.append(
                f'<rect x="{_number(x)}" y="{_number(y - 5)}" width="10" height="10" '
                f'fill="{colour}"/>'
            )
            out.append(
                f'<text x="{_number(x + 14)}" y="{_number(y)}" dominant-baseline="middle">'
                f"{escape(s.name)}</text>"
            )
            x += 28 + 13 * len(s.name)
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))
