"""The headline measures of the Overview page: which, which way is better, latest and change.

No Qt here: the Overview page, meeting packs and exports read the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from practice_desk.metrics.keys import HIGHER_IS_BETTER, LOWER_IS_BETTER, is_share
from practice_desk.metrics.spc import HIGHER, LOWER

# Missed %, answered within 1 minute, call-backs, 111 in core hours, face-to-face share, within
# 14 days, DNA, NHS App use (issue 6); online requests per 1,000 and appointments per contact
# (demand and capacity, issue 15).
HEADLINE_KEYS = [
    "missed_share", "answered_wait_lt1m_share", "callback_requested_share", "calls_111_core",
    "f2f_share", "within_14_days_share", "dna_rate", "app_logins_per_1000",
    "oc_submissions_per_1000", "appointments_per_contact",
]


def improvement(key: str) -> str | None:
    """'higher', 'lower' or None (no direction: special causes are neutral)."""
    if key in HIGHER_IS_BETTER:
        return HIGHER
    if key in LOWER_IS_BETTER:
        return LOWER
    return None


def series(rows: list[dict], key: str) -> tuple[list[str], list[float | None]]:
    """(months, values) of `key` from its first to its last month with a value (gaps kept as
    None, so the x axis stays one month per step)."""
    shown = [i for i, row in enumerate(rows) if row.get(key) is not None]
    if not shown:
        return [], []
    kept = rows[shown[0]:shown[-1] + 1]
    return [row["month"] for row in kept], [row.get(key) for row in kept]


@dataclass(frozen=True)
class Latest:
    key: str
    month: str | None                 # the latest month with a value; None: no data yet
    value: float | None
    previous_month: str | None = None  # the month before `month`, when it has a value
    previous: float | None = None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def better(self) -> bool | None:
        """Is the change an improvement? None without a change or a direction."""
        direction, change = improvement(self.key), self.change
        if direction is None or not change:
            return None
        return (change > 0) == (direction == HIGHER)


def latest(rows: list[dict], key: str) -> Latest:
    months, values = series(rows, key)
    if not months:
        return Latest(key, None, None)
    previous = values[-2] if len(values) > 1 else None
    return Latest(key, months[-1], values[-1], months[-2] if previous is not None else None,
                  previous)


def format_change(latest_figure: Latest) -> str:
    """'▲ 1.2 points' / '▼ 35' / 'no change' / '' (nothing to compare)."""
    change = latest_figure.change
    if change is None:
        return ""
    if is_share(latest_figure.key):
        size = f"{abs(change) * 100:.1f} points"
        if size == "0.0 points":
            return "no change"
    else:
        size = f"{abs(change):,.1f}".removesuffix(".0")
        if size == "0":
            return "no change"
    return ("▲ " if change > 0 else "▼ ") + size
