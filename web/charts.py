"""Charts as inline SVG: the geometry is computed here, the markup is written by ``templates/_charts.html``.

Only numbers and our own colours are computed here; every label (dates, category names, place names) reaches
the page through the templates, escaped like any other text. The browser draws the Chinese labels with its
own fonts (Debian: ``fonts-noto-cjk``), so charts stay crisp on a laptop and on a large wall monitor, and a
page carries no image files.

- ``columns(days, series)``: posts per day, stacked (e.g. by risk), with a y axis and a legend;
- ``paired_bars(rows)``: one row per label with two bars (this week, the week before);
- ``sparkline(values)``: a small line for tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Chart", "Rect", "Text", "columns", "paired_bars", "sparkline", "nice_max"]

GRID = "#e9ecef"
AXIS_TEXT = "#495057"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    title: str = ""  # tooltip (shown by the browser on hover)


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"
    cls: str = ""


@dataclass
class Chart:
    width: int
    height: int
    label: str  # what the chart shows, for screen readers
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    grid: list[tuple[float, float, float, float]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, name)
    points: str = ""  # a polyline, for sparklines
    empty: bool = False


def nice_max(value: float) -> int:
    """The top of an axis reaching ``value`` in four equal, whole, round steps (1, 1.5 ... 8 x 10^k)."""
    if value <= 4:
        return 4
    wanted = value / 4
    power = 10 ** math.floor(math.log10(wanted))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= wanted and float(step * power).is_integer():
            return int(4 * step * power)
    return int(40 * power)  # pragma: no cover - the loop always returns


def columns(days: list[datetime], series: list[tuple[str, str, list[int]]], *, label: str,
            width: int = 640, height: int = 220) -> Chart:
    """Stacked columns, one per day; ``series`` is (name, colour, counts per day), stacked in that order."""
    left, right, top, bottom = 40, 8, 10, 40
    chart = Chart(width=width, height=height, label=label,
                  legend=[(colour, name) for name, colour, values in series if any(values)])
    totals = [sum(values[i] for _, _, values in series) for i in range(len(days))]
    top_value = nice_max(max(totals, default=0))
    plot_w, plot_h = width - left - right, height - top - bottom
    for k in range(5):
        y = top + plot_h - plot_h * k / 4
        chart.grid.append((left, y, width - right, y))
        chart.texts.append(Text(left - 6, y + 4, f"{top_value * k / 4:g}", anchor="end", cls="tick"))
    slot = plot_w / max(len(days), 1)
    bar = max(2.0, slot * 0.7)
    every = max(1, math.ceil(len(days) / 10))
    for i, day in enumerate(days):
        x = left + slot * i + (slot - bar) / 2
        base = top + plot_h
        for name, colour, values in series:
            if values[i]:
                h = plot_h * values[i] / top_value
                base -= h
                chart.rects.append(Rect(round(x, 1), round(base, 1), round(bar, 1), round(h, 1), colour,
                                        f"{day:%m-%d} {name}：{values[i]}"))
        if i % every == 0 or i == len(days) - 1:
            chart.texts.append(Text(round(x + bar / 2, 1), height - bottom + 16, f"{day:%m-%d}", cls="tick"))
    chart.empty = not any(totals)
    return chart


def paired_bars(rows: list[tuple[str, int, int]], *, label: str, names=("近7天", "前7天"),
                colours=("#1f6fd1", "#ced4da"), width: int = 640) -> Chart:
    """Horizontal bars, two per row: (label, this period, previous period)."""
    left, right, row_h, top = 132, 56, 30, 6
    height = top + row_h * max(len(rows), 1) + 24
    chart = Chart(width=width, height=height, label=label, legend=list(zip(colours, names, strict=True)))
    top_value = nice_max(max((max(a, b) for _, a, b in rows), default=0))
    plot_w = width - left - right
    for i, (name, now, before) in enumerate(rows):
        y = top + row_h * i
        chart.texts.append(Text(left - 8, y + 17, name, anchor="end"))
        for j, (value, colour, period) in enumerate(zip((now, before), colours, names, strict=True)):
            w = plot_w * value / top_value
            chart.rects.append(Rect(left, y + 3 + j * 12, round(max(w, 1 if value else 0), 1), 10, colour,
                                    f"{name} {period}：{value}"))
        chart.texts.append(Text(left + plot_w * max(now, before) / top_value + 6, y + 17,
                                f"{now} / {before}", anchor="start", cls="tick"))
    chart.empty = not rows
    return chart


def sparkline(values: list[int], *, label: str, width: int = 120, height: int = 28) -> Chart:
    """A small line over ``values`` (e.g. posts per day), its last point marked."""
    chart = Chart(width=width, height=height, label=label)
    top_value = max(max(values, default=0), 1)
    n = len(values)
    points = []
    for i, v in enumerate(values):
        x = 2 + (width - 4) * (i / (n - 1) if n > 1 else 0.5)
        y = height - 3 - (height - 6) * v / top_value
        points.append(f"{x:.1f},{y:.1f}")
    chart.points = " ".join(points)
    if points:
        x, y = points[-1].split(",")
        chart.rects.append(Rect(float(x) - 2, float(y) - 2, 4, 4, "#c92a2a", f"{values[-1]}"))
    chart.empty = not any(values)
    return chart
