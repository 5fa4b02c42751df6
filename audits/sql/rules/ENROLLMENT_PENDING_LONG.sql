-- id: ENROLLMENT_PENDING_LONG
-- title: Enrollment pending over 90 days
-- severity: warning
-- category: roster
-- kind: provider
-- horizon: ahead
-- amount: provider_billed_90d
-- blocking: no
-- credentialing: no
-- description: An enrollment of an active provider has been pending for more than 90 days at month end.
-- action: Call the payer's provider enrollment line about the application and record the outcome in the roster.
-- source: SPEC 4; payer enrollment processing times (most complete within 60-90 days)
-- Why: one finding per (npi, payer), dated by the earliest submission still pending. A pending row
-- without submitted_date cannot be judged: audits.quality.roster_problems() lists it.

WITH

-- import
active_providers AS (
    SELECT npi FROM stg_providers WHERE active
),

pending AS (
    SELECT trim(npi) AS npi, trim(payer_id) AS payer_id, submitted_date
    FROM enrollments
    WHERE lower(trim(status)) = 'pending' AND submitted_date IS NOT NULL
),

payer_names AS (
    SELECT payer_id, payer_name FROM stg_payer_names
),

-- logic: month_end - submitted_date > 90 days
long_pending AS (
    SELECT e.npi, e.payer_id, min(e.submitted_date) AS submitted_date
    FROM pending AS e
    INNER JOIN active_providers AS p ON p.npi = e.npi
    WHERE e.submitted_date < CAST($month_end - INTERVAL 90 DAY AS DATE)
    GROUP BY e.npi, e.payer_id
),

final AS (
    SELECT
        CAST(NULL AS VARCHAR) AS claim_id,
        CAST(NULL AS INTEGER) AS line_no,
        l.npi AS rendering_npi,
        l.payer_id,
        CAST(NULL AS VARCHAR) AS procedure_code,
        CAST(NULL AS DATE) AS date_of_service,
        CAST(NULL AS VARCHAR) AS subject,
        concat(coalesce(n.payer_name, l.payer_id), ' enrollment pending since ',
               CAST(l.submitted_date AS VARCHAR), ', more than 90 days before month end') AS detail
    FROM long_pending AS l
    LEFT JOIN payer_names AS n ON n.payer_id = l.payer_id
)

SELECT * FROM final
