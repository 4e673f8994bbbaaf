"""Local targets (metrics.md): editable settings drawn as a line, never part of a metric."""

from __future__ import annotations

import sqlite3

from local_db import queries
from practice_desk.metrics.keys import is_share

# Seen in ICB reports; the user can change or clear them in Settings.
DEFAULT_TARGETS = {"f2f_share": 0.70, "within_14_days_share": 0.85}


def _setting_key(metric: str) -> str:
    return f"target.{metric}"


def get_target(conn: sqlite3.Connection, metric: str) -> float | None:
    stored = queries.get_setting(conn, _setting_key(metric))
    if stored is None:
        return DEFAULT_TARGETS.get(metric)
    return float(stored) if stored else None  # '' means the user cleared it


def set_target(conn: sqlite3.Connection, metric: str, value: float | None) -> None:
    if value is not None and is_share(metric) and not 0 <= value <= 1:
        raise ValueError(f"A target for {metric} is a share between 0 and 1, not {value}.")
    if value is not None and value < 0:
        raise ValueError(f"A target for {metric} cannot be negative ({value}).")
    queries.set_setting(conn, _setting_key(metric), "" if value is None else repr(value))
