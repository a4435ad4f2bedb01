"""The check-ins chart: a small SVG drawn on the server, so it needs no script.

Time runs left to right over the chosen days, the five steps of the scale bottom to top,
named in the reader's language on the axis. Here its geometry is worked out; the
template ``_checkin_chart.html`` draws it (escaping every text). The SVG is an image
with a title and a description (its accessible summary, e.g. "Your last 14 check-ins:
mostly okay"), each point has a title saying when and how, and the page lists the
check-ins as text too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_date, format_datetime

from node.checkins.recording import HistoryPoint

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 140, 16, 16, 36

Ngettext = Callable[[str, str, int], str]


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float
    title: str
    description: str
    steps: tuple[Label, ...]
    dates: tuple[Label, ...]
    points: tuple[Point, ...]
    # The polyline through the points ("x,y x,y …"); empty for fewer than two.
    line: str


def summary(points: Sequence[HistoryPoint], labels: Mapping[int, str], ngettext: Ngettext) -> str:
    """One sentence for the chart: how many check-ins, and the step most often chosen
    (the latest of those, when two are as common)."""
    if not points:
        return ""
    counts = Counter(point.scale for point in points)
    top = max(counts.values())
    mostly = next(p.scale for p in reversed(points) if counts[p.scale] == top)
    return ngettext(
        "Your last check-in: %(scale)s",
        "Your last %(num)d check-ins: mostly %(scale)s",
        len(points),
    ) % {"num": len(points), "scale": labels[mostly]}


def _y(scale: int) -> float:
    return round(TOP + (5 - scale) * (HEIGHT - TOP - BOTTOM) / 4, 1)


def chart(
    points: Sequence[HistoryPoint],
    *,
    days: int,
    now: datetime,
    labels: Mapping[int, str],
    title: str,
    description: str,
    locale: str,
) -> Chart:
    """The chart of ``points`` (oldest first) over the last ``days`` days up to ``now``."""
    start = now - timedelta(days=days)
    span = (now - start).total_seconds()
    plot_width = WIDTH - LEFT - RIGHT

    def x(at: datetime) -> float:
        return round(LEFT + max(0.0, (at - start).total_seconds()) / span * plot_width, 1)

    shown = tuple(
        Point(
            x(point.created_at),
            _y(point.scale),
            f"{format_datetime(point.created_at, format='medium', locale=locale)}: "
            f"{labels[point.scale]}",
        )
        for point in points
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        title=title,
        description=description,
        steps=tuple(Label(LEFT - 8, _y(s) + 4, labels[s], "end") for s in range(1, 6)),
        dates=tuple(
            Label(x(at), HEIGHT - 10, format_date(at, format="medium", locale=locale), anchor)
            for at, anchor in ((start, "start"), (now, "end"))
        ),
        points=shown,
        line=" ".join(f"{p.x},{p.y}" for p in shown) if len(shown) > 1 else "",
    )
