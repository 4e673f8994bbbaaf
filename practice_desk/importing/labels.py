"""One vocabulary for GPAD category labels, whichever file or year they came from."""

from __future__ import annotations

import re

# Published raw label (whitespace folded, upper-case) -> normalised label, per dimension.
_VOCABULARY: dict[str, dict[str, str]] = {
    "hcp_type": {
        "GP": "GP",
        "OTHER PRACTICE STAFF": "Other Practice staff",
        "UNKNOWN": "Unknown",
        "HCP TYPE NOT PROVIDED": "Unknown",
    },
    "appt_mode": {
        "FACE-TO-FACE": "Face-to-Face",
        "TELEPHONE": "Telephone",
        "VIDEO CONFERENCE/ONLINE": "Video Conference/Online",
        "VIDEO/ONLINE": "Video Conference/Online",
        "HOME VISIT": "Home Visit",
        "UNKNOWN": "Unknown",
    },
    "status": {
        "ATTENDED": "Attended",
        "DNA": "DNA",
        "UNKNOWN": "Unknown",
        "APPT STATUS NOT PROVIDED": "Unknown",
    },
    "interval": {
        "SAME DAY": "Same Day",
        "1 DAY": "1 Day",
        "2 TO 7 DAYS": "2 to 7 Days",
        "8 TO 14 DAYS": "8 to 14 Days",
        "15 TO 21 DAYS": "15 to 21 Days",
        "22 TO 28 DAYS": "22 to 28 Days",
        "MORE THAN 28 DAYS": "More than 28 Days",
        "UNKNOWN / DATA ISSUE": "Unknown",
        "UNKNOWN / DATA QUALITY": "Unknown",
        "UNKNOWN": "Unknown",
    },
    "category": {
        label.upper(): label
        for label in (
            "General Consultation Routine",
            "General Consultation Acute",
            "Planned Clinics",
            "Planned Clinical Procedure",
            "Clinical Triage",
            "Home Visit",
            "Unplanned Clinical Activity",
            "Structured Medication Review",
            "Social Prescribing Service",
            "Care Related Encounter but does not fit into any other category",
            "Patient contact during Care Home Round",
            "Care Home Visit",
            "Care Home Needs Assessment & Personalised Care and Support Planning",
            "Service provided by organisation external to the practice",
            "Non-contractual chargeable work",
            "Walk-in",
            "Group Consultation and Group Education",
            "Unmapped",
            "Inconsistent Mapping",
        )
    },
    "service_setting": {
        label.upper(): label
        for label in (
            "General Practice",
            "Primary Care Network",
            "Extended Access Provision",
            "Other",
            "Unmapped",
        )
    },
    "context_type": {
        label.upper(): label
        for label in ("Care Related Encounter", "Inconsistent Mapping", "Unmapped")
    },
}

# Order in which booking intervals are shown.
INTERVAL_ORDER = [
    "Same Day", "1 Day", "2 to 7 Days", "8 to 14 Days", "15 to 21 Days", "22 to 28 Days",
    "More than 28 Days", "Unknown",
]
MODE_ORDER = ["Face-to-Face", "Home Visit", "Telephone", "Video Conference/Online", "Unknown"]
WITHIN_14_DAYS = {"Same Day", "1 Day", "2 to 7 Days", "8 to 14 Days"}
UNMAPPED_CATEGORIES = {"Unmapped", "Inconsistent Mapping"}

_SPACES = re.compile(r"\s+")


def fold(raw: str) -> str:
    return _SPACES.sub(" ", raw.strip())


def normalise(dimension: str, raw: str) -> tuple[str, bool]:
    """(normalised label, whether the label is a known one). Unknown labels keep their text."""
    folded = fold(raw)
    label = _VOCABULARY[dimension].get(folded.upper())
    return (label, True) if label else (folded, False)
