-- The pre-submission gate (issue 12): every batch checked, the claims it held (kept with their
-- original segments, sealed: audits.sealing), and the batches that released them.

CREATE SEQUENCE IF NOT EXISTS gate_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS held_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS release_id_seq START 1;

-- One row per batch put through the gate.
CREATE TABLE gate_runs (
    gate_id        INTEGER PRIMARY KEY,
    file_name      VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    format         VARCHAR NOT NULL,      -- 837 | csv | xlsx
    checked_by     VARCHAR,
    checked_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    snapshot_id    INTEGER,               -- the roster snapshot the claims were judged against
    rules_version  VARCHAR,
    claims         INTEGER NOT NULL,
    lines          INTEGER NOT NULL,
    held_claims    INTEGER NOT NULL,
    clean_claims   INTEGER NOT NULL,
    held_amount    DECIMAL(14,2),
    clean_amount   DECIMAL(14,2),
    clean_sha256   VARCHAR                -- the clean batch written (NULL when every claim was held)
);

-- A claim the gate held. status: held (waiting) | released (written to a release batch) |
-- superseded (the same claim id went through the gate again in a later batch).
CREATE TABLE held_claims (
    held_id        INTEGER PRIMARY KEY,
    gate_id        INTEGER NOT NULL,
    claim_position INTEGER NOT NULL,      -- 1-based position among the batch's claims
    claim_id       VARCHAR NOT NULL,
    format         VARCHAR NOT NULL,      -- 837 | csv | xlsx: what `original` holds
    billed_amount  DECIMAL(14,2),
    service_lines  INTEGER NOT NULL,
    rule_ids       VARCHAR,               -- comma-separated, as held
    reasons        VARCHAR,               -- plain words, as held
    actions        VARCHAR,               -- what to fix, as held
    original       BLOB NOT NULL,         -- the claim's segments (837) or rows (csv/xlsx) as JSON, sealed
    status         VARCHAR NOT NULL DEFAULT 'held',
    status_at      TIMESTAMP,
    status_by      VARCHAR,
    release_id     INTEGER,
    superseded_by  INTEGER                -- the gate_id of the later batch
);

-- The lines of a held claim, as the rules judge them (no patient data), re-checked against later rosters.
CREATE TABLE held_claim_lines (
    held_id         INTEGER NOT NULL,
    position        INTEGER NOT NULL,     -- 1-based position within the claim
    line_no         INTEGER,
    rendering_npi   VARCHAR,
    payer_ref       VARCHAR,              -- the payer id as the batch gave it
    payer_name      VARCHAR,              -- the payer name as the batch gave it
    date_of_service DATE,
    procedure_code  VARCHAR,
    pos             VARCHAR,
    service_state   VARCHAR,
    billed_amount   DECIMAL(14,2),
    PRIMARY KEY (held_id, position)
);

-- One row per release batch written.
CREATE TABLE gate_releases (
    release_id          INTEGER PRIMARY KEY,
    released_at         TIMESTAMP NOT NULL DEFAULT current_timestamp,
    released_by         VARCHAR,
    file_name           VARCHAR NOT NULL,
    sha256              VARCHAR NOT NULL,
    format              VARCHAR NOT NULL,
    claims              INTEGER NOT NULL,
    interchange_control VARCHAR
);
