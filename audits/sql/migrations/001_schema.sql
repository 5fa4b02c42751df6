-- ClearToBill schema, version 1. The canonical tables of SPEC section 1.
-- Dates are DATE, money DECIMAL(14,2), codes and NPIs VARCHAR (a code is never a number:
-- CPT 0001U, POS 02). No list columns: the SQL must stay portable to Spark.

CREATE SEQUENCE IF NOT EXISTS upload_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS snapshot_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS run_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS remit_line_id_seq START 1;

-- Every file an analyst loads, whatever became of it.
CREATE TABLE uploads (
    upload_id      INTEGER PRIMARY KEY,
    file_name      VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,      -- roster | claims | remits | 835 | 837
    status         VARCHAR NOT NULL,      -- loaded | duplicate | failed
    rows_read      INTEGER NOT NULL DEFAULT 0,
    rows_loaded    INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    message        VARCHAR,
    mapping_json   VARCHAR,               -- the column mapping used, as JSON text
    snapshot_id    INTEGER,               -- roster uploads: the snapshot they created or made current
    uploaded_by    VARCHAR,
    uploaded_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Rows that did not load, kept so nothing is lost silently (SPEC 7).
-- raw_row is JSON text of the source row with patient identifiers replaced by their keyed hash.
CREATE TABLE rejected_rows (
    upload_id    INTEGER NOT NULL,
    row_number   INTEGER NOT NULL,        -- 1-based row number in the source (sheet row / csv line)
    sheet        VARCHAR,                 -- the sheet or table the row came from
    raw_row      VARCHAR NOT NULL,
    column_name  VARCHAR,
    reason       VARCHAR NOT NULL,
    resolved_by_upload INTEGER,           -- set when the row was loaded again (alias confirmed)
    PRIMARY KEY (upload_id, sheet, row_number)
);

-- Roster snapshots: a credentialing upload replaces the current rows of the tables it carries.
CREATE TABLE roster_snapshots (
    snapshot_id    INTEGER PRIMARY KEY,
    upload_id      INTEGER,
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    tables_carried VARCHAR NOT NULL,      -- comma-separated: providers,credentials,...
    content_sha256 VARCHAR NOT NULL       -- hash of the normalised content, to spot an identical snapshot
);
-- Which snapshot each roster table currently shows.
CREATE TABLE roster_current (
    table_name  VARCHAR PRIMARY KEY,
    snapshot_id INTEGER NOT NULL
);

CREATE TABLE providers (
    npi            VARCHAR NOT NULL,
    provider_name  VARCHAR,
    specialty      VARCHAR,
    taxonomy_code  VARCHAR,
    primary_state  VARCHAR,
    hire_date      DATE,
    status         VARCHAR NOT NULL DEFAULT 'active',
    snapshot_id    INTEGER
);
CREATE TABLE providers_history AS SELECT * FROM providers WHERE false;

CREATE TABLE credentials (
    npi              VARCHAR NOT NULL,
    credential_type  VARCHAR NOT NULL,    -- state_license | board_certification | dea | malpractice | other
    credential_label VARCHAR,             -- the label as the workbook had it
    number           VARCHAR,
    state            VARCHAR,
    issue_date       DATE,
    expiration_date  DATE,
    snapshot_id      INTEGER
);
CREATE TABLE credentials_history AS SELECT * FROM credentials WHERE false;

CREATE TABLE payers (
    payer_id    VARCHAR NOT NULL,
    payer_name  VARCHAR,
    aliases     VARCHAR,                  -- other spellings, separated by '|'
    snapshot_id INTEGER
);
CREATE TABLE payers_history AS SELECT * FROM payers WHERE false;

-- Aliases the analyst confirmed (kept across roster snapshots) and, for lookup, the
-- normalised form of every name and alias (upper case, letters and digits only).
CREATE TABLE payer_aliases (
    alias_norm  VARCHAR PRIMARY KEY,
    alias       VARCHAR NOT NULL,
    payer_id    VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,         -- analyst | roster
    confirmed_at TIMESTAMP DEFAULT current_timestamp
);

CREATE TABLE enrollments (
    npi              VARCHAR NOT NULL,
    payer_id         VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,    -- enrolled | pending | denied | terminated
    status_label     VARCHAR,             -- the label as the workbook had it
    submitted_date   DATE,
    effective_date   DATE,
    termination_date DATE,
    allowed_pos      VARCHAR,             -- comma-separated 2-digit POS codes; empty = any
    snapshot_id      INTEGER
);
CREATE TABLE enrollments_history AS SELECT * FROM enrollments WHERE false;

CREATE TABLE service_scope (
    npi         VARCHAR NOT NULL,
    payer_id    VARCHAR NOT NULL,         -- '*' = every payer
    code_from   VARCHAR NOT NULL,
    code_to     VARCHAR NOT NULL,
    approved    BOOLEAN NOT NULL,         -- true = approved range, false = excluded range
    snapshot_id INTEGER
);
CREATE TABLE service_scope_history AS SELECT * FROM service_scope WHERE false;

CREATE TABLE claim_lines (
    claim_id        VARCHAR NOT NULL,
    line_no         INTEGER NOT NULL,
    patient_key     VARCHAR,              -- keyed hash (HMAC-SHA256), never a raw identifier
    patient_birth_year INTEGER,
    rendering_npi   VARCHAR,
    billing_npi     VARCHAR,
    payer_id        VARCHAR,
    date_of_service DATE,
    submitted_date  DATE,
    procedure_code  VARCHAR,
    modifier_1 VARCHAR, modifier_2 VARCHAR, modifier_3 VARCHAR, modifier_4 VARCHAR,
    diagnosis_1 VARCHAR, diagnosis_2 VARCHAR, diagnosis_3 VARCHAR, diagnosis_4 VARCHAR,
    diagnosis_5 VARCHAR, diagnosis_6 VARCHAR, diagnosis_7 VARCHAR, diagnosis_8 VARCHAR,
    diagnosis_9 VARCHAR, diagnosis_10 VARCHAR, diagnosis_11 VARCHAR, diagnosis_12 VARCHAR,
    pos             VARCHAR,
    units           DOUBLE,
    billed_amount   DECIMAL(14,2),
    service_state   VARCHAR,
    upload_id       INTEGER,
    row_sha256      VARCHAR,              -- hash of the line's content, to tell unchanged from corrected
    loaded_at       TIMESTAMP DEFAULT current_timestamp
);
-- Earlier versions of corrected claim lines.
CREATE TABLE claim_lines_history AS SELECT * FROM claim_lines WHERE false;
ALTER TABLE claim_lines_history ADD COLUMN replaced_at TIMESTAMP;
ALTER TABLE claim_lines_history ADD COLUMN replaced_by_upload INTEGER;

-- A remitted line is an event. line_no is NULL for a claim payment without service lines
-- (it applies to every line of the claim, paid shared in proportion to billed: staging does that).
CREATE TABLE remit_lines (
    remit_line_id     BIGINT PRIMARY KEY,
    payer_id          VARCHAR NOT NULL,
    claim_id          VARCHAR NOT NULL,
    line_no           INTEGER,
    claim_status      VARCHAR,            -- CLP02 code, or paid | denied | reversed from an export
    rendering_npi     VARCHAR,
    adjudication_date DATE,
    procedure_code    VARCHAR,
    billed_amount     DECIMAL(14,2),
    paid_amount       DECIMAL(14,2),
    remit_claim_key   VARCHAR,            -- identifies one claim payment within one remittance (claim-level CAS/MOA)
    source            VARCHAR,            -- 835 trace number, or 'upload:<id>'
    upload_id         INTEGER
);
CREATE TABLE remit_adjustments (
    remit_line_id BIGINT NOT NULL,        -- for level 'claim': the first line of its claim payment
    position      INTEGER NOT NULL,
    level         VARCHAR NOT NULL,       -- claim | line
    group_code    VARCHAR,                -- CO | PR | OA | PI | CR
    carc          VARCHAR,
    amount        DECIMAL(14,2),
    PRIMARY KEY (remit_line_id, level, position)
);
CREATE TABLE remit_remarks (
    remit_line_id BIGINT NOT NULL,
    position      INTEGER NOT NULL,
    level         VARCHAR NOT NULL,
    rarc          VARCHAR NOT NULL,
    PRIMARY KEY (remit_line_id, level, position)
);

-- Saved column mappings per source (SPEC 2).
CREATE TABLE mapping_profiles (
    name         VARCHAR PRIMARY KEY,
    kind         VARCHAR NOT NULL,
    mapping_json VARCHAR NOT NULL,
    saved_at     TIMESTAMP DEFAULT current_timestamp
);

CREATE TABLE audit_runs (
    run_id        INTEGER PRIMARY KEY,
    month         DATE NOT NULL,          -- first day of the audit month
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    snapshot_id   INTEGER,                -- the roster snapshot used (highest current one)
    rules_version VARCHAR,
    status        VARCHAR NOT NULL,       -- running | done | failed | superseded
    lines_audited INTEGER,
    findings      INTEGER,
    amount_at_risk DECIMAL(14,2)
);
-- finding_id is stable across runs: a hash of rule id and the object it is about,
-- so a later finding lifecycle (acknowledged, fixed) can follow it.
CREATE TABLE findings (
    run_id          INTEGER NOT NULL,
    finding_id      VARCHAR NOT NULL,
    month           DATE NOT NULL,
    rule_id         VARCHAR NOT NULL,
    severity        VARCHAR NOT NULL,
    claim_id        VARCHAR,
    line_no         INTEGER,
    rendering_npi   VARCHAR,
    payer_id        VARCHAR,
    procedure_code  VARCHAR,
    date_of_service DATE,
    amount_at_risk  DECIMAL(14,2),
    detail          VARCHAR
);

-- Reference code sets, loaded from data/reference/ (editable by the practice) by audits.reference.
CREATE TABLE ref_carc (
    code        VARCHAR PRIMARY KEY,
    code_type   VARCHAR NOT NULL,         -- CARC | RARC
    description VARCHAR,
    root_cause  VARCHAR NOT NULL
);
CREATE TABLE ref_pos (
    code VARCHAR PRIMARY KEY,
    name VARCHAR
);
CREATE TABLE ref_icd10cm (
    code VARCHAR PRIMARY KEY              -- billable ICD-10-CM codes, without the dot
);
CREATE TABLE ref_meta (
    name    VARCHAR PRIMARY KEY,
    sha256  VARCHAR NOT NULL,
    loaded_at TIMESTAMP DEFAULT current_timestamp
);
