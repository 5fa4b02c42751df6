-- line_base: the lines under audit, normalised once, with the facts every rule starts from.
-- Reads `audit_lines`: the runner fills it with the month's claim lines, the pre-check with the
-- candidate lines a coder asks about, so both judge lines with this same SQL (materialised as a
-- TEMP table by audits.views.prepare_lines).
-- Why each fact:
--  * npi_problem: SPEC 4 INVALID_NPI - 10 digits and the NPI check digit, which is the Luhn digit over
--    '80840' + the first 9 digits (CMS NPI check-digit requirement: ISO/IEC 7812 Luhn formula with the
--    card-issuer prefix 80840); the '80840' prefix always adds 24 to the Luhn sum. Digits are read
--    with instr() so no cast can fail on bad text.
--  * known_provider: a valid NPI that is in providers; the provider rules apply only to these.
--  * code_class: the SPEC 4 procedure-code classes (same CASE as stg_service_scope.sql).
--  * pos_code: '2' reads as '02' (a POS exported as a number).

WITH

-- import
lines AS (
    SELECT
        claim_id,
        line_no,
        trim(coalesce(rendering_npi, '')) AS rendering_npi,
        trim(coalesce(payer_id, '')) AS payer_id,
        date_of_service,
        procedure_code,
        upper(trim(coalesce(procedure_code, ''))) AS code,
        trim(coalesce(pos, '')) AS pos_text,
        nullif(upper(trim(coalesce(service_state, ''))), '') AS service_state,
        billed_amount
    FROM audit_lines
),

roster_npis AS (
    SELECT DISTINCT trim(npi) AS npi FROM providers
),

payer_names AS (
    SELECT payer_id, max(payer_name) AS payer_name FROM payers GROUP BY payer_id
),

-- logic: NPI format and check digit, once per distinct NPI
distinct_npis AS (
    SELECT DISTINCT rendering_npi AS npi FROM lines
),

npi_digits AS (
    SELECT
        npi,
        length(npi) = 10 AND translate(npi, '0123456789', '') = '' AS ten_digits,
        instr('0123456789', substr(npi, 1, 1)) - 1 AS d1,
        instr('0123456789', substr(npi, 2, 1)) - 1 AS d2,
        instr('0123456789', substr(npi, 3, 1)) - 1 AS d3,
        instr('0123456789', substr(npi, 4, 1)) - 1 AS d4,
        instr('0123456789', substr(npi, 5, 1)) - 1 AS d5,
        instr('0123456789', substr(npi, 6, 1)) - 1 AS d6,
        instr('0123456789', substr(npi, 7, 1)) - 1 AS d7,
        instr('0123456789', substr(npi, 8, 1)) - 1 AS d8,
        instr('0123456789', substr(npi, 9, 1)) - 1 AS d9,
        instr('0123456789', substr(npi, 10, 1)) - 1 AS d10
    FROM distinct_npis
),

npi_luhn AS (
    SELECT
        npi,
        ten_digits,
        d10,
        -- positions 1, 3, 5, 7, 9 are doubled (they sit at even distance from the check digit)
        24
        + CASE WHEN d1 >= 5 THEN 2 * d1 - 9 ELSE 2 * d1 END + d2
        + CASE WHEN d3 >= 5 THEN 2 * d3 - 9 ELSE 2 * d3 END + d4
        + CASE WHEN d5 >= 5 THEN 2 * d5 - 9 ELSE 2 * d5 END + d6
        + CASE WHEN d7 >= 5 THEN 2 * d7 - 9 ELSE 2 * d7 END + d8
        + CASE WHEN d9 >= 5 THEN 2 * d9 - 9 ELSE 2 * d9 END AS luhn_sum
    FROM npi_digits
),

npi_status AS (
    SELECT
        n.npi,
        CASE
            WHEN n.npi = '' THEN 'missing'
            WHEN NOT n.ten_digits THEN 'format'
            WHEN (10 - n.luhn_sum % 10) % 10 <> n.d10 THEN 'check_digit'
        END AS npi_problem,
        r.npi IS NOT NULL AS in_roster
    FROM npi_luhn AS n
    LEFT JOIN roster_npis AS r ON r.npi = n.npi
),

-- logic: the class of each distinct code (far fewer than lines; same CASE as stg_service_scope.sql)
distinct_codes AS (
    SELECT DISTINCT code FROM lines
),

code_classes AS (
    SELECT
        code,
        CASE
            WHEN length(code) = 5 AND translate(code, '0123456789', '') = '' THEN 'CPT_I'
            WHEN length(code) = 5 AND translate(substr(code, 1, 4), '0123456789', '') = ''
                AND substr(code, 5, 1) = 'F' THEN 'CPT_II'
            WHEN length(code) = 5 AND translate(substr(code, 1, 4), '0123456789', '') = ''
                AND substr(code, 5, 1) = 'T' THEN 'CPT_III'
            WHEN length(code) = 5 AND translate(substr(code, 1, 4), '0123456789', '') = ''
                AND substr(code, 5, 1) = 'U' THEN 'PLA'
            WHEN length(code) = 5 AND substr(code, 1, 1) BETWEEN 'A' AND 'Z'
                AND translate(substr(code, 2, 4), '0123456789', '') = '' THEN 'HCPCS_II'
        END AS code_class
    FROM distinct_codes
),

final AS (
    SELECT
        l.claim_id,
        l.line_no,
        l.rendering_npi,
        l.payer_id,
        coalesce(p.payer_name, l.payer_id) AS payer_label,
        l.date_of_service,
        l.procedure_code,
        l.code,
        c.code_class,
        l.pos_text,
        CASE
            WHEN l.pos_text = '' THEN NULL
            WHEN length(l.pos_text) = 1 THEN concat('0', l.pos_text)
            ELSE l.pos_text
        END AS pos_code,
        l.service_state,
        l.billed_amount,
        s.npi_problem,
        s.npi_problem IS NULL AND s.in_roster AS known_provider
    FROM lines AS l
    INNER JOIN npi_status AS s ON s.npi = l.rendering_npi
    INNER JOIN code_classes AS c ON c.code = l.code
    LEFT JOIN payer_names AS p ON p.payer_id = l.payer_id
)

SELECT * FROM final
