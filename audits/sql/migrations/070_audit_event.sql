-- The audit trail (SPEC 7, issue 14): who did what, when. Append-only: audits/audit_log.py is the one
-- writer and only ever INSERTs; no code path updates or deletes a row (tests/test_audit_log.py scans
-- the code and tries). Object names a file, month, payer alias or page - never a patient cell.
CREATE SEQUENCE IF NOT EXISTS audit_event_id_seq START 1;

CREATE TABLE audit_event (
    event_id     BIGINT PRIMARY KEY,
    occurred_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_name    VARCHAR NOT NULL,
    role         VARCHAR,                -- NULL when no sign-in is configured (AUTH_MODE none)
    action       VARCHAR NOT NULL,       -- audits.audit_log.ACTIONS
    object       VARCHAR,
    row_count    BIGINT,
    file_sha256  VARCHAR,
    via          VARCHAR NOT NULL        -- dashboard | cli
);
