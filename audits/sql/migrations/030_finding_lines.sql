-- The lines a provider-level finding blocks (a rule's `-- lines:` section, e.g. PROVIDER_EXCLUDED: every
-- line billed by an excluded provider on or after EXCLDATE), kept with the month's current findings so
-- the measures (preventable dollars) see that those lines carry a blocking finding (SPEC 4, SPEC 5).
-- Replaced with the month's findings by each run, like the findings table.

CREATE TABLE finding_lines (
    run_id     INTEGER NOT NULL,
    month      DATE NOT NULL,
    rule_id    VARCHAR NOT NULL,
    claim_id   VARCHAR NOT NULL,
    line_no    INTEGER NOT NULL,
    detail     VARCHAR
);
