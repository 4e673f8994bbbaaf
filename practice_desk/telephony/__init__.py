"""Telephony: call-level logs in the NHS CBT outcome model, hourly aggregates, core hours, 111."""
