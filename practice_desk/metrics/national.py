"""National context from NHS England's CBT publication: where a practice stands among all of them.

Per-practice values follow metrics.md (Telephony) exactly, from the `cbt_monthly` rows of practices
(shared 'Unassigned' accounts are never practices). A practice is left out of a month's distribution
when a count the key needs is NULL ('-' or blank in the workbook) or its denominator is 0.

Percentiles use linear interpolation between closest ranks, the method of numpy's default and
Excel's PERCENTILE.INC: for n sorted values x[0..n-1], the p-th percentile is at h = (n - 1) * p
and equals x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]). The median is p = 0.5.
"""

from __future__ import annotations

import math
import sqlite3
from bisect import bisect_left, bisect_right
from itertools import groupby
from operator import itemgetter

BANDS = ["lt1m", "1to2m", "2to5m", "gt5m"]
COUNT_COLUMNS = [
    "inbound", "answered", "ivr_ended", "callback_requested", "missed", "callback_made",
    *[f"answered_wait_{b}" for b in BANDS],
    *[f"answered_duration_{b}" for b in BANDS],
    *[f"missed_wait_{b}" for b in BANDS],
]

# Telephony key -> (numerator column, denominator column or None for a plain count); shared by
# the national figures and the practice/PCN metrics so both compute a key the same way.
RATIOS: dict[str, tuple[str, str | None]] = {
    "inbound_calls": ("inbound", None),
    "answered": ("answered", None),
    "answered_share": ("answered", "inbound"),
    "ivr_ended": ("ivr_ended", None),
    "ivr_ended_share": ("ivr_ended", "inbound"),
    "callback_requested": ("callback_requested", None),
    "callback_requested_share": ("callback_requested", "inbound"),
    "missed": ("missed", None),
    "missed_share": ("missed", "inbound"),
    "callback_made": ("callback_made", None),
    "callback_made_share": ("callback_made", "callback_requested"),
    **{f"answered_wait_{b}_share": (f"answered_wait_{b}", "answered") for b in BANDS},
    **{f"missed_wait_{b}_share": (f"missed_wait_{b}", "missed") for b in BANDS},
}
NATIONAL_KEYS = [*RATIOS, "unreconciled_calls", "calls_per_1000"]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0 <= p <= 1) of non-empty values, linearly interpolated (see above)."""
    if not values:
        raise ValueError("no values")
    return _percentile_of_sorted(sorted(values), p)


def _percentile_of_sorted(ordered: list[float], p: float) -> float:
    h = (len(ordered) - 1) * p
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


def _practice_months(start: str | None, end: str | None) -> tuple[list[str], list[str]]:
    """WHERE clauses and parameters: practices only (not 'Unassigned'), months in the range."""
    clauses, params = ["ods_code IS NOT NULL"], []
    if start:
        clauses.append("month >= ?")
        params.append(start)
    if end:
        clauses.append("month <= ?")
        params.append(end)
    return clauses, params


# The list size of a per-1,000 figure: the extract nearest to, and not after, the month
# (metrics.md); one look-up in the (ods_code, extract_date) key.
_LIST_SIZE = ("(SELECT patients FROM list_sizes l WHERE l.ods_code = c.ods_code "
              "AND l.extract_date <= c.month || '-31' ORDER BY l.extract_date DESC LIMIT 1)")


def _rows(key: str, start: str | None, end: str | None) -> tuple[str, list[str]]:
    """'WITH m AS (...)': the practices' CBT rows in [start, end] (inclusive, YYYY-MM; None =
    open), with parameters. For calls_per_1000 only the columns it needs and each row's list size,
    MATERIALIZED so the look-up is made once a row (SQLite would otherwise repeat it wherever the
    query names list_size: three times in _value_sql)."""
    clauses, params = _practice_months(start, end)
    where = " AND ".join(clauses)
    if key == "calls_per_1000":
        return (f"WITH m AS MATERIALIZED (SELECT c.month, c.ods_code, c.inbound, {_LIST_SIZE} "
                f"AS list_size FROM cbt_monthly c WHERE {where})"), params
    return f"WITH m AS (SELECT * FROM cbt_monthly c WHERE {where})", params


def _summary(values: list[float]) -> dict:
    if not values:
        return {"median": None, "p10": None, "p90": None, "practices": 0}
    ordered = sorted(values)  # once for the three percentiles
    return {"median": _percentile_of_sorted(ordered, 0.5),
            "p10": _percentile_of_sorted(ordered, 0.1),
            "p90": _percentile_of_sorted(ordered, 0.9), "practices": len(values)}


def national_distribution(conn: sqlite3.Connection, key: str, month: str) -> dict | None:
    """{"median", "p10", "p90", "practices"} of `key` across all practices for a month (YYYY-MM).

    None when no practice has a value that month. Raises ValueError for a key CBT cannot give.
    """
    series = national_series(conn, key, month, month)
    if not series or not series[0]["practices"]:
        return None
    return {name: series[0][name] for name in ("median", "p10", "p90", "practices")}


def _value_sql(key: str) -> str:
    """`key`'s value for one row of `m` as SQL: NULL where a count it needs is NULL or its
    denominator is 0 (the practice is left out of that month). ValueError for a key CBT cannot
    give."""
    if key not in NATIONAL_KEYS:
        raise ValueError(f"'{key}' is not a metric the CBT publication gives "
                         f"(one of: {', '.join(NATIONAL_KEYS)})")
    if key in RATIOS:
        numerator, denominator = RATIOS[key]
        if denominator is None:
            return f"m.{numerator}"
        return (f"CASE WHEN m.{denominator} IS NULL OR m.{denominator} = 0 THEN NULL "
                f"ELSE CAST(m.{numerator} AS REAL) / m.{denominator} END")
    if key == "unreconciled_calls":
        return "m.inbound - (m.answered + m.ivr_ended + m.callback_requested + m.missed)"
    return ("CASE WHEN m.list_size IS NULL OR m.list_size = 0 THEN NULL "
            "ELSE CAST(m.inbound AS REAL) / m.list_size * 1000 END")  # calls_per_1000


_SERIES_CACHE: dict[tuple, list[dict]] = {}


def _imports_stamp(conn: sqlite3.Connection) -> tuple | None:
    """The database file and what has been imported into it: national figures change only by
    an import or an undo. None for an in-memory database, which is not cached."""
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    if not path:
        return None
    return (path, *conn.execute(
        "SELECT MAX(id), COUNT(*), COUNT(undone_at) FROM imports").fetchone())


def national_series(conn: sqlite3.Connection, key: str, start: str | None,
                    end: str | None) -> list[dict]:
    """national_series_uncached, remembered until the next import or undo (the Telephony page
    asks for the same 36 months of ~4,000 practices whichever practice is chosen). A key's whole
    series, once remembered (remember_national_series), serves every range."""
    stamp = _imports_stamp(conn)
    if stamp is None:
        return national_series_uncached(conn, key, start, end)
    whole = _SERIES_CACHE.get((stamp, key, None, None))
    if whole is not None:
        return [dict(item) for item in whole
                if (not start or item["month"] >= start) and (not end or item["month"] <= end)]
    cache_key = (stamp, key, start, end)
    series = _SERIES_CACHE.get(cache_key)
    if series is None:
        series = national_series_uncached(conn, key, start, end)
        _remember(cache_key, series)
    return [dict(item) for item in series]


def _remember(cache_key: tuple, series: list[dict]) -> None:
    """Keep a series, dropping those of other data (older imports, other database files). The
    app's worker thread warms the cache while the UI thread reads it: list() copies the keys in
    one step under the GIL, and pop() tolerates a key the other thread removed."""
    for old in list(_SERIES_CACHE):
        if old[0] != cache_key[0]:
            _SERIES_CACHE.pop(old, None)
    if len(_SERIES_CACHE) >= 256:  # many ranges of the same data: start again
        _SERIES_CACHE.clear()
    _SERIES_CACHE[cache_key] = series


def forget_national_series() -> None:
    """Drop every remembered series (for timing the work they save)."""
    _SERIES_CACHE.clear()


def remember_national_series(conn: sqlite3.Connection, keys: list[str],
                             cancelled=lambda: False) -> None:
    """Work out and remember the whole national series of each key (run in the background when
    the app opens or the data changes, so the first Telephony page does not wait for it)."""
    for key in keys:
        if cancelled():
            return
        national_series(conn, key, None, None)


def national_series_uncached(conn: sqlite3.Connection, key: str, start: str | None,
                             end: str | None) -> list[dict]:
    """One dict per month with CBT data in [start, end] (inclusive, YYYY-MM; None = open):
    {"month", "median", "p10", "p90", "practices"}; the figures are None (practices 0) in a month
    where no practice has a value for the key.

    SQLite computes each practice's value (`_value_sql`) and hands back (month, value) pairs
    only, not whole rows (this is what makes 36 months of ~4,000 practices take a fraction of
    the time).
    """
    rows, params = _rows(key, start, end)
    sql = f"{rows} SELECT m.month, {_value_sql(key)} FROM m ORDER BY m.month"
    # The pairs come a month at a time (the month index): grouped as they come, not a
    # dictionary look-up each, and as plain tuples, not the connection's named rows (~144,000
    # pairs for 36 months; a cold first page waits on this).
    cursor = conn.cursor()
    cursor.row_factory = None
    return [{"month": month, **_summary([value for _, value in pairs if value is not None])}
            for month, pairs in groupby(cursor.execute(sql, params), itemgetter(0))]


def cbt_monthly_counts(conn: sqlite3.Connection, practices: list[str], start: str | None,
                       end: str | None) -> dict[str, dict[str, int | None]]:
    """{month: {cbt_monthly count column: sum over the practices}} for months in [start, end].

    Raw counts are summed (numerators and denominators separately; shares are never averaged).
    A column's sum is None when every practice's value is NULL; where only some are NULL, the
    non-NULL values are summed (SQL SUM), so two such sums may cover different practices: a share
    built from them is the caller's decision. Months where none of the practices has a CBT row are
    absent. Shared 'Unassigned' accounts are never included.
    """
    result: dict[str, dict[str, int | None]] = {}
    codes = list(dict.fromkeys(practices))
    sums = ", ".join(f"SUM({c})" for c in COUNT_COLUMNS)
    for chunk_start in range(0, len(codes), 500):
        chunk = codes[chunk_start:chunk_start + 500]
        # A practice's rows have unit = its ODS code (both CBT importers): 'unit IN' lets SQLite
        # use the (unit, month) index instead of scanning every practice's rows.
        clauses = [f"unit IN ({','.join('?' * len(chunk))})", "ods_code = unit"]
        params = list(chunk)
        if start:
            clauses.append("month >= ?")
            params.append(start)
        if end:
            clauses.append("month <= ?")
            params.append(end)
        sql = (f"SELECT month, {sums} FROM cbt_monthly WHERE {' AND '.join(clauses)} "
               "GROUP BY month")
        for month, *values in conn.execute(sql, params):
            into = result.setdefault(month, dict.fromkeys(COUNT_COLUMNS))
            for column, value in zip(COUNT_COLUMNS, values, strict=True):
                if value is not None:
                    into[column] = (into[column] or 0) + value
    return dict(sorted(result.items()))


def national_band(conn: sqlite3.Connection, key: str, start: str | None,
                  end: str | None) -> dict | None:
    """England's p10/median/p90 of `key` for one month, or over a range of months: each
    practice's counts are summed over the range first (a share of the summed counts, as for a
    practice's own period figure), then the spread is taken across practices. Remembered until
    the next import or undo, like national_series; once a key's monthly parts are remembered
    (remember_national_bands), they serve every range."""
    if start and start == end:
        return national_distribution(conn, key, start)
    stamp = _imports_stamp(conn)
    if stamp is None:
        return _national_band(conn, key, start, end)
    parts = _SERIES_CACHE.get((stamp, "parts", key))
    if parts is not None:
        return _band_of_parts(key, parts[0], start, end)
    cache_key = (stamp, "band", key, start, end)
    found = _SERIES_CACHE.get(cache_key)
    if found is not None:
        return dict(found[0]) if found else None
    band = _national_band(conn, key, start, end)
    _remember(cache_key, [band] if band else [])
    return band


def remember_national_bands(conn: sqlite3.Connection, keys: list[str],
                            cancelled=lambda: False) -> None:
    """Work out and remember each key's monthly parts for national_band (in the background when
    the app opens or the data changes, so the first Demand and capacity page does not wait)."""
    stamp = _imports_stamp(conn)
    for key in keys:
        if cancelled() or stamp is None:
            return
        if (stamp, "parts", key) not in _SERIES_CACHE:
            _remember((stamp, "parts", key), [_monthly_parts(conn, key)])


def _parts_sql(key: str) -> tuple[str, str]:
    """A practice-month's numerator and denominator of `key` as SQL (0 for a plain count):
    summed over months, they give the practice's figure for the range (_value_of_parts)."""
    if key in RATIOS:
        numerator, denominator = RATIOS[key]
        return f"m.{numerator}", f"m.{denominator}" if denominator else "0"
    if key == "calls_per_1000":
        return "m.inbound", "m.list_size"
    return _value_sql(key), "0"  # unreconciled_calls (and a key CBT cannot give: ValueError)


def _value_of_parts(key: str, top: int, bottom: int) -> float | int | None:
    """A practice's figure from its summed numerator and denominator (None: left out)."""
    if key == "calls_per_1000":
        return top / bottom * 1000 if bottom else None
    if key in RATIOS and RATIOS[key][1]:
        return top / bottom if bottom else None
    return top


def _band(values: list[float]) -> dict | None:
    return _summary(values) if values else None


def _national_band(conn: sqlite3.Connection, key: str, start: str | None,
                   end: str | None) -> dict | None:
    """SQLite sums each practice's numerator and denominator over the months where it has a
    value (one row a practice comes back, not one a practice-month)."""
    top, bottom = _parts_sql(key)
    rows, params = _rows(key, start, end)
    sql = (f"{rows} SELECT SUM({top}), SUM({bottom}) FROM m "
           f"WHERE ({_value_sql(key)}) IS NOT NULL GROUP BY m.ods_code")
    return _band([value for top, bottom in conn.execute(sql, params)
                  if (value := _value_of_parts(key, top, bottom)) is not None])


def _monthly_parts(conn: sqlite3.Connection, key: str) -> dict[str, tuple[list, list, list]]:
    """{practice: (its months with a value of `key`, running totals of the numerator and of the
    denominator, each starting at 0)}: the sums over any range of months are two subtractions."""
    top, bottom = _parts_sql(key)
    rows, params = _rows(key, None, None)
    sql = (f"{rows} SELECT m.ods_code, m.month, {top}, {bottom} FROM m "
           f"WHERE ({_value_sql(key)}) IS NOT NULL ORDER BY m.ods_code, m.month")
    parts: dict[str, tuple[list, list, list]] = {}
    for code, month, numerator, denominator in conn.execute(sql, params):
        months, tops, bottoms = parts.setdefault(code, ([], [0], [0]))
        months.append(month)
        tops.append(tops[-1] + numerator)
        bottoms.append(bottoms[-1] + denominator)
    return parts


def _band_of_parts(key: str, parts: dict[str, tuple[list, list, list]], start: str | None,
                   end: str | None) -> dict | None:
    values = []
    for months, tops, bottoms in parts.values():
        first = bisect_left(months, start) if start else 0
        last = bisect_right(months, end) if end else len(months)
        if last > first:
            value = _value_of_parts(key, tops[last] - tops[first], bottoms[last] - bottoms[first])
            if value is not None:
                values.append(value)
    return _band(values)
