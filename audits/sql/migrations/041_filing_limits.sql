-- Per-payer filing limits for retro-billing (issue 11, audits/retro.py). A row here overrides the
-- default of the payer's kind (data/reference/filing_limits.csv: Medicare, Medicaid, other).
CREATE TABLE payer_filing_limits (
    payer_id          VARCHAR PRIMARY KEY,
    days              INTEGER NOT NULL,      -- days after the basis date
    basis             VARCHAR NOT NULL,      -- date_of_service | correction (the roster upload that covered the line)
    retro_window_days INTEGER,               -- days before the effective date a payer still pays (Medicare: 30)
    source            VARCHAR,
    updated_by        VARCHAR NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
