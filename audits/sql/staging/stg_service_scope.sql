-- stg_service_scope: the current service-scope rows with each range end's procedure-code class.
-- Why: SPEC 4 says a code is in a range only when the code and both ends are of the same class
-- (CPT I, CPT II, CPT III, PLA, HCPCS II); codes compare as text, so '99213' is never "between"
-- 'G0001' and 'G9999'. Classifying the ends once here keeps the line check a plain comparison.

WITH

-- import
scope AS (
    SELECT
        trim(npi) AS npi,
        trim(payer_id) AS payer_id,
        upper(trim(code_from)) AS code_from,
        upper(trim(code_to)) AS code_to,
        approved
    FROM service_scope
),

-- logic: the class of each range end (the same CASE as line_base.sql uses for the billed code)
classified AS (
    SELECT
        npi,
        payer_id,
        code_from,
        code_to,
        approved,
        CASE
            WHEN length(code_from) = 5 AND translate(code_from, '0123456789', '') = '' THEN 'CPT_I'
            WHEN length(code_from) = 5 AND translate(substr(code_from, 1, 4), '0123456789', '') = ''
                AND substr(code_from, 5, 1) = 'F' THEN 'CPT_II'
            WHEN length(code_from) = 5 AND translate(substr(code_from, 1, 4), '0123456789', '') = ''
                AND substr(code_from, 5, 1) = 'T' THEN 'CPT_III'
            WHEN length(code_from) = 5 AND translate(substr(code_from, 1, 4), '0123456789', '') = ''
                AND substr(code_from, 5, 1) = 'U' THEN 'PLA'
            WHEN length(code_from) = 5 AND substr(code_from, 1, 1) BETWEEN 'A' AND 'Z'
                AND translate(substr(code_from, 2, 4), '0123456789', '') = '' THEN 'HCPCS_II'
        END AS class_from,
        CASE
            WHEN length(code_to) = 5 AND translate(code_to, '0123456789', '') = '' THEN 'CPT_I'
            WHEN length(code_to) = 5 AND translate(substr(code_to, 1, 4), '0123456789', '') = ''
                AND substr(code_to, 5, 1) = 'F' THEN 'CPT_II'
            WHEN length(code_to) = 5 AND translate(substr(code_to, 1, 4), '0123456789', '') = ''
                AND substr(code_to, 5, 1) = 'T' THEN 'CPT_III'
            WHEN length(code_to) = 5 AND translate(substr(code_to, 1, 4), '0123456789', '') = ''
                AND substr(code_to, 5, 1) = 'U' THEN 'PLA'
            WHEN length(code_to) = 5 AND substr(code_to, 1, 1) BETWEEN 'A' AND 'Z'
                AND translate(substr(code_to, 2, 4), '0123456789', '') = '' THEN 'HCPCS_II'
        END AS class_to
    FROM scope
),

final AS (
    SELECT
        npi,
        payer_id,
        code_from,
        code_to,
        approved,
        class_from,
        class_to,
        -- a range whose ends differ in class contains no code at all
        CASE WHEN class_from = class_to THEN class_from END AS range_class
    FROM classified
)

SELECT * FROM final
