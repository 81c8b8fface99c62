"""Small charts as inline SVG: no script, no library, no network, so a report opens offline and prints.

Every chart is an `<svg role="img">` with a `<title>` (what the chart shows) and text labels on the
marks themselves, so the figures can be read without telling colours apart; the colours come from
the Okabe–Ito palette, which stays distinguishable for the common colour-vision deficiencies.
Every piece of data is escaped: labels are client data and may contain markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Okabe & Ito (2008), "Color Universal Design".
BLUE = "#0072B2"
SKY = "#56B4E9"
GREEN = "#009E73"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9e2ec"
FAINT = "#e4e7eb"

PALETTE = (BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW)
GOOD, BAD, WARN = BLUE, VERMILLION, ORANGE

Formatter = Callable[[float], str]


def fmt_count(value: float) -> str:
    return f"{value:,.0f}"


def fmt_pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def fmt_score(value: float) -> str:
    return f"{value:.1f}"


def cut(text: str, limit: int) -> str:
    """Shorten a label for a chart axis; tables beside the chart show it whole."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def tag(name: str, attrs: dict | None = None, *children: object) -> Markup:
    """One SVG element. Attribute values and text children are escaped; Markup children are kept."""
    parts = [f"<{name}"]
    for key, value in (attrs or {}).items():
        if value is None:
            continue
        if isinstance(value, float):
            value = _num(value)
        parts.append(f' {key.rstrip("_").replace("_", "-")}="{escape(value)}"')
    if not children:
        return Markup("".join(parts) + "/>") if name != "title" else Markup("".join(parts) + "></title>")
    body = "".join(str(c) if isinstance(c, Markup) else str(escape(c)) for c in children)
    return Markup("".join(parts) + ">" + body + f"</{name}>")


def svg(kind: str, width: float, height: float, title: str, *children: Markup, css: str = "chart",
        caption: str = "") -> Markup:
    """The chart's outer element: fixed viewBox, scales down with the page; `data-chart` names its kind.
    `caption` is drawn as a visible heading above the marks (the `<title>` is for screen readers)."""
    if caption:
        children = (text(0, 15, caption, css="caption", weight="600"),
                    tag("g", {"transform": f"translate(0,{CAPTION_H})"}, *children))
        height += CAPTION_H
    return tag(
        "svg",
        {"class": css, "data-chart": kind, "viewBox": f"0 0 {_num(width)} {_num(height)}", "width": float(width),
         "height": float(height), "role": "img", "aria-label": title},
        tag("title", None, title),
        *children,
    )


CAPTION_H = 24


def text(x: float, y: float, content: object, *, anchor: str = "start", css: str = "label",
         fill: str | None = None, weight: str | None = None) -> Markup:
    return tag("text", {"class": css, "x": float(x), "y": float(y), "text-anchor": anchor, "fill": fill,
                        "font-weight": weight}, str(content))


# --- horizontal bars ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BarItem:
    label: str
    value: float | None
    """None draws an empty track with a dash: no figure (e.g. a KPI the run did not measure)."""
    colour: str = BLUE
    baseline: float | None = None
    """An earlier value drawn as a tick across the bar (before → after)."""
    note: str = ""
    """Text after the figure, e.g. the severity."""


def hbar_chart(items: Sequence[BarItem], *, title: str, kind: str = "bars", fmt: Formatter = fmt_count,
               max_value: float | None = None, label_chars: int = 22, width: int = 760,
               baseline_label: str = "before", caption: str = "") -> Markup:
    """One labelled bar per item, the figure printed after it; `max_value` fixes the scale (1.0 for shares)."""
    row, top, label_w, value_w = 24, 6, 190, 150
    track = width - label_w - value_w - 10
    values = [i.value for i in items if i.value is not None] + [i.baseline for i in items if i.baseline is not None]
    scale = max_value if max_value is not None else max(values, default=0)
    scale = scale if scale and scale > 0 else 1
    height = top + row * max(len(items), 1) + 6
    rows = []
    for index, item in enumerate(items):
        y = top + index * row
        parts = [text(label_w - 8, y + 15, cut(item.label, label_chars), anchor="end"),
                 tag("rect", {"x": float(label_w), "y": float(y + 4), "width": float(track), "height": 14.0,
                              "fill": FAINT, "class": "track"})]
        if item.value is not None:
            w = max(0.0, min(1.0, item.value / scale)) * track
            tip = f"{item.label}: {fmt(item.value)}"
            parts.append(tag("rect", {"class": "bar", "x": float(label_w), "y": float(y + 4), "width": round(w, 1),
                                      "height": 14.0, "fill": item.colour}, tag("title", None, tip)))
        if item.baseline is not None:
            bx = label_w + max(0.0, min(1.0, item.baseline / scale)) * track
            parts.append(tag("line", {"class": "baseline", "x1": round(bx, 1), "x2": round(bx, 1), "y1": float(y + 1),
                                      "y2": float(y + 21), "stroke": INK, "stroke-width": 2.0},
                             tag("title", None, f"{baseline_label}: {fmt(item.baseline)}")))
        figure = "—" if item.value is None else fmt(item.value)
        parts.append(text(label_w + track + 8, y + 15, f"{figure}{'  ' + item.note if item.note else ''}",
                          css="value"))
        rows.append(tag("g", {"class": "bar-row", "data-label": item.label,
                              "data-value": "" if item.value is None else repr(item.value)}, *parts))
    if not items:
        rows.append(text(label_w, top + 15, "nothing to show", css="muted"))
    return svg(kind, width, height, title, *rows, caption=caption)


# --- stacked bars ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    label: str
    value: float
    colour: str


def stacked_chart(rows: Sequence[tuple[str, Sequence[Segment]]], *, title: str, kind: str = "stacked",
                  fmt: Formatter = fmt_count, width: int = 760, caption: str = "") -> Markup:
    """One bar per row split into segments (shares of the row's total), with a legend line on top."""
    row_h, top, label_w, total_w = 30, 26, 150, 90
    track = width - label_w - total_w - 10
    legend, seen = [], {}
    for _, segments in rows:
        for s in segments:
            seen.setdefault(s.label, s.colour)
    x = label_w
    for label, colour in seen.items():
        legend.append(tag("rect", {"x": float(x), "y": 6.0, "width": 11.0, "height": 11.0, "fill": colour}))
        legend.append(text(x + 15, 16, label, css="legend"))
        x += 30 + 8 * len(label) + 6 * sum(1 for ch in label if ord(ch) > 0x2E80)
    body = []
    for index, (name, segments) in enumerate(rows):
        y = top + index * row_h
        total = sum(s.value for s in segments)
        parts = [text(label_w - 8, y + 17, cut(name, 20), anchor="end")]
        start = 0.0
        for s in segments:
            if total <= 0 or s.value <= 0:
                continue
            w = s.value / total * track
            parts.append(tag("rect", {"class": "segment", "data-segment": s.label, "x": round(label_w + start, 1),
                                      "y": float(y + 4), "width": round(w, 1), "height": 18.0, "fill": s.colour},
                             tag("title", None, f"{name} · {s.label}: {fmt(s.value)}")))
            if w > 44:
                parts.append(text(label_w + start + w / 2, y + 17, fmt(s.value), anchor="middle", css="on-bar",
                                  fill="#ffffff" if s.colour not in (YELLOW, FAINT, SKY) else INK))
            start += w
        if total <= 0:
            parts.append(tag("rect", {"x": float(label_w), "y": float(y + 4), "width": float(track), "height": 18.0,
                                      "fill": FAINT}))
        parts.append(text(label_w + track + 8, y + 17, fmt(total), css="value"))
        body.append(tag("g", {"class": "bar-row", "data-label": name}, *parts))
    height = top + row_h * max(len(rows), 1) + 4
    return svg(kind, width, height, title, *legend, *body, caption=caption)


# --- funnel ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FunnelStep:
    label: str
    count: int | None
    """None: the step did not run (drawn as an empty outline with `note`)."""
    drops: tuple[tuple[str, int], ...] = ()
    """Rows lost on the way into this step: (why, how many), e.g. ("merged", 12)."""
    note: str = ""


def funnel_chart(steps: Sequence[FunnelStep], *, title: str, width: int = 760) -> Markup:
    """Rows through the stages: one centred bar per step, its width the share of the first step's rows;
    what fell out on the way into a step is written on the right, in the colour of why it fell out."""
    row_h, label_w, drop_w = 40, 150, 210
    track = width - label_w - drop_w - 20
    first = next((s.count for s in steps if s.count is not None), 0) or 0
    centre = label_w + 10 + track / 2
    body = []
    for index, step in enumerate(steps):
        y = index * row_h + 4
        parts = [text(label_w, y + 21, step.label, anchor="end")]
        if step.count is None:
            parts.append(tag("rect", {"class": "not-run", "x": float(label_w + 10), "y": float(y + 4),
                                      "width": float(track), "height": 26.0, "fill": "none", "stroke": MUTED,
                                      "stroke-dasharray": "5 4"}, tag("title", None, f"{step.label}: {step.note}")))
            parts.append(text(centre, y + 21, step.note or "not run", anchor="middle", css="muted"))
        else:
            share = step.count / first if first else 0.0
            w = max(2.0, share * track) if step.count else 0.0
            parts.append(tag("rect", {"class": "step", "x": round(centre - w / 2, 1), "y": float(y + 4),
                                      "width": round(w, 1), "height": 26.0, "fill": BLUE},
                             tag("title", None, f"{step.label}: {step.count:,}")))
            inside = w > 90
            parts.append(text(centre if inside else centre + w / 2 + 6, y + 22, f"{step.count:,}",
                              anchor="middle" if inside else "start", css="on-bar" if inside else "value",
                              fill="#ffffff" if inside else None, weight="700"))
        dy = y + 14
        for why, count in step.drops:
            colour = ORANGE if why.startswith(("merged", "合并")) else VERMILLION
            parts.append(text(width - drop_w, dy, f"−{count:,} {why}", css="drop", fill=colour, weight="600"))
            dy += 14
        if step.note and step.count is not None:
            parts.append(text(width - drop_w, dy, step.note, css="muted"))
        body.append(tag("g", {"class": "funnel-step", "data-step": step.label,
                              "data-count": "" if step.count is None else str(step.count)}, *parts))
    height = row_h * max(len(steps), 1) + 8
    return svg("funnel", width, height, title, *body)


# --- line chart --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    label: str
    """The x label (a date); the chart spaces points evenly in the given order."""
    value: float | None
    anomaly: bool = False


def line_chart(points: Sequence[Point], *, title: str, fmt: Formatter = fmt_pct, threshold: float | None = None,
               threshold_label: str = "threshold", width: int = 360, height: int = 170,
               bounds: tuple[float, float] | None = None, caption: str = "") -> Markup:
    """A trend: the line, a dashed threshold line, anomalies as large rings with a cross (shape, not
    only colour), first and last dates under the axis, min and max of the scale beside it."""
    left, right, top, bottom = 52, 18, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [p.value for p in points if p.value is not None and not math.isnan(p.value)]
    lo, hi = _range(values + ([threshold] if threshold is not None else []), bounds)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)
        return round(x, 1), round(top + plot_h * (1 - (v - lo) / (hi - lo)), 1)

    parts = [tag("rect", {"x": float(left), "y": float(top), "width": float(plot_w), "height": float(plot_h),
                          "fill": "#ffffff", "stroke": GRID}),
             text(left - 4, top + 9, fmt(hi), anchor="end", css="axis"),
             text(left - 4, top + plot_h, fmt(lo), anchor="end", css="axis")]
    if points:
        parts.append(text(left, height - 8, points[0].label, css="axis"))
        if len(points) > 1:
            parts.append(text(left + plot_w, height - 8, points[-1].label, anchor="end", css="axis"))
    if threshold is not None:
        _, ty = xy(0, threshold)
        parts.append(tag("line", {"class": "threshold", "x1": float(left), "x2": float(left + plot_w), "y1": ty,
                                  "y2": ty, "stroke": VERMILLION, "stroke-width": 1.5, "stroke-dasharray": "6 4"},
                         tag("title", None, f"{threshold_label}: {fmt(threshold)}")))
        parts.append(text(left + plot_w - 2, ty - 3, f"{threshold_label} {fmt(threshold)}", anchor="end",
                          css="axis", fill=VERMILLION))
    coords = [(i, xy(i, p.value)) for i, p in enumerate(points) if p.value is not None and not math.isnan(p.value)]
    if len(coords) > 1:
        line = " ".join(f"{_num(x)},{_num(y)}" for _, (x, y) in coords)
        parts.append(tag("polyline", {"class": "trend", "points": line,
                                      "fill": "none", "stroke": BLUE, "stroke-width": 2.0}))
    dots = len(coords) <= 60
    for i, (x, y) in coords:
        point = points[i]
        tip = f"{point.label}: {fmt(point.value)}"
        if point.anomaly:
            parts.append(tag("g", {"class": "anomaly", "data-label": point.label},
                             tag("title", None, f"anomaly · {tip}"),
                             tag("circle", {"cx": x, "cy": y, "r": 7.0, "fill": "none", "stroke": VERMILLION,
                                            "stroke-width": 2.5}),
                             tag("path", {"d": f"M{_num(x - 3)},{_num(y - 3)} L{_num(x + 3)},{_num(y + 3)} "
                                               f"M{_num(x - 3)},{_num(y + 3)} L{_num(x + 3)},{_num(y - 3)}",
                                          "stroke": VERMILLION, "stroke-width": 2.0})))
        elif dots or i == coords[-1][0]:
            parts.append(tag("circle", {"class": "point", "cx": x, "cy": y, "r": 2.5, "fill": BLUE},
                             tag("title", None, tip)))
    if coords:
        latest = fmt(points[coords[-1][0]].value)
        caption = f"{caption} · {latest}" if caption else caption
    else:
        parts.append(text(left + plot_w / 2, top + plot_h / 2, "no history", anchor="middle", css="muted"))
    return svg("trend", width, height, title, *parts, css="chart trend", caption=caption)


def _range(values: list[float], bounds: tuple[float, float] | None) -> tuple[float, float]:
    """The y scale: the data (and threshold) with a margin, so a 0.2-point dip shows; `bounds` caps it."""
    if not values:
        return bounds or (0.0, 1.0)
    lo, hi = min(values), max(values)
    span = hi - lo
    pad = span * 0.15 if span else max(abs(hi) * 0.02, 0.01)
    lo, hi = lo - pad, hi + pad
    if bounds:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    if hi <= lo:
        hi = lo + 1e-9
    return lo, hi


# --- gauge -------------------------------------------------------------------------------------------


def gauge(value: float | None, *, title: str, maximum: float = 100.0, threshold: float | None = None,
          fmt: Formatter = fmt_score, subtitle: str = "", width: int = 220) -> Markup:
    """A half-circle dial for a score (health 0–100): the figure in the middle, a tick at the threshold.
    The arc is blue at or above the threshold and vermillion below; the words under it say the same."""
    cx, cy, r, stroke = width / 2, 104.0, 84.0, 18.0
    height = 150

    def at(share: float) -> tuple[float, float]:
        angle = math.pi * (1 - max(0.0, min(1.0, share)))
        return round(cx + r * math.cos(angle), 2), round(cy - r * math.sin(angle), 2)

    x0, y0 = at(0)
    x1, y1 = at(1)
    parts = [tag("path", {"class": "gauge-track", "d": f"M{x0},{y0} A{r},{r} 0 0 1 {x1},{y1}", "fill": "none",
                          "stroke": FAINT, "stroke-width": stroke})]
    if value is not None:
        share = value / maximum if maximum else 0.0
        good = threshold is None or value >= threshold
        xv, yv = at(share)
        if share > 0:
            parts.append(tag("path", {"class": "gauge-value", "d": f"M{x0},{y0} A{r},{r} 0 0 1 {xv},{yv}",
                                      "fill": "none", "stroke": GOOD if good else BAD, "stroke-width": stroke},
                             tag("title", None, f"{title}: {fmt(value)} / {fmt(maximum)}")))
        parts.append(text(cx, cy - 14, fmt(value), anchor="middle", css="gauge-figure", weight="700"))
    else:
        parts.append(text(cx, cy - 14, "—", anchor="middle", css="gauge-figure"))
    if threshold is not None:
        (tx, ty), (ux, uy) = _tick(cx, cy, r, stroke, threshold / maximum if maximum else 0)
        parts.append(tag("line", {"class": "gauge-threshold", "x1": tx, "y1": ty, "x2": ux, "y2": uy, "stroke": INK,
                                  "stroke-width": 2.5}, tag("title", None, f"threshold {fmt(threshold)}")))
    parts.append(text(cx, cy + 22, subtitle or f"of {fmt(maximum)}", anchor="middle", css="muted"))
    return svg("gauge", width, height, title, *parts, css="chart gauge")


def _tick(cx, cy, r, stroke, share):
    angle = math.pi * (1 - max(0.0, min(1.0, share)))
    inner, outer = r - stroke / 2 - 4, r + stroke / 2 + 4
    return ((round(cx + inner * math.cos(angle), 2), round(cy - inner * math.sin(angle), 2)),
            (round(cx + outer * math.cos(angle), 2), round(cy - outer * math.sin(angle), 2)))


def legend(entries: Iterable[tuple[str, str]]) -> Markup:
    """An HTML legend line for charts whose colours carry meaning: (label, colour) pairs."""
    items = "".join(f'<span><i style="background:{escape(c)}"></i>{escape(label)}</span>' for label, c in entries)
    return Markup(f'<div class="legend">{items}</div>')
