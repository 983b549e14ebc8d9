"""Small PNG charts for alert e-mails and the daily brief, with Chinese labels.

``trend_png(points, title)`` draws posts per hour or per day as bars; ``bars_png(items, title)`` draws counts
per label (categories, districts) as horizontal bars. Both return PNG bytes of about 600x240 pixels.

Rendering never touches pyplot or the global rcParams: each chart is a ``matplotlib.figure.Figure`` on its own
Agg canvas, and every text gets the CJK font explicitly. The font is looked up once through
``matplotlib.font_manager`` (Noto Sans CJK SC first, then other fonts known to cover Chinese, then any installed
font that has the glyphs); ``chart_font()`` says which. Without one, charts still render (Chinese shows as
empty boxes) and ONE warning says what to install. Output is deterministic: same data, same bytes.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

from indexer.query import LOCAL_TZ

__all__ = ["trend_png", "bars_png", "chart_font", "ChartFont", "CJK_PROBE"]

log = logging.getLogger(__name__)

# families known to cover simplified Chinese, best first
PREFERRED_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans CJK",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB",
    "Heiti SC", "SimHei", "Sarasa Gothic SC", "Droid Sans Fallback", "Noto Serif CJK SC", "AR PL UMing CN",
)
CJK_PROBE = "社情帖子数日期时间类别预警"  # characters every chart uses
WIDTH_IN, HEIGHT_IN, DPI = 6.0, 2.4, 100
BAR_COLOUR = "#1f6fd1"
TEXT_COLOUR = "#333333"
MAX_BARS = 24 * 62  # longest series filled bucket by bucket


@dataclass(frozen=True)
class ChartFont:
    family: str  # the family name matplotlib knows it by
    path: str  # the font file


def _covers(path: str, index: int, text: str) -> bool:
    try:
        from matplotlib.ft2font import FT2Font

        charmap = FT2Font(path, face_index=index).get_charmap()
    except Exception:  # an unreadable font file is simply not a candidate
        return False
    return all(ord(ch) in charmap for ch in text)


@lru_cache(maxsize=1)
def chart_font() -> ChartFont | None:
    """The font charts use for Chinese, or None (logged once) when no installed font covers Chinese."""
    entries = sorted(font_manager.fontManager.ttflist,
                     key=lambda e: (e.style != "normal", abs(_weight(e.weight) - 400), e.fname, e.name))
    by_name: dict[str, list] = {}
    for entry in entries:
        by_name.setdefault(entry.name, []).append(entry)
    for family in PREFERRED_FAMILIES:
        for entry in by_name.get(family, ()):
            if _covers(entry.fname, getattr(entry, "index", 0), CJK_PROBE):
                return ChartFont(entry.name, entry.fname)
    for entry in entries:  # any other font with the glyphs
        if _covers(entry.fname, getattr(entry, "index", 0), CJK_PROBE):
            return ChartFont(entry.name, entry.fname)
    log.warning("no font with Chinese characters found: chart labels will show as empty boxes. Install "
                "'fonts-noto-cjk' (Debian/Ubuntu; 'make' does) or any CJK font, then delete matplotlib's font "
                "cache (~/.cache/matplotlib) so it is found")
    return None


def _weight(value) -> int:
    if isinstance(value, int):
        return value
    return {"light": 300, "normal": 400, "regular": 400, "medium": 500, "bold": 700}.get(str(value).lower(), 400)


def _props(size: float, weight: str = "normal") -> FontProperties:
    font = chart_font()
    family = [font.family, "DejaVu Sans"] if font else ["DejaVu Sans"]
    return FontProperties(family=family, size=size, weight=weight)


def _figure() -> tuple[Figure, object]:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white", layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    font = chart_font()
    ax.tick_params(labelsize=8, colors=TEXT_COLOUR,
                   labelfontfamily=[font.family, "DejaVu Sans"] if font else "DejaVu Sans")
    return fig, ax


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        if chart_font() is None:  # already said once; not one warning per missing glyph
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from")
        fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _empty(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, "暂无数据", ha="center", va="center", transform=ax.transAxes, color="#888888",
            fontproperties=_props(11))


def _local(t: datetime) -> datetime:
    return t.astimezone(LOCAL_TZ) if t.tzinfo else t.replace(tzinfo=LOCAL_TZ)


def _filled(points: list[tuple[datetime, int]], step: timedelta) -> list[tuple[datetime, int]]:
    """The points with the empty buckets between them added as zeros (stores return non-empty buckets only)."""
    counts: dict[datetime, int] = {}
    for t, n in points:
        counts[t] = counts.get(t, 0) + int(n)
    first, last = points[0][0], points[-1][0]
    if (last - first) / step > MAX_BARS:  # too long a range to fill: draw the buckets as given
        return sorted(counts.items())
    out, t = [], first
    while t <= last:
        out.append((t, counts.pop(t, 0)))
        t += step
    return sorted(out + list(counts.items()))  # buckets off the grid (odd input) are kept, not dropped


def trend_png(points: list[tuple[datetime, int]], title: str, *, ylabel: str = "帖子数",
              step: timedelta | None = None) -> bytes:
    """Bars of a count per time bucket, labelled in local time (Asia/Shanghai).

    ``step`` is the bucket size; by default hours when any bucket starts off local midnight, else days.
    Missing buckets between the first and the last point are drawn as zero.
    """
    points = sorted(((_local(t), int(n)) for t, n in points), key=lambda p: p[0])
    fig, ax = _figure()
    ax.set_title(title, fontproperties=_props(11, "bold"), color=TEXT_COLOUR, loc="left")
    if not points:
        _empty(ax)
        return _png(fig)
    if step is None:
        hourly = any((t.hour, t.minute, t.second) != (0, 0, 0) for t, _ in points)
        step = timedelta(hours=1) if hourly else timedelta(days=1)
    points = _filled(points, step)
    if step < timedelta(days=1):
        labels, xlabel = [t.strftime("%H:%M") for t, _ in points], "时间（北京时间）"
    else:
        labels, xlabel = [t.strftime("%m-%d") for t, _ in points], "日期"
    counts = [n for _, n in points]
    positions = list(range(len(points)))
    ax.bar(positions, counts, color=BAR_COLOUR, width=0.8)
    stride = max(1, math.ceil(len(points) / 8))
    ax.set_xticks(positions[::stride], labels[::stride])
    ax.set_xlim(-0.6, len(points) - 0.4)
    ax.set_ylim(0, max(1, max(counts)) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    ax.set_xlabel(xlabel, fontproperties=_props(9), color=TEXT_COLOUR)
    ax.set_ylabel(ylabel, fontproperties=_props(9), color=TEXT_COLOUR)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    return _png(fig)


def bars_png(items: list[tuple[str, int]], title: str, *, xlabel: str = "帖子数", limit: int = 8) -> bytes:
    """Horizontal bars of counts per label, largest on top (at most ``limit`` bars), each with its value."""
    items = [(str(label), int(n)) for label, n in items][:limit]
    fig, ax = _figure()
    ax.set_title(title, fontproperties=_props(11, "bold"), color=TEXT_COLOUR, loc="left")
    if not items:
        _empty(ax)
        return _png(fig)
    labels = [_shorten(label) for label, _ in reversed(items)]
    counts = [n for _, n in reversed(items)]
    bars = ax.barh(range(len(items)), counts, color=BAR_COLOUR, height=0.7)
    ax.set_yticks(range(len(items)), labels)
    ax.bar_label(bars, labels=[str(n) for n in counts], padding=3, fontproperties=_props(8), color=TEXT_COLOUR)
    ax.set_xlim(0, max(1, max(counts)) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.set_xlabel(xlabel, fontproperties=_props(9), color=TEXT_COLOUR)
    return _png(fig)


def _shorten(label: str, width: int = 12) -> str:
    label = " ".join(label.split())
    return label if len(label) <= width else label[:width - 1] + "…"
