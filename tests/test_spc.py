"""Making Data Count rules on worked examples; every expected flag is derived by hand below.

Baseline used throughout: 10, 12 repeated (12 points). Mean 11; every moving range is 2, so the
mean moving range is 2 and the limits are 11 ± 2.66 × 2 = 5.68 .. 16.32. Two-thirds of the way to
a limit (2 sigma) is 11 ± 3.5467: above 14.5467 or below 7.4533. A verdict needs 15 points
(MIN_POINTS), so the worked series run to 15 or more.
"""

from __future__ import annotations

import pytest

from practice_desk.metrics.spc import (
    COMMON,
    CONCERN,
    HIGHER,
    IMPROVEMENT,
    LOWER,
    MIN_POINTS,
    NEUTRAL,
    analyse,
    xmr_limits,
)

BASE = [10, 12] * 6
FULL = [*BASE, 10, 12, 10]  # 15 points, the same limits, all common cause


def flags(chart) -> dict[int, set[str]]:
    return {p.index: p.rules for p in chart.points if p.rules}


def test_limits_from_the_baseline():
    limits = xmr_limits(BASE + [100])  # points after the first 12 do not move the limits
    assert (limits.mean, limits.upper, limits.lower) == pytest.approx((11, 16.32, 5.68))
    assert not limits.trial


def test_common_cause_baseline_has_no_flags():
    chart = analyse(FULL, HIGHER)
    assert flags(chart) == {} and chart.variation == COMMON and chart.points_needed == 0


def test_too_few_points_give_no_verdict():
    assert MIN_POINTS == 15
    one = analyse([0.5], HIGHER, target=0.6)
    assert (one.variation, one.assurance, one.points_needed) == (None, None, 14)
    assert one.limits is None  # one value has no moving range
    # 14 points with the last far outside the limits: still no flag and no verdict.
    short = analyse([*BASE, 11, 40], HIGHER, target=20)
    assert flags(short) == {} and short.limits.upper == pytest.approx(16.32)
    assert (short.variation, short.assurance, short.points_needed) == (None, None, 1)
    full = analyse([*BASE, 11, 11, 40], HIGHER, target=20)
    assert flags(full) == {14: {"outside"}} and full.points_needed == 0
    assert full.variation == "special cause improvement (high)" and full.assurance == "fail"
    # After a re-base the new segment counts from its own first point.
    rebased = analyse([*FULL, *FULL[:5]], HIGHER, change_points=[15])
    assert rebased.variation is None and rebased.points_needed == 10


def test_point_outside_the_limits():
    chart = analyse([*BASE, 17, 11, 5], HIGHER)
    assert flags(chart) == {12: {"outside"}, 14: {"outside"}}
    assert chart.points[12].kind == IMPROVEMENT and chart.points[14].kind == CONCERN
    assert chart.variation == "special cause concern (low)"


def test_direction_decides_the_colour():
    assert analyse([*BASE, 11, 11, 17], LOWER).points[14].kind == CONCERN
    assert analyse([*BASE, 11, 11, 17], None).points[14].kind == NEUTRAL
    assert analyse([*BASE, 11, 11, 17], HIGHER).points[0].kind == COMMON


def test_shift_needs_seven_points_on_one_side():
    ends_low = [12, 10] * 6  # same limits; its last point is below the mean
    assert flags(analyse([*ends_low, *[11.5] * 6])) == {}
    chart = analyse([*ends_low, *[11.5] * 7])
    assert flags(chart) == {i: {"shift"} for i in range(12, 19)}
    # BASE ends above the mean (12), so it joins the run: 6 more points make 7.
    assert flags(analyse([*BASE, *[11.5] * 6])) == {i: {"shift"} for i in range(11, 18)}


def test_a_point_on_the_mean_breaks_a_shift():
    assert flags(analyse([*BASE, 11.5, 11.5, 11.5, 11, 11.5, 11.5, 11.5, 11.5])) == {}


def test_trend_of_seven_rising_points_across_the_mean():
    rising = [9, 10, 10.5, 11.2, 11.8, 12.5, 13]  # 3 below and 4 above the mean: no shift
    chart = analyse([*BASE, *rising], HIGHER)
    # The step from the last baseline point (12) down to 9 starts the rising run at index 12.
    assert flags(chart) == {i: {"trend"} for i in range(12, 19)}
    assert chart.variation == "special cause improvement (high)"


def test_tied_points_break_a_trend():
    tied = [9, 10, 10.5, 10.5, 11.8, 12.5, 13, 13.2]  # runs of 3 and 5 points only
    assert flags(analyse([*BASE, *tied])) == {}


def test_two_of_three_beyond_two_sigma():
    chart = analyse([*BASE, 15, 11, 15], HIGHER)  # 15 > 14.5467; 11 is not
    assert flags(chart) == {12: {"two_of_three"}, 14: {"two_of_three"}}
    assert flags(analyse([*BASE, 15, 11, 11, 15])) == {}  # never 2 within 3 points
    low = analyse([*BASE, 11, 7, 7], HIGHER)  # 7 < 7.4533 on the low side
    assert flags(low) == {13: {"two_of_three"}, 14: {"two_of_three"}}
    assert low.points[14].kind == CONCERN


def test_short_series_gives_trial_limits():
    chart = analyse([10, 12, 11])
    assert chart.limits.trial and chart.limits.mean == pytest.approx(11)
    assert flags(chart) == {} and chart.variation is None and chart.points_needed == 12
    single = analyse([5])
    assert single.limits is None and not single.points[0].special


def test_missing_months_are_skipped():
    chart = analyse([*BASE[:6], None, *BASE[6:], 11, 11, 17])
    assert chart.points[6].limits is not None and chart.points[6].rules == set()
    assert flags(chart) == {15: {"outside"}}
    assert chart.limits.mean == pytest.approx(11)


def test_change_point_rebases_the_limits():
    after = [20, 22] * 8
    chart = analyse([*BASE, *after], HIGHER, change_points=[12])
    assert chart.points[0].limits.mean == pytest.approx(11)
    assert chart.points[12].limits.mean == pytest.approx(21)
    assert flags(chart) == {}  # without the change point the second half is all special cause
    assert flags(analyse([*BASE, *after], HIGHER))[12] >= {"outside"}


def test_assurance_from_the_target_and_the_limits():
    assert analyse(FULL, HIGHER, target=20).assurance == "fail"     # above the upper limit
    assert analyse(FULL, HIGHER, target=3).assurance == "pass"      # below the lower limit
    assert analyse(FULL, HIGHER, target=11).assurance == "inconsistent"
    assert analyse(FULL, LOWER, target=20).assurance == "pass"
    assert analyse(FULL, LOWER, target=3).assurance == "fail"
    assert analyse(FULL, HIGHER).assurance is None
