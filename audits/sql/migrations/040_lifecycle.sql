-- Issue lifecycle (issue 11): an issue is a finding's identity across months (audits/lifecycle.py).
-- Its state lives here, never in findings, so re-running an audit (which replaces the month's
-- findings) keeps assignments and statuses.
CREATE TABLE issue_state (
    issue_id      VARCHAR PRIMARY KEY,    -- audits.lifecycle.ISSUE_ID_SQL
    rule_id       VARCHAR NOT NULL,
    rendering_npi VARCHAR,
    payer_id      VARCHAR,
    status        VARCHAR NOT NULL,       -- open | in_progress | fixed | accepted_risk
    assignee      VARCHAR,                -- a person or a team (credentialing, coding, billing)
    note          VARCHAR,
    fixed_month   DATE,                   -- marked fixed as of this month: a finding in a later month reopens it
    reopened_month DATE,                  -- the month whose findings reopened it (last time)
    updated_by    VARCHAR NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS issue_event_id_seq START 1;
-- Every change, with who and when: nothing is overwritten.
CREATE TABLE issue_events (
    event_id   INTEGER PRIMARY KEY,
    issue_id   VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    by_user    VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,          -- assign | status | note | reopened
    old_value  VARCHAR,
    new_value  VARCHAR,
    note       VARCHAR
);
