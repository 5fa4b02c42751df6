-- id: ENROLLMENT_TERMINATING
-- title: Enrollment ending within 90 days
-- severity: warning
-- category: roster
-- kind: provider
-- horizon: ahead
-- amount: provider_billed_90d
-- blocking: no
-- credentialing: no
-- description: An enrollment of an active provider ends within 90 days after month end, with no enrollment on file for the day after.
-- action: Ask the payer why the enrollment ends (revalidation, contract end, a move) and file the renewal or a new enrollment before the termination date.
-- source: SPEC 4; payer revalidation and re-credentialing cycles (e.g. CMS revalidation every 5 years, 42 CFR 424.515; commercial re-credentialing every 3 years)
-- Why: an `enrolled` row whose termination_date falls in (month_end, month_end + 90 days] is a warning
-- unless another row for the same (npi, payer) covers termination_date + 1 day (a renewal or a new
-- contract already on file: status enrolled/terminated, effective_date <= day <= termination_date,
-- a missing termination_date open). One finding per (npi, payer), dated by the earliest such end.

WITH

-- import
active_providers AS (
    SELECT npi FROM stg_providers WHERE active
),

enrollment_rows AS (
    SELECT
        trim(npi) AS npi,
        trim(payer_id) AS payer_id,
        lower(trim(status)) AS status,
        effective_date,
        termination_date
    FROM enrollments
),

payer_names AS (
    SELECT payer_id, payer_name FROM stg_payer_names
),

-- logic: enrolled rows ending in (month_end, month_end + 90 days]
ending AS (
    SELECT e.npi, e.payer_id, e.termination_date
    FROM enrollment_rows AS e
    INNER JOIN active_providers AS p ON p.npi = e.npi
    WHERE e.status = 'enrolled'
        AND e.termination_date > $month_end
        AND e.termination_date <= CAST($month_end + INTERVAL 90 DAY AS DATE)
),

-- an end that another row picks up on the next day is a renewal, not a gap
continued AS (
    SELECT DISTINCT x.npi, x.payer_id, x.termination_date
    FROM ending AS x
    INNER JOIN enrollment_rows AS r ON r.npi = x.npi AND r.payer_id = x.payer_id
    WHERE r.status IN ('enrolled', 'terminated')
        AND r.effective_date <= CAST(x.termination_date + INTERVAL 1 DAY AS DATE)
        AND (r.termination_date IS NULL OR r.termination_date >= CAST(x.termination_date + INTERVAL 1 DAY AS DATE))
),

gaps AS (
    SELECT x.npi, x.payer_id, min(x.termination_date) AS termination_date
    FROM ending AS x
    LEFT JOIN continued AS c
        ON c.npi = x.npi AND c.payer_id = x.payer_id AND c.termination_date = x.termination_date
    WHERE c.npi IS NULL
    GROUP BY x.npi, x.payer_id
),

final AS (
    SELECT
        CAST(NULL AS VARCHAR) AS claim_id,
        CAST(NULL AS INTEGER) AS line_no,
        g.npi AS rendering_npi,
        g.payer_id,
        CAST(NULL AS VARCHAR) AS procedure_code,
        CAST(NULL AS DATE) AS date_of_service,
        CAST(NULL AS VARCHAR) AS subject,
        concat(coalesce(n.payer_name, g.payer_id), ' enrollment ends ', CAST(g.termination_date AS VARCHAR),
               '; no enrollment on file from ', CAST(CAST(g.termination_date + INTERVAL 1 DAY AS DATE) AS VARCHAR))
            AS detail,
        -- for the 90-day action list (audits.profiles), not part of the finding
        CAST(NULL AS VARCHAR) AS what,
        g.termination_date AS due_date
    FROM gaps AS g
    LEFT JOIN payer_names AS n ON n.payer_id = g.payer_id
)

SELECT * FROM final
