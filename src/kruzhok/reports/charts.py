"""Charts drawn on the server as small inline SVG: horizontal bars and lines over months.

Hand-written rather than pygal: pygal's SVG loads its tooltips script from a CDN unless told
otherwise and carries a stylesheet per chart, while these two shapes are a few dozen lines
each. Each chart is an `<svg role="img">` with a title and a description, scales with its
container (viewBox), and sits beside the table that holds the same figures, which is what a
screen reader reads. Every text is escaped.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Bootstrap's palette, distinguishable in grey as well (different lightness).
COLOURS = ("#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997")
FONT = 'font-family="system-ui, sans-serif" font-size="13"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the table shows it


def bar_chart(*, title: str, bars: Sequence[Bar], maximum: float | None = None) -> SafeString:
    """Horizontal bars, one per label, scaled to `maximum` (default: the largest value).

    Each label sits above its bar, so a long name fits a phone's width (360 units, drawn at
    about one unit a pixel on a phone and at most twice that on a wide screen)."""
    row, width, value_room = 40, 360, 80
    top = max((b.value for b in bars), default=0)
    scale_to = maximum if maximum else top
    height = row * len(bars) + 4
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" class="report-chart" style="max-width: 720px" {FONT}>',
        f"<title>{escape(title)}</title>",
    ]
    bar_room = width - value_room
    for index, bar in enumerate(bars):
        y = index * row
        length = 0.0 if scale_to <= 0 else max(0.0, min(1.0, bar.value / scale_to)) * bar_room
        parts.append(
            f'<text x="0" y="{y + 14}">{escape(bar.label)}</text>'
            f'<rect x="0" y="{y + 20}" width="{length:.1f}" height="14" '
            f'fill="{COLOURS[0]}" rx="2"/>'
            f'<text x="{length + 6:.1f}" y="{y + 32}">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    value_text: Callable[[int], str],
) -> SafeString:
    """Lines over the same x labels (months), with a legend and the top of the scale."""
    width, height, left, right, top, bottom = 360, 240, 80, 10, 44, 30
    top_value = max((v for s in series for v in s.values), default=0)
    top_value = top_value if top_value > 0 else 1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(labels) - 1)

    def x(i: int) -> float:
        return left + (i * step if len(labels) > 1 else plot_w / 2)

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / top_value

    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" class="report-chart" style="max-width: 720px" {FONT}>',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#6c757d"/>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'stroke="#6c757d"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{escape(value_text(top_value))}'
        "</text>",
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    every = max(1, len(labels) // 4)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for n, line in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(line.values))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        legend_x, legend_y = (n % 3) * 120, 4 + (n // 3) * 18
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 16}" y="{legend_y + 11}">{escape(line.name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
