"""Numbered schema migrations. Each runs in one transaction together with its version bump.

Append new migrations to MIGRATIONS; never edit one that has shipped.
"""

MIGRATION_1 = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per import attempt that was committed. Failed imports roll back and leave no row.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_stored INTEGER NOT NULL DEFAULT 0,
    rows_replaced INTEGER NOT NULL DEFAULT 0,   -- older rows this import replaced
    rows_superseded INTEGER NOT NULL DEFAULT 0, -- rows of this import replaced later
    status TEXT NOT NULL CHECK (status IN ('done', 'undone')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    undone_at TEXT,
    periods TEXT NOT NULL DEFAULT '',           -- e.g. '2025-09..2025-10'
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX imports_hash ON imports (content_hash);

CREATE TABLE practices (
    ods_code TEXT PRIMARY KEY,
    name TEXT,
    supplier TEXT,
    pcn_code TEXT,
    pcn_name TEXT,
    sub_icb_code TEXT,
    sub_icb_name TEXT,
    icb_code TEXT,
    icb_name TEXT,
    region_code TEXT,
    region_name TEXT,
    as_of TEXT NOT NULL DEFAULT '',  -- month of the newest data that set these fields
    import_id INTEGER
);
CREATE INDEX practices_pcn ON practices (pcn_code);

-- Raw category labels as published and the one vocabulary they map to.
CREATE TABLE labels (
    id INTEGER PRIMARY KEY,
    dimension TEXT NOT NULL,
    raw TEXT NOT NULL,
    label TEXT NOT NULL,
    UNIQUE (dimension, raw)
);

CREATE TABLE list_sizes (
    ods_code TEXT NOT NULL,
    extract_date TEXT NOT NULL,
    patients INTEGER NOT NULL,
    import_id INTEGER NOT NULL REFERENCES imports (id),
    PRIMARY KEY (ods_code, extract_date)
);

-- GPAD practice crosstab: one row per published row. Dimensions are label ids.
CREATE TABLE gpad_appointments (
    import_id INTEGER NOT NULL,
    ods_code TEXT NOT NULL,
    month TEXT NOT NULL,
    hcp_type INTEGER NOT NULL,
    appt_mode INTEGER NOT NULL,
    category INTEGER NOT NULL,
    interval INTEGER NOT NULL,
    status INTEGER NOT NULL,
    count INTEGER NOT NULL
);
CREATE INDEX gpad_appointments_practice_month ON gpad_appointments (ods_code, month);

-- Which import supplies each (practice, month) or (area, period): a newer import replaces it.
CREATE TABLE coverage (
    source TEXT NOT NULL,      -- a key of practice_desk.importing.coverage.SOURCES
    unit TEXT NOT NULL,        -- practice ODS code or area code
    period TEXT NOT NULL,      -- month YYYY-MM or day YYYY-MM-DD
    import_id INTEGER NOT NULL,
    PRIMARY KEY (source, unit, period)
);
CREATE INDEX coverage_import ON coverage (import_id);

CREATE TABLE areas (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL,        -- 'sub_icb' or 'ccg'
    name TEXT,
    ons_code TEXT,
    parent_name TEXT,
    region_name TEXT
);

-- GPAD area files (daily sub-ICB, regional monthly): context and benchmarking.
CREATE TABLE gpad_area_appointments (
    import_id INTEGER NOT NULL,
    area_code TEXT NOT NULL,
    granularity TEXT NOT NULL CHECK (granularity IN ('day', 'month')),
    period TEXT NOT NULL,      -- YYYY-MM-DD for daily files, YYYY-MM for monthly
    month TEXT NOT NULL,
    hcp_type INTEGER NOT NULL,
    appt_mode INTEGER NOT NULL,
    interval INTEGER NOT NULL,
    status INTEGER NOT NULL,
    count INTEGER NOT NULL
);
CREATE INDEX gpad_area_unit_period ON gpad_area_appointments (area_code, period);

-- GPAD national categories (daily, by sub-ICB).
CREATE TABLE gpad_category_appointments (
    import_id INTEGER NOT NULL,
    area_code TEXT NOT NULL,
    period TEXT NOT NULL,
    month TEXT NOT NULL,
    service_setting INTEGER NOT NULL,
    context_type INTEGER NOT NULL,
    category INTEGER NOT NULL,
    count INTEGER NOT NULL
);
CREATE INDEX gpad_category_unit_period ON gpad_category_appointments (area_code, period);
"""

MIGRATIONS: list[str] = [MIGRATION_1]

SCHEMA_VERSION = len(MIGRATIONS)
