"""Outputs for other people: anonymised names, chart packs, Excel workbooks."""
