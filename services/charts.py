"""Charts as SVG text drawn here (no charting library, no script, no CDN): a bar chart of
one or two series per label (e.g. tickets created and closed per day) and a line chart.
Every label is XML-escaped; the SVG can be inlined in a page under a strict CSP."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 240
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 40, 30, 20
COLORS = ("#3b82f6", "#10b981", "#f59e0b", "#ef4444")


def _scale_max(values: Sequence[float]) -> float:
    top = max((v for v in values if v is not None), default=0)
    return float(top) if top > 0 else 1.0


def _frame(title: str, top: float, body: list[str], width: int, height: int) -> str:
    plot_bottom = height - MARGIN_BOTTOM
    axis = (
        f'<line x1="{MARGIN_LEFT}" y1="{plot_bottom}" x2="{width}" y2="{plot_bottom}" '
        'stroke="#888"/>'
        f'<text x="{MARGIN_LEFT - 4}" y="{MARGIN_TOP + 4}" text-anchor="end" '
        f'font-size="10">{_number(top)}</text>'
        f'<text x="{MARGIN_LEFT - 4}" y="{plot_bottom}" text-anchor="end" font-size="10">0</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title, _QUOTE)}">'
        f"<title>{escape(title)}</title>{axis}{''.join(body)}</svg>"
    )


_QUOTE = {'"': "&quot;"}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _label_every(count: int, width: int) -> int:
    """Show every n-th label so they do not overlap (about 40 px per label)."""
    return max(1, -(-count * 40 // max(width - MARGIN_LEFT, 1)))


def bar_chart_svg(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Grouped bars: for each label one bar per series (series in the legend's order). A
    bar's height is value / max × plot height; each bar has a <title> with its value."""
    names = list(series)
    top = _scale_max([v for values in series.values() for v in values])
    plot_width, plot_height = width - MARGIN_LEFT, height - MARGIN_BOTTOM - MARGIN_TOP
    slot = plot_width / max(len(labels), 1)
    bar = max(slot * 0.8 / max(len(names), 1), 1.0)
    every = _label_every(len(labels), width)
    body: list[str] = []
    for i, label in enumerate(labels):
        x0 = MARGIN_LEFT + i * slot + slot * 0.1
        for j, name in enumerate(names):
            value = series[name][i]
            h = plot_height * value / top
            y = height - MARGIN_BOTTOM - h
            body.append(
                f'<rect class="bar" data-series="{escape(name, _QUOTE)}" x="{x0 + j * bar:.2f}" '
                f'y="{y:.2f}" width="{bar:.2f}" height="{h:.2f}" '
                f'fill="{COLORS[j % len(COLORS)]}"><title>{escape(label)} · {escape(name)}: '
                f"{_number(value)}</title></rect>"
            )
        if i % every == 0:
            body.append(
                f'<text x="{x0 + slot * 0.4:.2f}" y="{height - MARGIN_BOTTOM + 14}" '
                f'text-anchor="middle" font-size="10">{escape(label)}</text>'
            )
    body.extend(_legend(names, width))
    return _frame(title, top, body, width, height)


def line_chart_svg(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """One polyline per series over the labels, scaled like `bar_chart_svg`."""
    top = _scale_max([v for values in series.values() for v in values])
    plot_width, plot_height = width - MARGIN_LEFT, height - MARGIN_BOTTOM - MARGIN_TOP
    step = plot_width / max(len(labels) - 1, 1)
    body: list[str] = []
    for j, (name, values) in enumerate(series.items()):
        points = " ".join(
            f"{MARGIN_LEFT + i * step:.2f},{height - MARGIN_BOTTOM - plot_height * v / top:.2f}"
            for i, v in enumerate(values)
        )
        body.append(
            f'<polyline class="line" data-series="{escape(name, _QUOTE)}" fill="none" '
            f'stroke="{COLORS[j % len(COLORS)]}" stroke-width="2" points="{points}"/>'
        )
    every = _label_every(len(labels), width)
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(
                f'<text x="{MARGIN_LEFT + i * step:.2f}" y="{height - MARGIN_BOTTOM + 14}" '
                f'text-anchor="middle" font-size="10">{escape(label)}</text>'
            )
    body.extend(_legend(list(series), width))
    return _frame(title, top, body, width, height)


def _legend(names: list[str], width: int) -> list[str]:
    items = []
    for j, name in enumerate(names):
        x = width - 120 * (len(names) - j)
        items.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{COLORS[j % len(COLORS)]}"/>'
            f'<text x="{x + 14}" y="13" font-size="11">{escape(name)}</text>'
        )
    return items
