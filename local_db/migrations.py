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

MIGRATION_2 = """
-- NHS England CBT monthly publication (Tables 3-5): one row per practice or shared account, month.
CREATE TABLE cbt_monthly (
    import_id INTEGER NOT NULL,
    unit TEXT NOT NULL,        -- ODS code, or 'Unassigned:<sub-ICB code>' for shared phone accounts
    ods_code TEXT,             -- NULL for unassigned rows: never counted as a practice
    month TEXT NOT NULL,
    inbound INTEGER,           -- CBT001; NULL where the workbook shows '-' or blank
    answered INTEGER,          -- CBT003
    ivr_ended INTEGER,         -- CBT002
    callback_requested INTEGER,-- CBT005
    missed INTEGER,            -- CBT004, voicemail included
    callback_made INTEGER,     -- CBT006
    answered_wait_lt1m INTEGER, answered_wait_1to2m INTEGER,
    answered_wait_2to5m INTEGER, answered_wait_gt5m INTEGER,
    answered_duration_lt1m INTEGER, answered_duration_1to2m INTEGER,
    answered_duration_2to5m INTEGER, answered_duration_gt5m INTEGER,
    missed_wait_lt1m INTEGER, missed_wait_1to2m INTEGER,
    missed_wait_2to5m INTEGER, missed_wait_gt5m INTEGER
);
CREATE INDEX cbt_monthly_unit_month ON cbt_monthly (unit, month);
CREATE INDEX cbt_monthly_month ON cbt_monthly (month);

-- CBT daily CSVs as shared with ICBs, kept in their long form.
CREATE TABLE cbt_daily (
    import_id INTEGER NOT NULL,
    unit TEXT NOT NULL,        -- as in cbt_monthly
    ods_code TEXT,
    day TEXT NOT NULL,         -- YYYY-MM-DD
    month TEXT NOT NULL,
    indicator TEXT NOT NULL,   -- CBT001 ... CBT007
    band_kind TEXT NOT NULL,   -- 'time' (2-hour band), 'duration', 'wait' or 'core'
    band TEXT NOT NULL,        -- e.g. '08:00 - 09:59', '<1 min', 'Core_8_10', 'TOTAL'
    value INTEGER
);
CREATE INDEX cbt_daily_unit_day ON cbt_daily (unit, day);

-- Call-level logs: one row per call after mapping to the canonical outcome model.
CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL,
    ods_code TEXT NOT NULL,
    call_key TEXT NOT NULL UNIQUE, -- the same call in an overlapping export gets the same key
    started_at TEXT NOT NULL,      -- UTC, 'YYYY-MM-DDTHH:MM:SSZ'
    local_day TEXT NOT NULL,       -- Europe/London date
    local_time TEXT NOT NULL,      -- Europe/London 'HH:MM:SS'
    weekday INTEGER NOT NULL,      -- 0 = Monday
    direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
    route TEXT,                    -- route, queue or IVR option as the supplier wrote it
    wait_s REAL,                   -- queue/ring time before answer or before the caller gave up
    talk_s REAL,
    outcome TEXT CHECK (outcome IN ('answered', 'ivr_ended', 'callback_requested', 'missed')),
    supplier_outcome TEXT,         -- the supplier's own word, for reconciliation
    callback_made INTEGER NOT NULL DEFAULT 0,
    is_111 INTEGER NOT NULL DEFAULT 0,
    caller_hash TEXT               -- keyed one-way hash of the caller number; never the number
);
CREATE INDEX calls_practice_day ON calls (ods_code, local_day);
CREATE INDEX calls_import ON calls (import_id);

-- Calls summed per practice x day x hour (split at the core-hours edge), rebuilt for the days an
-- import or undo touches and when core hours change, so dashboards stay fast on years of calls.
CREATE TABLE call_hours (
    ods_code TEXT NOT NULL,
    day TEXT NOT NULL,
    month TEXT NOT NULL,
    hour INTEGER NOT NULL,
    weekday INTEGER NOT NULL,
    core INTEGER NOT NULL,
    inbound INTEGER NOT NULL, answered INTEGER NOT NULL, ivr_ended INTEGER NOT NULL,
    callback_requested INTEGER NOT NULL, missed INTEGER NOT NULL, callback_made INTEGER NOT NULL,
    calls_111 INTEGER NOT NULL, outbound INTEGER NOT NULL,
    answered_wait_lt1m INTEGER NOT NULL, answered_wait_1to2m INTEGER NOT NULL,
    answered_wait_2to5m INTEGER NOT NULL, answered_wait_gt5m INTEGER NOT NULL,
    missed_wait_lt1m INTEGER NOT NULL, missed_wait_1to2m INTEGER NOT NULL,
    missed_wait_2to5m INTEGER NOT NULL, missed_wait_gt5m INTEGER NOT NULL,
    talk_sum_s REAL NOT NULL, talk_count INTEGER NOT NULL,
    PRIMARY KEY (ods_code, day, hour, core)
);
CREATE INDEX call_hours_month ON call_hours (ods_code, month);

-- Answered calls' waits per practice and month in whole seconds: exact medians without a scan.
CREATE TABLE call_waits (
    ods_code TEXT NOT NULL,
    month TEXT NOT NULL,
    wait_s INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (ods_code, month, wait_s)
);

-- Column mappings for files without a known layout (call logs, NHS App exports, 111 counts),
-- saved by header signature so the next export of the same shape imports with one click.
CREATE TABLE column_mappings (
    kind TEXT NOT NULL,            -- what the file holds, e.g. 'call_log', 'calls_111'
    signature TEXT NOT NULL,       -- hash of the normalised header
    name TEXT NOT NULL,
    mapping TEXT NOT NULL,         -- JSON
    saved_at TEXT NOT NULL,
    PRIMARY KEY (kind, signature)
);

-- Diversion episodes the manager records (or imports): source of diverted_minutes_core.
CREATE TABLE diversions (
    id INTEGER PRIMARY KEY,
    ods_code TEXT NOT NULL,
    started_at TEXT NOT NULL,      -- local 'YYYY-MM-DD HH:MM'
    ended_at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    icb_informed INTEGER NOT NULL DEFAULT 0,
    import_id INTEGER              -- NULL when typed in by the manager
);
CREATE INDEX diversions_practice ON diversions (ods_code, started_at);

-- NHS England's counts of calls to 111 in core hours, imported through the mapping step.
CREATE TABLE calls_111_counts (
    import_id INTEGER NOT NULL,
    ods_code TEXT NOT NULL,
    period TEXT NOT NULL,          -- YYYY-MM or YYYY-MM-DD
    month TEXT NOT NULL,
    calls INTEGER NOT NULL
);
CREATE INDEX calls_111_counts_practice ON calls_111_counts (ods_code, period);

-- Bank holidays in England (editable in Settings; seeded by the app).
CREATE TABLE bank_holidays (
    day TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
"""

MIGRATION_3 = """
-- Intervention notes: dated markers on charts of a practice or a PCN; a note with rebase = 1 is a
-- change point where the SPC limits start again (metrics.md, SPC section).
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('practice', 'pcn')),
    scope_code TEXT NOT NULL,
    day TEXT NOT NULL,             -- 'YYYY-MM-DD'
    text TEXT NOT NULL,
    rebase INTEGER NOT NULL DEFAULT 0 CHECK (rebase IN (0, 1)),
    metric TEXT,                   -- NULL: every chart of the scope; else one metric key
    created_at TEXT NOT NULL
);
CREATE INDEX notes_scope ON notes (scope_kind, scope_code, day);
"""

MIGRATION_4 = """
-- NHS App and online access (nhs_app.md). One row per figure; value NULL = blank, NULL or
-- suppressed in the file (never 0). Each (measure or field, unit, month) has one supplying import
-- in `coverage` (sources 'app_<measure>', 'app_area_<measure>', 'pomi_<field>'), so a newer
-- release of a month replaces only the figures it gives.
CREATE TABLE app_practice_values (
    import_id INTEGER NOT NULL REFERENCES imports (id),
    ods_code TEXT NOT NULL,
    month TEXT NOT NULL,           -- 'YYYY-MM'
    measure TEXT NOT NULL,         -- logins, record_views, record_users, prescriptions_ordered, ...
    value INTEGER,
    PRIMARY KEY (measure, ods_code, month)
);
CREATE INDEX app_practice_values_practice ON app_practice_values (ods_code, month);

-- Published ICB and national NHS App statistics (area_code 'ENGLAND' for England).
CREATE TABLE app_area_values (
    import_id INTEGER NOT NULL REFERENCES imports (id),
    area_code TEXT NOT NULL,
    area_name TEXT,
    month TEXT NOT NULL,
    measure TEXT NOT NULL,         -- logins, unique_users, prescriptions_ordered, ...
    value INTEGER,
    PRIMARY KEY (measure, area_code, month)
);

-- POMI (patient online management information), in the 2017-24 field names for both layouts.
CREATE TABLE pomi_values (
    import_id INTEGER NOT NULL REFERENCES imports (id),
    ods_code TEXT NOT NULL,
    month TEXT NOT NULL,
    field TEXT NOT NULL,           -- patient_list_size, Pat_Presc_Use, Sys_Appts_Enbld, ...
    value INTEGER,
    supplier TEXT,
    PRIMARY KEY (field, ods_code, month)
);
CREATE INDEX pomi_values_practice ON pomi_values (ods_code, month);
"""

MIGRATION_5 = """
-- Calls again, for speed on million-call logs. The CHECK (... IN (...)) constraints took about a
-- third of the insert time (the importer writes only the canonical words), and a call is now
-- unique per practice and local day: exports run in time order, so this index grows at its end
-- where the old random-key index was written all over, and it also serves the per-day reads.
-- Keys and caller hashes are kept shorter (the first 16 and 32 hex digits of the same digests:
-- a key need only tell apart one practice's calls of one day; 128 bits of the keyed caller hash
-- are as one-way as 256), a quarter fewer bytes per call. There is no index by import: every
-- import would pay for it, and only an undo (rare) needs it, which reads the table instead.
CREATE TABLE calls_v5 (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL,
    ods_code TEXT NOT NULL,
    call_key TEXT NOT NULL,        -- the same call in an overlapping export gets the same key
    started_at TEXT NOT NULL,      -- UTC, 'YYYY-MM-DDTHH:MM:SSZ'
    local_day TEXT NOT NULL,       -- Europe/London date
    local_time TEXT NOT NULL,      -- Europe/London 'HH:MM:SS'
    weekday INTEGER NOT NULL,      -- 0 = Monday
    direction TEXT NOT NULL,       -- 'inbound', 'outbound' or 'internal'
    route TEXT,                    -- route, queue or IVR option as the supplier wrote it
    wait_s REAL,                   -- queue/ring time before answer or before the caller gave up
    talk_s REAL,
    outcome TEXT,                  -- 'answered', 'ivr_ended', 'callback_requested' or 'missed'
    supplier_outcome TEXT,         -- the supplier's own word, for reconciliation
    callback_made INTEGER NOT NULL DEFAULT 0,
    is_111 INTEGER NOT NULL DEFAULT 0,
    caller_hash TEXT,              -- keyed one-way hash of the caller number; never the number
    UNIQUE (ods_code, local_day, call_key)
);
INSERT INTO calls_v5 SELECT id, import_id, ods_code, substr(call_key, 1, 16), started_at,
    local_day, local_time, weekday, direction, route, wait_s, talk_s, outcome, supplier_outcome,
    callback_made, is_111, substr(caller_hash, 1, 32) FROM calls;
DROP TABLE calls;
ALTER TABLE calls_v5 RENAME TO calls;

-- call_hours summed per practice and month (kept with it), so monthly dashboards read one row per
-- practice and month instead of hundreds.
CREATE TABLE call_months (
    ods_code TEXT NOT NULL,
    month TEXT NOT NULL,
    inbound INTEGER NOT NULL, answered INTEGER NOT NULL, ivr_ended INTEGER NOT NULL,
    callback_requested INTEGER NOT NULL, missed INTEGER NOT NULL, callback_made INTEGER NOT NULL,
    calls_111 INTEGER NOT NULL, outbound INTEGER NOT NULL,
    answered_wait_lt1m INTEGER NOT NULL, answered_wait_1to2m INTEGER NOT NULL,
    answered_wait_2to5m INTEGER NOT NULL, answered_wait_gt5m INTEGER NOT NULL,
    missed_wait_lt1m INTEGER NOT NULL, missed_wait_1to2m INTEGER NOT NULL,
    missed_wait_2to5m INTEGER NOT NULL, missed_wait_gt5m INTEGER NOT NULL,
    calls_111_core INTEGER NOT NULL,
    talk_sum_s REAL NOT NULL, talk_count INTEGER NOT NULL,
    PRIMARY KEY (ods_code, month)
);
INSERT INTO call_months SELECT ods_code, month, SUM(inbound), SUM(answered), SUM(ivr_ended),
    SUM(callback_requested), SUM(missed), SUM(callback_made), SUM(calls_111), SUM(outbound),
    SUM(answered_wait_lt1m), SUM(answered_wait_1to2m), SUM(answered_wait_2to5m),
    SUM(answered_wait_gt5m), SUM(missed_wait_lt1m), SUM(missed_wait_1to2m),
    SUM(missed_wait_2to5m), SUM(missed_wait_gt5m),
    SUM(CASE WHEN core = 1 THEN calls_111 ELSE 0 END), TOTAL(talk_sum_s), SUM(talk_count)
FROM call_hours GROUP BY ods_code, month;

-- call_hours summed per practice, month, weekday and hour (the hour x weekday heatmap), and the
-- days with calls (for calls per day), kept with call_months.
CREATE TABLE call_weekday_hours (
    ods_code TEXT NOT NULL,
    month TEXT NOT NULL,
    weekday INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    inbound INTEGER NOT NULL, answered INTEGER NOT NULL, missed INTEGER NOT NULL,
    ivr_ended INTEGER NOT NULL, callback_requested INTEGER NOT NULL,
    PRIMARY KEY (ods_code, month, weekday, hour)
);
INSERT INTO call_weekday_hours SELECT ods_code, month, weekday, hour, SUM(inbound),
    SUM(answered), SUM(missed), SUM(ivr_ended), SUM(callback_requested)
FROM call_hours GROUP BY ods_code, month, weekday, hour;
CREATE TABLE call_days (
    ods_code TEXT NOT NULL,
    day TEXT NOT NULL,
    month TEXT NOT NULL,
    weekday INTEGER NOT NULL,
    PRIMARY KEY (ods_code, day)
);
INSERT INTO call_days SELECT DISTINCT ods_code, day, month, weekday FROM call_hours;
"""

MIGRATION_6 = """
-- Which imports named which practice or area, so that undoing an import forgets the practices,
-- PCNs and areas no remaining import mentions. Before this, only the last import to touch a
-- practice was known (practices.import_id): that is where older databases start from.
CREATE TABLE import_mentions (
    kind TEXT NOT NULL,            -- 'practice' or 'area'
    code TEXT NOT NULL,
    import_id INTEGER NOT NULL,
    PRIMARY KEY (kind, code, import_id)
) WITHOUT ROWID;
CREATE INDEX import_mentions_import ON import_mentions (import_id);
INSERT OR IGNORE INTO import_mentions SELECT 'practice', ods_code, import_id FROM practices
    WHERE import_id IS NOT NULL;
"""

MIGRATION_7 = """
-- Online consultation submissions (NHS England's 'Submissions via Online Consultation Systems in
-- General Practice', Table 2): one row per practice and month. A count is NULL where the
-- publication has no data (a practice not taking part, or a 'No Data' supplier), never 0.
CREATE TABLE oc_practice_months (
    import_id INTEGER NOT NULL REFERENCES imports (id),
    ods_code TEXT NOT NULL,
    month TEXT NOT NULL,           -- 'YYYY-MM'
    supplier TEXT,                 -- as published, e.g. 'ACCURX LIMITED' or 'No Data'
    participating INTEGER,         -- 1, 0 (not taking part), NULL (before June 2024: not said)
    submissions INTEGER,
    clinical INTEGER,
    admin INTEGER,
    other INTEGER,
    patients INTEGER,              -- the publication's Registered Patient Count
    PRIMARY KEY (ods_code, month)
);
-- Table 3: England's average submissions per weekday and time band in the month (context).
CREATE TABLE oc_england_times (
    import_id INTEGER NOT NULL REFERENCES imports (id),
    area_code TEXT NOT NULL,       -- 'ENGLAND'
    month TEXT NOT NULL,
    weekday INTEGER NOT NULL,      -- 0 Monday .. 6 Sunday
    band TEXT NOT NULL,            -- '00:00 - 05:59' .. '18:00 - 23:59', 'Unknown'
    average REAL,
    PRIMARY KEY (area_code, month, weekday, band)
);
-- General Practice Workforce, practice-level detailed CSV: the staff in post at the end of the
-- month. FTE NULL = 'NA' (no valid records for that staff group), never 0.
CREATE TABLE workforce (
    import_id INTEGER NOT NULL REFERENCES imports (id),
    ods_code TEXT NOT NULL,
    month TEXT NOT NULL,
    patients INTEGER,              -- TOTAL_PATIENTS
    gp_fte REAL,                   -- TOTAL_GP_EXTGL_FTE: fully qualified permanent GPs
    gp_all_fte REAL,               -- TOTAL_GP_FTE: every GP, trainees and locums included
    nurse_fte REAL,                -- TOTAL_NURSES_FTE
    dpc_fte REAL,                  -- TOTAL_DPC_FTE
    admin_fte REAL,                -- TOTAL_ADMIN_FTE
    gp_source TEXT, nurse_source TEXT, dpc_source TEXT, admin_source TEXT,
    PRIMARY KEY (ods_code, month)
);
"""

# How migration 8's `calls` codes its words. Stored data depends on them: never reorder, only
# append. The telephony code reads them from here (practice_desk/telephony/model.py).
CALL_DIRECTIONS = ("inbound", "outbound", "internal")
CALL_OUTCOMES = ("answered", "ivr_ended", "callback_requested", "missed")


def _words(column: str, words: tuple[str, ...], to_code: bool) -> str:
    """A CASE turning a stored code into its word (or, to_code, a word into its code)."""
    pairs = [(f"'{w}'", str(i)) if to_code else (str(i), f"'{w}'") for i, w in enumerate(words)]
    return f"CASE {column} " + " ".join(f"WHEN {a} THEN {b}" for a, b in pairs) + " END"


def _hex64(column: str) -> str:
    """The first 16 hex digits of a text column as a signed 64-bit integer (as Python's
    int.from_bytes(digest[:8], 'big', signed=True)): SQLite's << wraps into the sign bit."""
    return " | ".join(f"((instr('0123456789abcdef', substr({column}, {i + 1}, 1)) - 1) << "
                      f"{60 - 4 * i})" for i in range(16))


MIGRATION_8 = f"""
-- A compact call store: about 50 bytes a call (calls and its key together) where schema 5 took
-- about 210. Words are small codes (CALL_DIRECTIONS, CALL_OUTCOMES) or call_labels ids; the time
-- is the London day and clock as integers (the UTC instant is day * 86400 + clock - 3600 * summer,
-- so none of these can be worked out from another); key and caller hash are 64-bit integers
-- (the first 16 hex digits schema 5 kept of the same digests, so overlapping exports still
-- match); waits and talk times whole milliseconds (schema 5 rounded them to the millisecond).
-- The table is its unique key (practice, day, key): no separate index, no rowid.
CREATE TABLE call_labels (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,            -- 'practice' (ODS code), 'route' or 'supplier_outcome'
    text TEXT NOT NULL,
    UNIQUE (kind, text)
);
CREATE TABLE calls_v8 (
    practice INTEGER NOT NULL,     -- call_labels id of the practice's ODS code
    day INTEGER NOT NULL,          -- Europe/London date, days since 1970-01-01
    call_key INTEGER NOT NULL,     -- the same call in an overlapping export gets the same key
    clock INTEGER NOT NULL,        -- Europe/London time of day, seconds since midnight
    summer INTEGER NOT NULL,       -- 1 when London was on summer time (BST), else 0
    import_id INTEGER NOT NULL,
    direction INTEGER NOT NULL,    -- index in CALL_DIRECTIONS
    outcome INTEGER,               -- index in CALL_OUTCOMES
    route INTEGER,                 -- call_labels id: route, queue or IVR option as written
    supplier_outcome INTEGER,      -- call_labels id: the supplier's own word, for reconciliation
    wait_ms INTEGER,               -- queue/ring time before answer or before the caller gave up
    talk_ms INTEGER,
    callback_made INTEGER NOT NULL,
    is_111 INTEGER NOT NULL,
    caller INTEGER,                -- 64 bits of the keyed one-way caller hash; never the number
    PRIMARY KEY (practice, day, call_key)
) WITHOUT ROWID;
INSERT INTO call_labels (kind, text) SELECT DISTINCT 'practice', ods_code FROM calls
    ORDER BY ods_code;
INSERT INTO call_labels (kind, text) SELECT DISTINCT 'route', route FROM calls
    WHERE route IS NOT NULL ORDER BY route;
INSERT INTO call_labels (kind, text) SELECT DISTINCT 'supplier_outcome', supplier_outcome
    FROM calls WHERE supplier_outcome IS NOT NULL ORDER BY supplier_outcome;
INSERT INTO calls_v8
SELECT p.id, c.day, {_hex64("c.call_key")}, c.clock,
    (c.day * 86400 + c.clock - CAST(strftime('%s', c.started_at) AS INTEGER)) / 3600,
    c.import_id, {_words("c.direction", CALL_DIRECTIONS, True)},
    {_words("c.outcome", CALL_OUTCOMES, True)}, r.id, s.id,
    CAST(round(c.wait_s * 1000) AS INTEGER), CAST(round(c.talk_s * 1000) AS INTEGER),
    c.callback_made, c.is_111, {_hex64("c.caller_hash")}
FROM (SELECT *, CAST(julianday(local_day) - 2440587.5 AS INTEGER) AS day,
             CAST(substr(local_time, 1, 2) AS INTEGER) * 3600
             + CAST(substr(local_time, 4, 2) AS INTEGER) * 60
             + CAST(substr(local_time, 7, 2) AS INTEGER) AS clock FROM calls) c
JOIN call_labels p ON p.kind = 'practice' AND p.text = c.ods_code
LEFT JOIN call_labels r ON r.kind = 'route' AND r.text = c.route
LEFT JOIN call_labels s ON s.kind = 'supplier_outcome' AND s.text = c.supplier_outcome
ORDER BY p.id, c.day;
DROP TABLE calls;
ALTER TABLE calls_v8 RENAME TO calls;

-- The calls in words, as schema 5 kept them (for reading by hand and for reconciliation).
CREATE VIEW call_list AS
SELECT c.import_id, p.text AS ods_code, c.call_key,
    strftime('%Y-%m-%dT%H:%M:%SZ', c.day * 86400 + c.clock - 3600 * c.summer, 'unixepoch')
        AS started_at,
    date(c.day * 86400, 'unixepoch') AS local_day, time(c.clock, 'unixepoch') AS local_time,
    (c.day + 3) % 7 AS weekday,   -- 0 = Monday (1 January 1970 was a Thursday)
    {_words("c.direction", CALL_DIRECTIONS, False)} AS direction,
    r.text AS route, c.wait_ms / 1000.0 AS wait_s, c.talk_ms / 1000.0 AS talk_s,
    {_words("c.outcome", CALL_OUTCOMES, False)} AS outcome,
    s.text AS supplier_outcome, c.callback_made, c.is_111, c.caller AS caller_hash
FROM calls c
JOIN call_labels p ON p.id = c.practice
LEFT JOIN call_labels r ON r.id = c.route
LEFT JOIN call_labels s ON s.id = c.supplier_outcome;
"""

MIGRATIONS: list[str] = [MIGRATION_1, MIGRATION_2, MIGRATION_3, MIGRATION_4, MIGRATION_5,
                         MIGRATION_6, MIGRATION_7, MIGRATION_8]

SCHEMA_VERSION = len(MIGRATIONS)
