-- Exclusion lists (OIG LEIE, SAM.gov) and the monthly screening of the roster against them (issue 12).
-- A list is a dated source: a newer one is added beside the older ones, never over them, so every
-- earlier screening keeps the list it used.

CREATE SEQUENCE IF NOT EXISTS exclusion_list_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS screening_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS exclusion_decision_id_seq START 1;

CREATE TABLE exclusion_lists (
    list_id         INTEGER PRIMARY KEY,
    upload_id       INTEGER,
    source          VARCHAR NOT NULL,     -- LEIE | SAM
    file_name       VARCHAR NOT NULL,
    sha256          VARCHAR NOT NULL,
    list_date       DATE NOT NULL,        -- the date the list speaks for
    list_date_basis VARCHAR NOT NULL,     -- given | file name | latest date in the list
    rows_read       INTEGER NOT NULL,
    rows_loaded     INTEGER NOT NULL,
    rows_rejected   INTEGER NOT NULL,
    loaded_by       VARCHAR,
    loaded_at       TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- One row per person or business on a list. entity_key identifies the same exclusion in every monthly
-- list (a hash of source, names, NPI, birth date, exclusion type and date), so a decision about a
-- possible match carries over to the next month's list.
CREATE TABLE exclusion_entries (
    list_id        INTEGER NOT NULL,
    row_number     INTEGER NOT NULL,
    source         VARCHAR NOT NULL,
    entity_key     VARCHAR NOT NULL,
    last_name      VARCHAR,
    first_name     VARCHAR,
    middle_name    VARCHAR,
    business_name  VARCHAR,
    npi            VARCHAR,               -- NULL when the list has none (LEIE 0000000000)
    birth_date     DATE,
    address        VARCHAR,
    city           VARCHAR,
    state          VARCHAR,
    zip            VARCHAR,
    category       VARCHAR,               -- LEIE GENERAL / SAM Classification
    specialty      VARCHAR,
    upin           VARCHAR,
    excl_type      VARCHAR,               -- LEIE EXCLTYPE / SAM Exclusion Type
    excl_date      DATE NOT NULL,         -- LEIE EXCLDATE / SAM Active Date
    rein_date      DATE,                  -- LEIE REINDATE / SAM Termination Date (not 'Indefinite')
    waiver_date    DATE,
    waiver_state   VARCHAR,
    agency         VARCHAR,               -- SAM Excluding Agency
    uei            VARCHAR,               -- SAM Unique Entity ID
    PRIMARY KEY (list_id, row_number)
);

-- Every screening of the roster: which lists, when, by whom, how many providers, what matched.
CREATE TABLE exclusion_screenings (
    screening_id      INTEGER PRIMARY KEY,
    screened_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    screened_by       VARCHAR,
    reason            VARCHAR NOT NULL,   -- list loaded | roster | on request
    snapshot_id       INTEGER,            -- the roster snapshot screened
    providers_checked INTEGER NOT NULL,
    npi_matches       INTEGER NOT NULL,
    possible_matches  INTEGER NOT NULL,   -- name matches not yet decided
    confirmed_matches INTEGER NOT NULL,
    dismissed_matches INTEGER NOT NULL
);
CREATE TABLE exclusion_screening_lists (
    screening_id INTEGER NOT NULL,
    list_id      INTEGER NOT NULL,
    PRIMARY KEY (screening_id, list_id)
);
-- What one screening found: a roster provider against a list row, by NPI or by name.
CREATE TABLE exclusion_matches (
    screening_id INTEGER NOT NULL,
    npi          VARCHAR NOT NULL,
    list_id      INTEGER NOT NULL,
    row_number   INTEGER NOT NULL,
    entity_key   VARCHAR NOT NULL,
    match_type   VARCHAR NOT NULL,        -- npi | name
    decision     VARCHAR,                 -- name matches: confirmed | dismissed, as decided at that time
    PRIMARY KEY (screening_id, npi, list_id, row_number)
);
-- A person's decision on a possible (name) match; the latest per (npi, entity_key) is in force.
CREATE TABLE exclusion_decisions (
    decision_id INTEGER PRIMARY KEY,
    npi         VARCHAR NOT NULL,
    entity_key  VARCHAR NOT NULL,
    decision    VARCHAR NOT NULL,         -- confirmed | dismissed
    decided_by  VARCHAR NOT NULL,
    decided_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    note        VARCHAR
);
