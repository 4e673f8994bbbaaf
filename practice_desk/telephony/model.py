"""The telephony rules every call sum uses, written once: the directions and outcomes a call can
have (and the small codes `calls` stores them as) and the wait bands. Core hours are the third
rule (core_hours.CoreCalendar). sums.py applies them, both to the calls an import has just stored
and when days are summed again from `calls` (an undo, a queue_log, new core hours); nothing else
restates them.

Wait bands (metrics.md): < 60 s, 60-120 s, 120-300 s, > 300 s. A wait of exactly 60 s is in
1-2 min and exactly 120 s in 2-5 min (lower edges belong to the band above); exactly 300 s is in
2-5 min because metrics.md writes the last band as '> 300 s'. Waits are whole milliseconds, so
'> 300 s' starts at 300,001 ms. Unknown waits are in no band, so band sums may fall short of
answered/missed, as in NHS data.
"""

from __future__ import annotations

from datetime import date

from local_db.migrations import CALL_DIRECTIONS as DIRECTIONS
from local_db.migrations import CALL_OUTCOMES as OUTCOMES

__all__ = ["DIRECTIONS", "OUTCOMES", "WAIT_BANDS", "WAIT_BAND_STARTS_MS", "wait_bands",
           "EPOCH_ORDINAL", "day_text"]

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # `calls` counts London days from 1 January 1970

WAIT_BANDS = ("lt1m", "1to2m", "2to5m", "gt5m")
WAIT_BAND_STARTS_MS = (60_000, 120_000, 300_001)  # where each band after the first starts


def wait_bands(wait_ms):
    """The index in WAIT_BANDS of every wait (a numpy array of whole ms, NaN when unknown); -1
    for an unknown wait."""
    import numpy as np

    bands = np.searchsorted(np.asarray(WAIT_BAND_STARTS_MS, dtype=float), wait_ms, side="right")
    return np.where(np.isnan(wait_ms), -1, bands)


def day_text(day: int) -> str:
    """'YYYY-MM-DD' of a stored day number."""
    return date.fromordinal(day + EPOCH_ORDINAL).isoformat()
