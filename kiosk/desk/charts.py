"""Charts for the report and statistics pages, as geometry an SVG template draws
(templates/charts.html): columns over days or hours with both axes, their ticks and a
legend, and horizontal bars for categories. Every label has room (the category axis shows
every n-th label when they would overlap), every empty day or hour is there as zero, and
each chart has a table of the same numbers beside it (drawn by the template from `rows`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

COLOURS = ("#0b4f8a", "#b34700", "#2e6b30", "#6a1b9a", "#4d4d4d")  # each ≥ 4.5:1 on white
WIDTH = 720
LABEL_PX = 46  # room one category label needs (a day as "30.12.")


@dataclass
class Series:
    name: str
    values: list[float | None]
    colour: str = ""


@dataclass
class Chart:
    """Everything charts.html needs for one chart and its table."""
    id: str
    title: str
    width: int
    height: int
    kind: str                      # "columns" or "bars"
    value_axis: str                # the value axis' title, with its unit
    category_axis: str = ""
    legend: list[tuple[str, str]] = field(default_factory=list)      # (colour, name)
    ticks: list[tuple[float, str]] = field(default_factory=list)     # value axis: (position, label)
    labels: list[tuple[float, str]] = field(default_factory=list)    # category axis: (position, label)
    shapes: list[dict] = field(default_factory=list)                 # x, y, width, height, colour, title
    values: list[tuple[float, float, str]] = field(default_factory=list)  # value written beside a bar
    plot: dict = field(default_factory=dict)                         # left, top, right, bottom
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    empty: bool = False


def nice_step(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ at or above `value` (> 0)."""
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value * (1 - 1e-9))


def axis_top(largest: float, counts: bool) -> float:
    """The value axis' end: four ticks of a round step (whole numbers for counts)."""
    if largest <= 0:
        return 4 if counts else 1
    step = nice_step(largest / 4)
    return 4 * (max(1, step) if counts else step)


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text} {unit}".strip()


def columns(chart_id: str, title: str, categories: list[str], series: list[Series], value_axis: str,
            category_axis: str, unit: str = "", table_header: str = "") -> Chart:
    """Vertical columns per category (days, hours), one colour per series, side by side."""
    left, top, right, bottom = 56, 12, WIDTH - 12, 196
    height = bottom + 48 + (24 if len(series) > 1 else 0)
    for index, item in enumerate(series):
        item.colour = item.colour or COLOURS[index % len(COLOURS)]
    values = [v for item in series for v in item.values if v is not None]
    top_value = axis_top(max(values, default=0), all(isinstance(v, int) for v in values))
    chart = Chart(chart_id, title, WIDTH, height, "columns", value_axis, category_axis,
                  legend=[(item.colour, item.name) for item in series] if len(series) > 1 else [],
                  plot={"left": left, "top": top, "right": right, "bottom": bottom},
                  headers=[table_header or category_axis] + [item.name for item in series],
                  empty=not values)
    for step in range(5):
        value = top_value * step / 4
        chart.ticks.append((round(bottom - (bottom - top) * step / 4, 1), f"{round(value, 6):g}"))
    slot = (right - left) / max(1, len(categories))
    every = max(1, math.ceil(LABEL_PX / slot))
    width = max(1.0, slot * 0.8 / len(series))
    for index, category in enumerate(categories):
        x = left + index * slot + slot * 0.1
        for number_, item in enumerate(series):
            value = item.values[index] or 0
            height_px = (bottom - top) * value / top_value
            chart.shapes.append({"x": round(x + number_ * width, 1), "y": round(bottom - height_px, 1),
                                 "width": round(width, 1), "height": round(height_px, 1), "colour": item.colour,
                                 "title": f"{category}, {item.name}: {number(item.values[index], unit)}"})
        if index % every == 0:
            chart.labels.append((round(left + index * slot + slot / 2, 1), category))
        chart.rows.append([category] + [number(item.values[index], unit) for item in series])
    return chart


def bars(chart_id: str, title: str, items: list[tuple[str, float]], value_axis: str, unit: str = "",
         category_header: str = "") -> Chart:
    """Horizontal bars, one per category, the value written at each bar's end."""
    left, right, row = 200, WIDTH - 70, 30
    bottom = 12 + row * max(1, len(items))
    top_value = axis_top(max((value for _, value in items), default=0), True)
    chart = Chart(chart_id, title, WIDTH, bottom + 44, "bars", value_axis,
                  plot={"left": left, "top": 12, "right": right, "bottom": bottom},
                  headers=[category_header, value_axis], empty=not items)
    for step in range(5):
        chart.ticks.append((round(left + (right - left) * step / 4, 1), f"{round(top_value * step / 4, 6):g}"))
    for index, (label, value) in enumerate(items):
        y = 12 + index * row
        width = (right - left) * value / top_value
        colour = COLOURS[index % len(COLOURS)]
        chart.labels.append((y + row / 2, label))
        chart.shapes.append({"x": left, "y": y + 5, "width": round(width, 1), "height": row - 10, "colour": colour,
                             "title": f"{label}: {number(value, unit)}"})
        chart.values.append((round(left + width + 6, 1), y + row / 2, number(value, unit)))
        chart.rows.append([label, number(value, unit)])
    return chart
