"""Statistical process control in the NHS "Making Data Count" style (metrics.md, SPC section).

XmR charts: the centre line is the mean of a segment's baseline (its first 12 points, fewer makes
"trial" limits); process limits are mean ± 2.66 × the mean moving range of the baseline. Limits are
re-based only at change points the user sets. A point is special cause when:

- "outside": it is above the upper or below the lower process limit;
- "shift": it belongs to a run of 7 or more consecutive points on one side of the mean (a point
  exactly on the mean ends the run);
- "trend": it belongs to a run of 7 or more consecutive points each higher (or each lower) than
  the one before (two equal points in a row end the run);
- "two_of_three": 2 of 3 consecutive points lie beyond two-thirds of the way from the mean to a
  limit (2 sigma) on the same side; the points beyond are flagged.

Rules look within a segment only. Missing values (None) are skipped: they neither break nor join
a run.

Too few points give no verdict (resources/definitions.md): Making Data Count asks for at least
15 points before a chart is read (20 is better), and its rules need runs of 7. A segment with fewer
than MIN_POINTS values flags no point, and when it is the latest segment the chart has no variation
or assurance verdict: `points_needed` says how many more it takes. Limits need a moving range, so
a segment of one value has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

BASELINE_POINTS = 12
MIN_POINTS = 15  # before any verdict; Making Data Count: at least 15 points, ideally 20
RUN_LENGTH = 7
SIGMA_FACTOR = 2.66  # process limits are 3 sigma; sigma = mean moving range / 1.128

HIGHER, LOWER = "higher", "lower"
IMPROVEMENT, CONCERN, NEUTRAL, COMMON = "improvement", "concern", "neutral", "common cause"


@dataclass
class Limits:
    mean: float
    upper: float
    lower: float
    trial: bool

    def beyond_two_sigma(self, value: float) -> str | None:
        """'high' or 'low' when beyond 2/3 of the way from the mean to a limit, else None."""
        if value > self.mean + (self.upper - self.mean) * 2 / 3:
            return "high"
        if value < self.mean - (self.mean - self.lower) * 2 / 3:
            return "low"
        return None


@dataclass
class Point:
    index: int
    value: float | None
    limits: Limits | None
    rules: set[str] = field(default_factory=set)
    side: str | None = None  # 'high' or 'low' when special cause
    kind: str = COMMON       # improvement, concern, neutral or common cause

    @property
    def special(self) -> bool:
        return bool(self.rules)


@dataclass
class Chart:
    points: list[Point]
    variation: str | None   # e.g. 'special cause improvement (high)'; None: no points or too few
    assurance: str | None   # 'pass', 'fail' or 'inconsistent' when a target is set
    points_needed: int = 0  # more points the latest segment needs before a verdict; 0: enough

    @property
    def limits(self) -> Limits | None:
        """Limits of the latest segment."""
        return next((p.limits for p in reversed(self.points) if p.limits), None)


def xmr_limits(values: Sequence[float]) -> Limits | None:
    """Limits from the baseline (first 12) of a segment's values; None with fewer than two values
    (no moving range, so no spread to set limits from)."""
    baseline = list(values[:BASELINE_POINTS])
    if len(baseline) < 2:
        return None
    mean = sum(baseline) / len(baseline)
    ranges = [abs(b - a) for a, b in zip(baseline, baseline[1:], strict=False)]
    mean_range = sum(ranges) / len(ranges) if ranges else 0.0
    spread = SIGMA_FACTOR * mean_range
    return Limits(mean, mean + spread, mean - spread, trial=len(baseline) < BASELINE_POINTS)


def analyse(values: Sequence[float | None], improvement: str | None = None,
            target: float | None = None, change_points: Sequence[int] = ()) -> Chart:
    """The SPC chart of a series. `change_points` are indexes where new limits start."""
    points = [Point(i, v, None) for i, v in enumerate(values)]
    starts = sorted({0, *(c for c in change_points if 0 < c < len(values))})
    segment: list[Point] = []
    for start, end in zip(starts, [*starts[1:], len(values)], strict=True):
        segment = [p for p in points[start:end] if p.value is not None]
        limits = xmr_limits([p.value for p in segment])
        for point in points[start:end]:
            point.limits = limits
        if limits and len(segment) >= MIN_POINTS:
            _flag(segment, limits)
    for point in points:
        point.kind = _kind(point, improvement)
    shown = [p for p in points if p.value is not None]
    needed = max(0, MIN_POINTS - len(segment)) if shown else 0
    if not shown or needed:
        return Chart(points, None, None, needed)
    return Chart(points, _variation(shown[-1]), _assurance(shown[-1].limits, improvement, target))


def _flag(segment: list[Point], limits: Limits) -> None:
    for point in segment:
        if point.value > limits.upper:
            _mark(point, "outside", "high")
        elif point.value < limits.lower:
            _mark(point, "outside", "low")
    _flag_runs(segment, lambda p: _side_of_mean(p.value, limits.mean), "shift")
    _flag_trends(segment)
    _flag_two_of_three(segment, limits)


def _side_of_mean(value: float, mean: float) -> str | None:
    if value > mean:
        return "high"
    if value < mean:
        return "low"
    return None


def _flag_runs(segment: list[Point], side_of, rule: str) -> None:
    run: list[Point] = []
    for point in [*segment, None]:
        side = side_of(point) if point is not None else None
        if run and side is not None and side == side_of(run[0]):
            run.append(point)
            continue
        if len(run) >= RUN_LENGTH:
            for member in run:
                _mark(member, rule, side_of(run[0]))
        run = [point] if side is not None else []


def _flag_trends(segment: list[Point]) -> None:
    # A trend is a run of steps in one direction; 7 points make 6 steps.
    run: list[Point] = segment[:1]
    direction = None
    for previous, point in zip(segment, segment[1:], strict=False):
        step = "high" if point.value > previous.value else "low" if point.value < previous.value \
            else None
        if step is not None and step == direction:
            run.append(point)
            continue
        _close_trend(run, direction)
        direction = step
        run = [previous, point] if step is not None else [point]
    _close_trend(run, direction)


def _close_trend(run: list[Point], direction: str | None) -> None:
    if direction is not None and len(run) >= RUN_LENGTH:
        for member in run:
            _mark(member, "trend", direction)


def _flag_two_of_three(segment: list[Point], limits: Limits) -> None:
    for window in zip(segment, segment[1:], segment[2:], strict=False):
        for side in ("high", "low"):
            beyond = [p for p in window if limits.beyond_two_sigma(p.value) == side]
            if len(beyond) >= 2:
                for point in beyond:
                    _mark(point, "two_of_three", side)


def _mark(point: Point, rule: str, side: str) -> None:
    point.rules.add(rule)
    # A point flagged on both sides (possible only across different rules) keeps its first side.
    point.side = point.side or side


def _kind(point: Point, improvement: str | None) -> str:
    if not point.special:
        return COMMON
    if improvement is None:
        return NEUTRAL
    good_side = "high" if improvement == HIGHER else "low"
    return IMPROVEMENT if point.side == good_side else CONCERN


def _variation(last: Point) -> str:
    if not last.special:
        return COMMON
    return f"special cause {last.kind} ({last.side})"


def _assurance(limits: Limits | None, improvement: str | None, target: float | None) -> str | None:
    """Will the process meet the target? From where the target sits against the limits."""
    if target is None or limits is None or improvement is None:
        return None
    if limits.lower <= target <= limits.upper:
        return "inconsistent"
    above_process = target > limits.upper
    if improvement == HIGHER:
        return "fail" if above_process else "pass"
    return "pass" if above_process else "fail"
