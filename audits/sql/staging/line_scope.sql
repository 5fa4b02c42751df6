-- line_scope: for each (provider, payer, valid procedure code) billed by a known provider, whether
-- the code is outside the provider's service scope with that payer.
-- Why: SPEC 4 OUT_OF_SCOPE - the payer's rows and the '*' (every payer) rows are united; when approved
-- ranges exist the code must be in one of them; an excluded range wins over an approved one; a code
-- is in a range only when it and both ends are of one class (stg_service_scope.range_class).

WITH

-- import
keys AS (
    SELECT DISTINCT rendering_npi AS npi, payer_id, code, code_class
    FROM line_base
    WHERE known_provider AND code_class IS NOT NULL
),

scope AS (
    SELECT npi, payer_id, code_from, code_to, approved, range_class FROM stg_service_scope
),

-- logic: every scope row of the provider that applies to this payer ('*' applies to all)
judged AS (
    SELECT
        k.npi,
        k.payer_id,
        k.code,
        s.approved,
        s.code_from,
        s.code_to,
        s.range_class = k.code_class AND k.code BETWEEN s.code_from AND s.code_to AS contains_code
    FROM keys AS k
    INNER JOIN scope AS s ON s.npi = k.npi
    WHERE s.payer_id = k.payer_id OR s.payer_id = '*'
),

summarised AS (
    SELECT
        npi,
        payer_id,
        code,
        max(CASE WHEN approved THEN 1 ELSE 0 END) AS has_approved_ranges,
        max(CASE WHEN approved AND contains_code THEN 1 ELSE 0 END) AS in_approved,
        max(CASE WHEN NOT approved AND contains_code THEN 1 ELSE 0 END) AS in_excluded,
        min(CASE WHEN NOT approved AND contains_code THEN concat(code_from, '-', code_to) END) AS excluded_range
    FROM judged
    GROUP BY npi, payer_id, code
),

final AS (
    SELECT
        npi,
        payer_id,
        code,
        in_excluded = 1 OR (has_approved_ranges = 1 AND in_approved = 0) AS out_of_scope,
        CASE
            WHEN in_excluded = 1 THEN concat('excluded range ', excluded_range)
            WHEN has_approved_ranges = 1 AND in_approved = 0 THEN 'outside every approved range'
        END AS scope_reason
    FROM summarised
)

SELECT * FROM final
