"""The chart pack: the charts a PCN or practice meeting goes through, in order.

The same list feeds meeting mode (one chart per screen) and `practice-desk export --png DIR`
(one PNG per chart, named 01-..., 02-... so they sort in pack order). Monthly figures are the SPC
charts the Overview shows (limits, special causes, target, notes, icons); practices compared are
the PCN page's bars. Each chart's title has a subtitle naming the scope and the months; with
anonymise on, practices read 'Practice A, B, ...'.

Pack order, skipping charts with no figures: for a PCN, its monthly charts (the PCN as a whole)
then the practices compared for the range's last month; for practices, each practice's monthly
charts, then the practices compared when there are several.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from local_db import queries
from practice_desk import headline, notes, targets
from practice_desk.metrics import Selection, demand, metric_rows
from practice_desk.metrics.definitions import name_of, tooltip
from practice_desk.metrics.national import NATIONAL_KEYS, national_series
from practice_desk.reports.anonymise import Anonymiser
from practice_desk.reports.comparison import compare
from practice_desk.reports.scope import ExportScope
from ui import theme
from ui.charts import month_label, period_text
from ui.comparison_chart import BARS, ComparisonChart
from ui.export import Caption, caption_html
from ui.names import pcn_label
from ui.spc_chart import SPCChart

MONTHLY_KEYS = ["f2f_share", "within_14_days_share", "dna_rate", "appointments_per_1000",
                "missed_share", "answered_wait_lt1m_share", "callback_requested_share",
                "calls_per_1000",
                # demand and capacity (the Demand and capacity page)
                "contacts_per_1000", "appointments_per_contact", "oc_submissions_per_1000",
                "patients_per_gp_fte"]
COMPARED_KEYS = ["f2f_share", "within_14_days_share", "appointments_per_1000", "dna_rate",
                 "missed_share", "answered_wait_lt1m_share", "calls_per_1000",
                 "oc_submissions_per_1000", "appointments_per_contact", "patients_per_gp_fte"]
PNG_SIZE = (1920, 1080)  # pixels, drawn at 2x detail: a chart laid out at 960 x 540
PNG_SCALE = 2.0


@dataclass(frozen=True)
class PackChart:
    slug: str                                # for the file name
    title: str                               # what, whose, when
    build: Callable[[float], QWidget]        # text/line scale (1 on screen; ~2 in meetings)


def captioned(chart: pg.PlotWidget, title: str, subtitle: str, scale: float) -> pg.PlotWidget:
    """The title over a smaller subtitle (scope and period), shown and exported as they are,
    with a margin so titles and axis labels are never cut at the image edge."""
    item = chart.getPlotItem()
    item.setTitle(caption_html(Caption(title, subtitle), 13 * scale), color=theme.NHS_DARK_BLUE,
                  size=f"{13 * scale:g}pt", justify="left")
    height = item.titleLabel.item.boundingRect().height() + 4
    item.titleLabel.setMaximumHeight(height)
    item.layout.setRowFixedHeight(0, height)
    item.setContentsMargins(12, 10, 24, 8)
    chart.setAccessibleName(f"{title} — {subtitle}")
    chart.setProperty("exportTitle", title)
    chart.setProperty("exportSubtitle", subtitle)
    chart.setProperty("captioned", True)
    chart.setProperty("textScale", scale)  # exports lay a larger-text chart out larger
    return chart


def enlarge(chart: pg.PlotWidget, factor: float) -> pg.PlotWidget:
    """Bigger text, thicker lines and points: readable when shared on a video call."""
    if factor == 1:
        return chart
    item = chart.getPlotItem()
    for name in ("left", "bottom"):
        axis = chart.getAxis(name)
        font = QFont()
        font.setPointSizeF(10 * factor)
        axis.setTickFont(font)
        axis.setStyle(tickTextOffset=round(5 * factor))
        axis.label.setFont(font)
    for data in item.listDataItems():
        if not isinstance(data, pg.PlotDataItem):
            continue  # SPC points: SPCChart.set_scale sizes them
        pen = pg.mkPen(data.opts["pen"])
        pen.setWidthF(max(pen.widthF(), 1) * factor)
        data.setPen(pen)
        if data.opts.get("symbol"):
            data.setSymbolSize(data.opts["symbolSize"] * factor)
    for child in item.items:
        if isinstance(child, pg.InfiniteLine):
            pen = pg.mkPen(child.pen)
            pen.setWidthF(max(pen.widthF(), 1) * factor)
            child.setPen(pen)
            font = QFont()
            font.setPointSizeF(9 * factor)
            child.label.setFont(font)
    if isinstance(chart, SPCChart):
        chart.set_scale(factor)
    return chart


def _subjects(conn: sqlite3.Connection, scope: ExportScope) -> list[Selection]:
    if scope.pcn:
        return [Selection(pcn=scope.pcn, start=scope.start, end=scope.end)]
    return scope.selections_for(scope.practice_codes(conn))


def _label(conn: sqlite3.Connection, selection: Selection, anonymiser: Anonymiser) -> str:
    if selection.pcn:
        return pcn_label(conn, selection.pcn, anonymiser.enabled)
    practice = queries.get_practice(conn, selection.practice) or {}
    return anonymiser.label(selection.practice, practice.get("name"))


def build_pack(conn: sqlite3.Connection, scope: ExportScope,
               anonymiser: Anonymiser) -> list[PackChart]:
    """The pack for a scope; `anonymiser` names the practices (enabled or not)."""
    pack: list[PackChart] = []
    for selection in _subjects(conn, scope):
        rows = metric_rows(conn, selection)
        if not rows:
            continue
        who = _label(conn, selection, anonymiser)
        for key in MONTHLY_KEYS:
            shown = [row for row in rows if row[key] is not None]
            if not shown:
                continue
            subtitle = f"{who} · {period_text(shown[0]['month'], shown[-1]['month'])}"
            pack.append(PackChart(
                f"{(who if anonymiser.enabled else selection.code).lower()}-{key}",
                f"{name_of(key)} by month — {subtitle}",
                _monthly_builder(conn, selection, key, rows, subtitle)))
    codes = scope.practice_codes(conn)
    if len(codes) > 1:
        pack.extend(_comparisons(conn, scope, codes, anonymiser))
    return pack


def _monthly_builder(conn, selection: Selection, key: str, rows: list[dict], subtitle: str):
    """The Overview's SPC chart of `key`: its months, target, notes and improvement direction."""
    months, values = headline.series(rows, key)
    band = None
    if key in NATIONAL_KEYS and months:  # England's spread behind the series, as before
        national = {item["month"]: item for item in national_series(conn, key, months[0],
                                                                     months[-1])}
        band = [(national[m]["p10"], national[m]["median"], national[m]["p90"])
                if national.get(m, {}).get("median") is not None else None for m in months]
    elif key in demand.ENGLAND_KEYS and months:  # from the national GPAD, OC, workforce files
        england = {item["month"]: item for item in demand.england_series(conn, key, months[0],
                                                                          months[-1])}
        band = [(england[m]["p10"], england[m]["median"], england[m]["p90"])
                if m in england else None for m in months]
    target = targets.get_target(conn, key)
    found = notes.list_notes(conn, selection.scope_key, selection.code, metric=key)
    title = f"{name_of(key)} by month"

    def build(scale: float) -> QWidget:
        chart = SPCChart(title)
        chart.configure(key)
        chart.setToolTip(tooltip(key))
        chart.set_context(band=band)
        chart.set_data(months, values, headline.improvement(key), target, found)
        return captioned(enlarge(chart, scale), title, subtitle, scale)

    return build


def _comparisons(conn, scope: ExportScope, codes: list[str],
                 anonymiser: Anonymiser) -> list[PackChart]:
    months = queries.data_months(conn, codes)
    end = scope.end or (months[-1] if months else None)
    if end is None:
        return []
    if scope.pcn:
        who = pcn_label(conn, scope.pcn, anonymiser.enabled)
    else:
        who = f"{len(codes)} practices"
    charts = []
    for key in COMPARED_KEYS:
        comparison = compare(conn, codes, key, end, end, anonymiser, scope.pcn)
        if not any(bar.value is not None for bar in comparison.bars):
            continue
        title = f"{name_of(key)} by practice"
        subtitle = f"{who} · {month_label(end)}"

        def build(scale: float, comparison=comparison, title=title, subtitle=subtitle):
            chart = ComparisonChart(scale=scale)
            chart.set_comparison(comparison, BARS)
            chart.setToolTip(tooltip(comparison.key))
            return captioned(chart, title, subtitle, scale)

        charts.append(PackChart(f"compare-{key}", f"{title} — {subtitle}", build))
    return charts


def scope_for(selection: Selection) -> ExportScope:
    """The export scope of what is on screen."""
    if selection.pcn:
        return ExportScope(pcn=selection.pcn, start=selection.start, end=selection.end)
    return ExportScope(practices=(selection.practice,), start=selection.start,
                       end=selection.end)


def file_names(pack: list[PackChart]) -> list[str]:
    width = max(2, len(str(len(pack))))
    return [f"{number:0{width}d}-{_safe(chart.slug)}.png"
            for number, chart in enumerate(pack, start=1)]


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def render_pack(conn: sqlite3.Connection, scope: ExportScope, folder: Path,
                anonymise: bool) -> list[Path]:
    """Write one PNG per chart of the pack into `folder`; the files written, in pack order."""
    from ui.export import save_png

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pack = build_pack(conn, scope, Anonymiser(scope.practice_codes(conn), enabled=anonymise))
    written = []
    for chart, name in zip(pack, file_names(pack), strict=True):
        widget = chart.build(1.0)
        written.append(save_png(widget, folder / name, *PNG_SIZE, scale=PNG_SCALE))
        widget.deleteLater()
    return written

