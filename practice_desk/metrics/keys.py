"""Every metric key of the contract (shared/formats/metrics.md), by area, in display order."""

from __future__ import annotations

APPOINTMENT_KEYS = [
    "appointments_total", "f2f_share", "in_person_share", "telephone_share", "same_day_share",
    "within_14_days_share", "dna_rate", "gp_share", "unknown_mode_share", "unknown_status_share",
    "unknown_interval_share", "unmapped_category_share", "appointments_per_1000",
]

_BANDS = ["lt1m", "1to2m", "2to5m", "gt5m"]
TELEPHONY_KEYS = [
    "inbound_calls", "answered", "answered_share", "ivr_ended", "ivr_ended_share",
    "callback_requested", "callback_requested_share", "missed", "missed_share",
    "callback_made", "callback_made_share", "unreconciled_calls",
    *[f"answered_wait_{band}_share" for band in _BANDS],
    *[f"missed_wait_{band}_share" for band in _BANDS],
    "wait_median_s", "wait_p90_s", "talk_mean_s", "calls_per_1000", "calls_111_core",
    "diverted_minutes_core",
]

APP_BASE_KEYS = [
    "app_logins", "app_record_views", "app_prescriptions_ordered", "app_appointments_booked",
    "app_appointments_cancelled", "app_registrations", "app_registrations_total",
    "online_prescriptions_ordered", "online_appointments_used", "online_record_views",
]
APP_KEYS = [
    *APP_BASE_KEYS,
    *[f"{key}_per_1000" for key in APP_BASE_KEYS],
    *[f"{key}_ytd_change" for key in APP_BASE_KEYS],
]

ONLINE_CONSULTATION_KEYS = [
    "oc_submissions", "oc_clinical_submissions", "oc_admin_submissions", "oc_other_submissions",
    "oc_clinical_share", "oc_submissions_per_1000",
]
WORKFORCE_KEYS = [
    "gp_fte", "gp_all_fte", "nurse_fte", "dpc_fte", "admin_fte", "clinical_fte",
    "patients_per_gp_fte", "gp_appointments_per_gp_fte", "appointments_per_clinical_fte",
]
DEMAND_KEYS = [
    "contacts", "contacts_per_1000", "online_share_of_contacts", "appointments_per_contact",
]

# Not metrics but shown with them, so a per-1,000 figure can be checked by hand.
CONTEXT_KEYS = ["list_size", "list_size_date"]
# Keys of the contract that are text shown beside the figures, not figures.
TEXT_KEYS = ["oc_supplier"]

METRIC_KEYS = [*APPOINTMENT_KEYS, *TELEPHONY_KEYS, *APP_KEYS, *ONLINE_CONSULTATION_KEYS,
               *WORKFORCE_KEYS, *DEMAND_KEYS]

# Which way is better, for charts and SPC colours. Keys not listed have no direction.
HIGHER_IS_BETTER = {
    "f2f_share", "in_person_share", "within_14_days_share", "same_day_share", "answered_share",
    "answered_wait_lt1m_share", "callback_made_share",
}
LOWER_IS_BETTER = {
    "dna_rate", "missed_share", "unknown_mode_share", "unknown_status_share",
    "unknown_interval_share", "unmapped_category_share", "answered_wait_gt5m_share",
    "wait_median_s", "wait_p90_s", "calls_111_core", "diverted_minutes_core",
}


def is_share(key: str) -> bool:
    """Shares are fractions 0-1 in data, shown as percentages."""
    return key.endswith("_share") or key in ("dna_rate", "online_share_of_contacts")


# Ratios of two counts of similar size, shown with two decimals.
RATIO_KEYS = {"appointments_per_contact"}


def format_value(key: str, value) -> str:
    """A figure as people read it: 64.9%, 6,649 or 436.2; a dash when it cannot be computed."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if is_share(key):
        return f"{value:.1%}"
    if key in RATIO_KEYS:  # near 1: one decimal would hide the change (0.92 vs 0.96)
        return f"{value:,.2f}"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
