"""Bar charts as geometry: the templates draw them as inline SVG (no script, no external resource).

Only numbers and strings leave this module; Jinja escapes every label when it writes the SVG.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

FONT_PX = 13
ROW_H = 24
BAR_H = 16
BAR_AREA = 420
PAD = 8


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    cls: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"
    cls: str = "lbl"


@dataclass(frozen=True)
class Segment:
    value: float
    cls: str
    title: str


@dataclass(frozen=True)
class Row:
    label: str
    segments: Sequence[Segment]
    total_text: str = ""


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)


def text_width(text: str) -> float:
    """Rough rendered width: CJK and other wide characters take a full em, the rest a little over half."""
    return sum(FONT_PX if unicodedata.east_asian_width(ch) in "WF" else FONT_PX * 0.6 for ch in text)


def hbar_chart(
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[Row],
    *,
    max_value: float | None = None,
    legend: Sequence[tuple[str, str]] = (),
) -> Chart:
    """Horizontal (stacked) bars, one row per label; ``max_value`` fixes the scale (e.g. 100 for percentages)."""
    label_w = max((text_width(r.label) for r in rows), default=0.0) + PAD
    totals = [sum(s.value for s in r.segments) for r in rows]
    scale_max = max_value if max_value is not None else max(totals, default=0.0)
    scale = BAR_AREA / scale_max if scale_max > 0 else 0.0
    total_w = max((text_width(r.total_text) for r in rows), default=0.0) + PAD
    width = int(round(label_w + BAR_AREA + total_w + 2 * PAD))
    height = int(PAD * 2 + ROW_H * max(len(rows), 1))
    chart = Chart(id=chart_id, title=title, desc=desc, width=width, height=height, legend=list(legend))
    x0 = PAD + label_w
    for i, row in enumerate(rows):
        y = PAD + i * ROW_H
        chart.labels.append(Label(x=round(x0 - PAD / 2, 1), y=round(y + BAR_H - 3, 1), text=row.label, anchor="end"))
        x = x0
        if max_value is not None:  # a fixed scale (percentages) gets a track, so 0 % still reads as a bar
            chart.rects.append(Rect(x=round(x0, 1), y=y, w=BAR_AREA, h=BAR_H, cls="track", title=row.total_text))
        for seg in row.segments:
            if seg.value <= 0:
                continue
            w = round(seg.value * scale, 1)
            chart.rects.append(Rect(x=round(x, 1), y=y, w=w, h=BAR_H, cls=seg.cls, title=seg.title))
            x += w
        if row.total_text:
            chart.labels.append(Label(x=round(x + PAD / 2, 1), y=round(y + BAR_H - 3, 1),
                                      text=row.total_text, cls="val"))
    return chart
