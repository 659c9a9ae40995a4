"""Charts as inline SVG made on the server: no JavaScript, no library, nothing fetched.

Each chart is an `<svg role="img">` with a title and a description that points to the table
holding the same figures (the text alternative), and scales to the width of its container
(viewBox), down to a width where its labels stay readable (`.chart-box .chart` in stats.css):
narrower, on a phone, it keeps that width inside a box that scrolls sideways and takes the
keyboard's focus, as the wide tables do. (Shrunk to a 360 px phone, the 14-unit labels of a
640-unit chart came out at about 7 px.) Texts are escaped; colours keep a 3:1 contrast with
the white background and each series is named in a legend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

INK = "#1b1b1b"
MUTED = "#5a6470"
COLOURS = ("#1a7f37", "#b42318", "#1f5fa8", "#8a5a00")
WIDTH = 640
LABEL_CHARS = 70


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _frame(chart_id: str, title: str, table_id: str, height: int, body: list[str]) -> SafeString:
    desc = format_html('<desc id="{}-desc">{}</desc>', chart_id, _see_table(table_id))
    head = format_html(
        '<svg class="chart" id="{0}" role="img" aria-labelledby="{0}-title {0}-desc" '
        'viewBox="0 0 {1} {2}" width="100%" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg" font-family="Noto Sans, Liberation Sans, Arial, '
        'sans-serif"><title id="{0}-title">{3}</title>',
        chart_id,
        WIDTH,
        height,
        title,
    )
    box = format_html(
        '<div class="chart-box" role="region" aria-labelledby="{}-title" tabindex="0">',
        chart_id,
    )
    return mark_safe(box + head + desc + "".join(body) + "</svg></div>")


def _see_table(table_id: str) -> str:
    from django.utils.translation import gettext as _

    return _("Số liệu của biểu đồ ở bảng ngay dưới (mã bảng: %(id)s).") % {"id": table_id}


def _legend(series: Sequence[Series], y: int) -> list[str]:
    parts, x = [], 0
    for s in series:
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="14" height="14" fill="{}"/>'
                '<text x="{}" y="{}" font-size="14" fill="{}">{}</text>',
                x,
                y,
                s.colour,
                x + 20,
                y + 12,
                INK,
                s.name,
            )
        )
        x += 30 + 9 * len(s.name)
    return parts


def stacked_bars(
    chart_id: str,
    title: str,
    table_id: str,
    series: Sequence[Series],
    rows: Sequence[tuple[str, Sequence[int]]],
) -> SafeString:
    """One horizontal bar per row, its segments one per series; the label above the bar and
    the total after it."""
    biggest = max((sum(values) for _label, values in rows), default=0) or 1
    bar_room = WIDTH - 70
    body, y = _legend(series, 0), 34
    for label, values in rows:
        body.append(
            format_html(
                '<text x="0" y="{}" font-size="14" fill="{}">{}</text>', y + 12, INK, _short(label)
            )
        )
        x = 0.0
        for value, s in zip(values, series, strict=True):
            w = bar_room * value / biggest
            if w > 0:
                body.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="16" fill="{}"/>',
                        f"{x:.1f}",
                        y + 18,
                        f"{w:.1f}",
                        s.colour,
                    )
                )
            x += w
        body.append(
            format_html(
                '<text x="{}" y="{}" font-size="13" fill="{}">{}</text>',
                f"{x + 6:.1f}",
                y + 31,
                MUTED,
                sum(values),
            )
        )
        y += 44
    return _frame(chart_id, title, table_id, max(y, 60), body)


def columns(
    chart_id: str,
    title: str,
    table_id: str,
    series: Sequence[Series],
    points: Sequence[tuple[str, Sequence[int]]],
) -> SafeString:
    """Grouped columns per point (e.g. a month): one column per series, values on a shared
    scale starting at zero, the largest value marked on the axis."""
    height, top, bottom, left = 260, 30, 40, 44
    biggest = max((max(values, default=0) for _label, values in points), default=0) or 1
    plot_h = height - top - bottom
    slot = (WIDTH - left) / max(len(points), 1)
    col_w = max(min(slot * 0.8 / max(len(series), 1), 40), 2)
    body = _legend(series, 0)
    body.append(
        format_html(
            '<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{3}"/>'
            '<text x="0" y="{4}" font-size="12" fill="{5}">{6}</text>'
            '<text x="0" y="{7}" font-size="12" fill="{5}">0</text>',
            left,
            height - bottom,
            WIDTH,
            MUTED,
            top + 10,
            INK,
            biggest,
            height - bottom,
        )
    )
    for i, (label, values) in enumerate(points):
        x0 = left + i * slot + (slot - col_w * len(series)) / 2
        for j, (value, s) in enumerate(zip(values, series, strict=True)):
            h = plot_h * value / biggest
            body.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    f"{x0 + j * col_w:.1f}",
                    f"{height - bottom - h:.1f}",
                    f"{col_w:.1f}",
                    f"{h:.1f}",
                    s.colour,
                )
            )
        if len(points) <= 12 or i % 2 == 0:
            body.append(
                format_html(
                    '<text x="{}" y="{}" font-size="12" fill="{}" text-anchor="middle">{}</text>',
                    f"{left + i * slot + slot / 2:.1f}",
                    height - bottom + 16,
                    INK,
                    label,
                )
            )
    return _frame(chart_id, title, table_id, height, body)


__all__ = ["Series", "columns", "stacked_bars"]
