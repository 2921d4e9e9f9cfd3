"""Line charts as PNG bytes, drawn with matplotlib's object API on the Agg canvas.

No pyplot: nothing global, no display, safe to call from a worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

WIDTH, HEIGHT, DPI = 8.0, 4.5, 100  # 800 × 450 pixels: sharp on a phone, small to send
UP_COLOUR, DOWN_COLOUR = "#1a7f37", "#cf222e"
PALETTE = (
    "#0969da",
    "#cf222e",
    "#1a7f37",
    "#8250df",
    "#bf8700",
    "#1b7c83",
    "#e16f24",
    "#6e7781",
    "#d1242f",
    "#2da44e",
    "#a475f9",
    "#57606a",
)


# Fonts that hold Chinese characters, as font packages name them; the first one installed
# draws a chart's Chinese words. Without any, the picture keeps to Latin letters.
CHINESE_FONTS = (
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans TC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "AR PL UMing TW",
    "Droid Sans Fallback",
    "PingFang HK",
    "Microsoft JhengHei",
)


@cache
def chinese_font() -> str | None:
    """The name of an installed font that can draw Chinese, if there is one."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CHINESE_FONTS if name in installed), None)


@dataclass(frozen=True)
class Line:
    label: str
    days: Sequence[date]
    values: Sequence[float]


def line_chart(
    title: str,
    lines: Sequence[Line],
    *,
    y_label: str,
    annotate_last: bool = True,
    font: str | None = None,
) -> bytes:
    """One or more lines of daily values; a single line is coloured by its direction. `font`
    names the font for Chinese words (see `chinese_font`)."""
    from matplotlib import rc_context
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    title, y_label = _literal(title), _literal(y_label)
    with rc_context({"font.sans-serif": [font, "DejaVu Sans"]} if font else None):
        figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
        axes = figure.add_subplot()
        single = len(lines) == 1
        for number, line in enumerate(lines):
            rising = line.values[-1] >= line.values[0]
            colour = (UP_COLOUR if rising else DOWN_COLOUR) if single else PALETTE[number % 12]
            # matplotlib plots dates; its stubs say floats
            axes.plot(
                list(line.days),  # type: ignore[arg-type]
                line.values,
                color=colour,
                linewidth=2 if single else 1.4,
                label=_literal(line.label),
            )
            if annotate_last:
                axes.annotate(
                    f"{line.values[-1]:,.2f}",
                    (line.days[-1], line.values[-1]),
                    xytext=(6, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=9,
                    color=colour,
                )
        locator = AutoDateLocator(minticks=4, maxticks=8)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        axes.set_title(title, loc="left", fontsize=12, fontweight="bold")
        axes.set_ylabel(y_label)
        axes.grid(alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
        axes.margins(x=0.08 if annotate_last else 0.02)
        if not single:
            axes.legend(fontsize=8, ncols=2, frameon=False, loc="upper left")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _literal(text: str) -> str:
    """Text shown as typed: a "$" would otherwise start matplotlib's math mode."""
    return text.replace("$", r"\$")
