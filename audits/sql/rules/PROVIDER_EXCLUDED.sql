-- id: PROVIDER_EXCLUDED
-- title: Provider on an exclusion list
-- severity: error
-- category: exclusion
-- kind: provider
-- horizon: month
-- amount: provider_billed_since
-- blocking: yes
-- credentialing: no
-- description: A roster provider is on an uploaded exclusion list (OIG LEIE, SAM.gov), matched by NPI or by a name match a person confirmed, excluded on or before month end and not reinstated by then.
-- action: Stop billing this provider's services from the exclusion date; hold their claims and ask compliance about repayment and self-disclosure.
-- source: SPEC 4; 42 CFR 1001.1901 (effect of an exclusion); OIG LEIE; SAM.gov exclusions
-- Why: the provider-level finding is one per active roster provider with an exclusion in force at
-- month_end (EXCLDATE <= month_end and no REINDATE <= month_end; stg_provider_exclusions does the
-- matching); the earliest such exclusion names it and dates the amount at risk (amount_since: billed from
-- EXCLDATE to month_end). The lines section blocks each line billed on or after EXCLDATE and before a
-- reinstatement (line_exclusions, over the lines under audit), for the pre-check, the gate and the
-- blocking flags of the audit.

WITH

-- import
exclusions AS (
    SELECT * FROM stg_provider_exclusions
),

active_providers AS (
    SELECT npi FROM stg_providers WHERE active
),

-- logic
in_force AS (
    SELECT
        x.npi,
        x.source,
        x.excl_type,
        x.excl_date,
        x.matched_by,
        row_number() OVER (PARTITION BY x.npi ORDER BY x.excl_date, x.source, x.entity_key) AS n
    FROM exclusions AS x
    INNER JOIN active_providers AS p ON p.npi = x.npi
    WHERE x.excl_date <= $month_end AND (x.rein_date IS NULL OR x.rein_date > $month_end)
),

final AS (
    SELECT
        CAST(NULL AS VARCHAR) AS claim_id,
        CAST(NULL AS INTEGER) AS line_no,
        npi AS rendering_npi,
        CAST(NULL AS VARCHAR) AS payer_id,
        CAST(NULL AS VARCHAR) AS procedure_code,
        CAST(NULL AS DATE) AS date_of_service,
        CAST(NULL AS VARCHAR) AS subject,
        concat(
            'On the ',
            CASE source WHEN 'LEIE' THEN 'OIG exclusion list (LEIE)' ELSE 'SAM.gov exclusion list' END,
            ' since ', CAST(excl_date AS VARCHAR),
            CASE WHEN coalesce(excl_type, '') <> '' THEN concat(' (', excl_type, ')') ELSE '' END,
            CASE WHEN matched_by = 'npi' THEN ', matched by NPI' ELSE ', a name match confirmed' END
        ) AS detail,
        excl_date AS amount_since
    FROM in_force
    WHERE n = 1
)

SELECT * FROM final
-- lines:
SELECT b.claim_id, b.line_no, x.exclusion_detail AS detail
FROM line_base AS b
INNER JOIN line_exclusions AS x ON x.npi = b.rendering_npi AND x.date_of_service = b.date_of_service
WHERE b.date_of_service BETWEEN $month_start AND $month_end
