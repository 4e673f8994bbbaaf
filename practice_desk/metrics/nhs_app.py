"""NHS App and online access metrics (metrics.md, NHS App) for a practice or PCN, per month.

- `app_*` come from NHS App dashboard exports (app_practice_values); `online_*` from POMI
  (pomi_values: Pat_Presc_Use, Pat_Appts_Use, Pat_DetCodeRec_Use).
- A PCN month sums the practices that have NHS App (or POMI) figures that month; a figure missing
  for any of them is missing for the sum (never a partial total).
- `app_record_views` is medical record views where every practice has them, else users accessing
  their records where every practice has that; `app_record_views_basis` says which.
- `*_per_1000` denominators: `app_*` use the registered patients aged 13+ that the NHS App export
  gives (the dashboard's own denominator) when it gives it for every practice in the sum, else the
  list size (all registered patients, extract nearest to and not after the month); `online_*` use
  POMI's own list size for the month (all registered patients), else the list size. The row says
  which (`app_denominator`, `online_denominator`).
- `*_ytd_change`: the financial year to date (April to the month) over the same months a year
  earlier, minus 1; null if any of those months is missing a figure, if the practices behind a
  month and its year-earlier month differ, or if the earlier sum is 0. For the running total of
  registrations (a stock, not a flow) it is the month's total over the total a year earlier,
  minus 1.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from practice_desk.metrics import appointments
from practice_desk.metrics.keys import APP_BASE_KEYS
from practice_desk.metrics.selection import Selection

# key -> (table, stored measure or field)
APP_SOURCE = {
    "app_logins": "logins",
    "app_prescriptions_ordered": "prescriptions_ordered",
    "app_appointments_booked": "appointments_booked",
    "app_appointments_cancelled": "appointments_cancelled",
    "app_registrations": "registrations",
    "app_registrations_total": "registrations_total",
}
ONLINE_SOURCE = {
    "online_prescriptions_ordered": "Pat_Presc_Use",
    "online_appointments_used": "Pat_Appts_Use",
    "online_record_views": "Pat_DetCodeRec_Use",
}
STOCK_KEYS = {"app_registrations_total"}
CONTEXT_KEYS = ["app_record_views_basis", "app_denominator", "online_denominator"]
BASIS_VIEWS, BASIS_USERS = "record views", "users accessing records"
DENOMINATOR_13PLUS = "registered patients aged 13+ (NHS App export)"
DENOMINATOR_POMI = "registered patients (POMI list size)"

# National ambitions (delivery plan for recovering access to primary care, 2024/25), per month.
AMBITIONS = {
    "record_views": (9_900_000, 15_000_000),
    "prescriptions_ordered": (2_700_000, 3_500_000),
}
AMBITION_DATE = "March 2025"


def _marks(items) -> str:
    return ",".join("?" * len(items)) or "NULL"


def _values(conn: sqlite3.Connection, table: str, column: str,
            practices: list[str]) -> dict[str, dict[str, dict[str, int | None]]]:
    """{month: {practice: {measure: value}}} for every stored month."""
    found: dict[str, dict[str, dict[str, int | None]]] = defaultdict(lambda: defaultdict(dict))
    sql = (f"SELECT month, ods_code, {column}, value FROM {table} "
           f"WHERE ods_code IN ({_marks(practices)})")
    for month, practice, measure, value in conn.execute(sql, practices):
        found[month][practice][measure] = value
    return found


def _sum(by_practice: dict[str, dict], measure: str) -> int | None:
    values = [figures.get(measure) for figures in by_practice.values()]
    return None if not values or None in values else sum(values)


def _denominator(conn, by_practice: dict[str, dict], own: str, own_label: str,
                 month: str) -> tuple[int | None, str | None]:
    own_total = _sum(by_practice, own)
    if own_total:
        return own_total, own_label
    size = appointments.list_size_total(conn, list(by_practice), month)
    if size:
        return size[0], f"list size (extract {size[1]})"
    return None, None


def _month_values(conn, app: dict, pomi: dict, month: str) -> tuple[dict, dict]:
    """(keys of the month, {'app': denominator, 'online': denominator})."""
    row: dict = {}
    sizes: dict[str, int | None] = {}
    practices_app, practices_pomi = app.get(month, {}), pomi.get(month, {})
    if practices_app:
        for key, measure in APP_SOURCE.items():
            row[key] = _sum(practices_app, measure)
        views, users = _sum(practices_app, "record_views"), _sum(practices_app, "record_users")
        if views is not None:
            row["app_record_views"], row["app_record_views_basis"] = views, BASIS_VIEWS
        elif users is not None:
            row["app_record_views"], row["app_record_views_basis"] = users, BASIS_USERS
        size, label = _denominator(conn, practices_app, "patients_13plus", DENOMINATOR_13PLUS,
                                   month)
        row["app_denominator"], sizes["app"] = label, size
        for key in (*APP_SOURCE, "app_record_views"):
            row[f"{key}_per_1000"] = appointments.per_1000(row.get(key), size)
    if practices_pomi:
        for key, field in ONLINE_SOURCE.items():
            row[key] = _sum(practices_pomi, field)
        size, label = _denominator(conn, practices_pomi, "patient_list_size", DENOMINATOR_POMI,
                                   month)
        row["online_denominator"], sizes["online"] = label, size
        for key in ONLINE_SOURCE:
            row[f"{key}_per_1000"] = appointments.per_1000(row.get(key), size)
    return row, sizes


def _shift(month: str, years: int) -> str:
    return f"{int(month[:4]) + years:04d}{month[4:]}"


def year_to_date_months(month: str) -> list[str]:
    """April of the month's financial year up to the month: '2025-06' -> 2025-04..2025-06."""
    year, number = int(month[:4]), int(month[5:])
    start_year = year if number >= 4 else year - 1
    months, y, m = [], start_year, 4
    while (y, m) <= (year, number):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def ytd_change(series: dict[str, int | None], contributors: dict[str, frozenset],
               month: str, stock: bool = False) -> float | None:
    """The year-to-date change of one key (module docstring); None when it cannot be computed."""
    months = [month] if stock else year_to_date_months(month)
    now, before = 0, 0
    for current in months:
        earlier = _shift(current, -1)
        a, b = series.get(current), series.get(earlier)
        if a is None or b is None or contributors.get(current) != contributors.get(earlier):
            return None
        now, before = now + a, before + b
    return now / before - 1 if before else None


class AppSeries:
    """Every NHS App key per month for a set of practices (all stored months, so the year-to-date
    change of a selected month can reach back before the selection's start)."""

    def __init__(self, conn: sqlite3.Connection, practices: list[str]) -> None:
        self.app = _values(conn, "app_practice_values", "measure", practices)
        self.pomi = _values(conn, "pomi_values", "field", practices)
        self.months = sorted(set(self.app) | set(self.pomi))
        self.rows, self.sizes = {}, {}
        for month in self.months:
            self.rows[month], self.sizes[month] = _month_values(conn, self.app, self.pomi, month)

    def contributors(self, key: str) -> dict[str, frozenset]:
        source = self.pomi if key.startswith("online_") else self.app
        return {month: frozenset(found) for month, found in source.items()}

    def series(self, key: str) -> dict[str, int | None]:
        return {month: row.get(key) for month, row in self.rows.items()}

    def with_ytd(self, month: str) -> dict:
        row = dict(self.rows.get(month, {}))
        for key in APP_BASE_KEYS:
            row[f"{key}_ytd_change"] = ytd_change(self.series(key), self.contributors(key), month,
                                                  stock=key in STOCK_KEYS)
        return row


def monthly(conn: sqlite3.Connection, practices: list[str], selection: Selection,
            series: AppSeries | None = None) -> dict[str, dict]:
    """{month: NHS App keys} for each month in the selection with NHS App or POMI figures
    (`series`: the practices' AppSeries when the caller already has it)."""
    series = AppSeries(conn, practices) if series is None else series
    return {month: series.with_ytd(month) for month in series.months if selection.contains(month)}


def period_values(conn: sqlite3.Connection, practices: list[str], selection: Selection,
                  series: AppSeries | None = None) -> dict:
    """The range as one figure: counts summed over the months (a running total: its last month),
    per-1,000 as summed counts over summed denominators; the year-to-date change of the last
    month."""
    series = AppSeries(conn, practices) if series is None else series
    months = [m for m in series.months if selection.contains(m)]
    if not months:
        return {}
    values: dict = series.with_ytd(months[-1])
    for key in APP_BASE_KEYS:
        figures = [series.rows[m].get(key) for m in months]
        if key in STOCK_KEYS:
            total = figures[-1]
        else:
            total = None if None in figures else sum(figures)
        values[key] = total
        sizes = [series.sizes[m].get("online" if key.startswith("online_") else "app")
                 for m in months]
        if key in STOCK_KEYS:
            values[f"{key}_per_1000"] = series.rows[months[-1]].get(f"{key}_per_1000")
        elif total is not None and None not in sizes and sum(sizes):
            values[f"{key}_per_1000"] = total / sum(sizes) * 1000
        else:
            values[f"{key}_per_1000"] = None
    return values


def practice_comparison(conn: sqlite3.Connection, practices: list[str], key: str,
                        month: str) -> list[tuple[str, float | None]]:
    """(practice, value of `key` in the month) for each practice, for a side-by-side chart."""
    result = []
    for practice in practices:
        row = AppSeries(conn, [practice]).with_ytd(month)
        result.append((practice, row.get(key)))
    return result


def national_series(conn: sqlite3.Connection, measure: str) -> dict[str, int | None]:
    """England's monthly figure of one measure from the published NHS App statistics."""
    sql = ("SELECT month, value FROM app_area_values WHERE area_code = 'ENGLAND' AND measure = ? "
           "ORDER BY month")
    return dict(conn.execute(sql, (measure,)).fetchall())


def data_months(conn: sqlite3.Connection, practices: list[str]) -> list[str]:
    codes = list(practices)
    sql = (f"SELECT month FROM app_practice_values WHERE ods_code IN ({_marks(codes)}) "
           f"UNION SELECT month FROM pomi_values WHERE ods_code IN ({_marks(codes)}) ORDER BY 1")
    return [row[0] for row in conn.execute(sql, [*codes, *codes])]


def ytd_table(conn: sqlite3.Connection, practices: list[str], month: str) -> list[dict]:
    """One row per NHS App key: the year to date, the same months a year earlier, the change."""
    series = AppSeries(conn, practices)
    row = series.with_ytd(month)
    table = []
    for key in APP_BASE_KEYS:
        values = series.series(key)
        months = [month] if key in STOCK_KEYS else year_to_date_months(month)
        now = [values.get(m) for m in months]
        before = [values.get(_shift(m, -1)) for m in months]
        table.append({
            "key": key,
            "months": f"{months[0]}..{months[-1]}",
            "this_year": None if None in now else sum(now),
            "last_year": None if None in before else sum(before),
            "change": row.get(f"{key}_ytd_change"),
        })
    return table
