-- stg_provider_exclusions: roster providers on an uploaded exclusion list (OIG LEIE, SAM.gov), one row
-- per (provider, exclusion), with the dates that decide when the provider is excluded (SPEC 4
-- PROVIDER_EXCLUDED; audits/exclusions.py explains the matching).
-- Why each step:
--  * per_exclusion: the same exclusion appears on every monthly list with the same entity_key; its
--    reinstatement is known from any list that carries a REINDATE (SAM: Termination Date) for it, e.g.
--    the OIG reinstatement file, so the earliest such date counts. A provider missing from a newer list is
--    not taken as reinstated (a monthly supplement lists only that month's actions).
--  * matched by NPI: the list row carries the provider's NPI (LEIE 0000000000 was read as none).
--  * matched by name: only when the latest decision a person took on that possible match is 'confirmed'.
-- A provider is excluded on date d when excl_date <= d and (rein_date is null or rein_date > d).

WITH

-- import
entries AS (
    SELECT entity_key, source, trim(npi) AS npi, excl_date, rein_date, excl_type
    FROM exclusion_entries
),

decisions AS (
    SELECT
        trim(npi) AS npi,
        entity_key,
        decision,
        row_number() OVER (PARTITION BY trim(npi), entity_key ORDER BY decided_at DESC, decision_id DESC) AS n
    FROM exclusion_decisions
),

roster AS (
    SELECT DISTINCT trim(npi) AS npi FROM providers
),

-- logic
per_exclusion AS (
    SELECT
        entity_key,
        min(source) AS source,
        min(npi) AS npi,
        min(excl_type) AS excl_type,
        min(excl_date) AS excl_date,
        min(rein_date) AS rein_date
    FROM entries
    GROUP BY entity_key
),

by_npi AS (
    SELECT r.npi, e.entity_key, e.source, e.excl_type, e.excl_date, e.rein_date, 'npi' AS matched_by
    FROM per_exclusion AS e
    INNER JOIN roster AS r ON r.npi = e.npi
),

by_name AS (
    SELECT r.npi, e.entity_key, e.source, e.excl_type, e.excl_date, e.rein_date, 'name' AS matched_by
    FROM decisions AS d
    INNER JOIN per_exclusion AS e ON e.entity_key = d.entity_key
    INNER JOIN roster AS r ON r.npi = d.npi
    WHERE d.n = 1 AND d.decision = 'confirmed' AND e.npi IS NULL
),

final AS (
    SELECT * FROM by_npi
    UNION ALL
    SELECT * FROM by_name
)

SELECT * FROM final
