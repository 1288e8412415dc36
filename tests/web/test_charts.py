"""The inline SVG line chart: valid XML, points where the values say, gaps, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from studyhub.web.charts import HEIGHT, LEGEND_HEIGHT, PAD_BOTTOM, PAD_TOP, Series, line_chart

SVG = "{http://www.w3.org/2000/svg}"
BOTTOM = HEIGHT - PAD_BOTTOM  # y of 0
PLOT_HEIGHT = HEIGHT - PAD_TOP - PAD_BOTTOM


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def points(polyline: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in polyline.get("points").split()]


def test_a_line_through_the_values():
    svg = parse(line_chart(["W1", "W2", "W3"], [Series("完成率", [0, 50, 100])], title="趋势"))

    assert svg.tag == f"{SVG}svg" and svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "趋势"
    (line,) = svg.iter(f"{SVG}polyline")
    (x0, y0), (x1, y1), (x2, y2) = points(line)
    assert (y0, y1, y2) == (BOTTOM, BOTTOM - PLOT_HEIGHT / 2, PAD_TOP)
    assert x0 < x1 < x2 and x1 - x0 == x2 - x1
    tips = [c.find(f"{SVG}title").text for c in svg.iter(f"{SVG}circle")]
    assert tips == ["完成率 · W1: 0%", "完成率 · W2: 50%", "完成率 · W3: 100%"]
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"W1", "W2", "W3", "0%", "50%", "100%"} <= set(labels)


def test_missing_values_leave_a_gap_and_out_of_range_values_are_clamped():
    svg = parse(
        line_chart(
            ["a", "b", "c", "d", "e"],
            [Series("s", [10, None, 120, -5, None])],
            title="t",
        )
    )

    lines = list(svg.iter(f"{SVG}polyline"))
    assert [len(points(line)) for line in lines] == [1, 2]
    assert [y for _, y in points(lines[1])] == [PAD_TOP, BOTTOM]
    assert len(list(svg.iter(f"{SVG}circle"))) == 3


def test_several_series_get_a_legend_and_their_own_colours():
    svg = parse(
        line_chart(["1", "2"], [Series("甲", [1, 2]), Series("乙", [3, 4])], title="t", y_max=10)
    )

    assert svg.get("viewBox").split()[-1] == str(HEIGHT + LEGEND_HEIGHT)
    colours = {line.get("stroke") for line in svg.iter(f"{SVG}polyline")}
    assert len(colours) == 2
    legend = [t.text for g in svg.iter(f"{SVG}g") if g.get("class") == "chart-legend" for t in g]
    assert "甲" in legend and "乙" in legend


def test_text_is_escaped():
    markup = line_chart(
        ['<script>alert("x")</script>'],
        [Series("a&b <i>", [5])],
        title="</title><script>",
        description='"quoted"',
    )

    svg = parse(markup)  # still well-formed
    assert "<script>" not in str(markup)
    assert svg.find(f"{SVG}title").text == "</title><script>"
    assert "a&b <i>" in svg.find(f".//{SVG}circle/{SVG}title").text


def test_an_empty_chart_still_draws_its_axes():
    svg = parse(line_chart([], [], title="空"))

    assert list(svg.iter(f"{SVG}polyline")) == []
    assert len(list(svg.iter(f"{SVG}line"))) == 6  # five grid lines and the x axis


def test_values_must_match_the_labels():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        line_chart(["a", "b", "c"], [Series("s", [1, 2])], title="t")
    with pytest.raises(ValueError):
        line_chart(["a"], [Series("s", [1])], title="t", y_max=0)


def test_many_labels_are_thinned_but_the_last_is_kept():
    labels = [f"L{i}" for i in range(30)]
    svg = parse(line_chart(labels, [Series("s", [1] * 30)], title="t"))

    shown = [t.text for t in svg.iter(f"{SVG}text") if t.text.startswith("L")]
    assert len(shown) < 30 and shown[0] == "L0" and shown[-1] == "L29"
