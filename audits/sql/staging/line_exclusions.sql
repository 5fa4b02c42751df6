-- line_exclusions: per (rendering NPI, date of service) of the lines under audit, whether the provider
-- was excluded that day (SPEC 4 PROVIDER_EXCLUDED: "a line billed by an excluded provider on or after
-- EXCLDATE has a blocking finding"). Reads `audit_lines`, like every line table, so the pre-check and the
-- gate judge candidate lines with the same SQL as the monthly audit.
-- Excluded on the DOS: some exclusion matched to the provider (stg_provider_exclusions) has
-- excl_date <= DOS and no rein_date <= DOS. When several are in force, the earliest names the line.

WITH

-- import
line_keys AS (
    SELECT DISTINCT trim(coalesce(rendering_npi, '')) AS npi, date_of_service FROM audit_lines
),

exclusions AS (
    SELECT * FROM stg_provider_exclusions
),

-- logic
in_force AS (
    SELECT
        k.npi,
        k.date_of_service,
        x.source,
        x.excl_type,
        x.excl_date,
        x.matched_by,
        row_number() OVER (
            PARTITION BY k.npi, k.date_of_service ORDER BY x.excl_date, x.source, x.entity_key
        ) AS n
    FROM line_keys AS k
    INNER JOIN exclusions AS x
        ON x.npi = k.npi AND x.excl_date <= k.date_of_service
        AND (x.rein_date IS NULL OR x.rein_date > k.date_of_service)
),

final AS (
    SELECT
        npi,
        date_of_service,
        true AS provider_excluded,
        concat(
            'The provider is on the ',
            CASE source WHEN 'LEIE' THEN 'OIG exclusion list (LEIE)' ELSE 'SAM.gov exclusion list' END,
            ' since ', CAST(excl_date AS VARCHAR),
            CASE WHEN coalesce(excl_type, '') <> '' THEN concat(' (', excl_type, ')') ELSE '' END,
            CASE WHEN matched_by = 'npi' THEN ', matched by NPI' ELSE ', a name match confirmed' END
        ) AS exclusion_detail
    FROM in_force
    WHERE n = 1
)

SELECT * FROM final
