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
--  * bad_diagnoses (INVALID_DIAGNOSIS_CODE): after removing one optional dot after the 3rd character a
--    code must be a billable ICD-10-CM code (ref_icd10cm holds only those, all of the form
--    [A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}, so one lookup checks format and code set); lower case reads as
--    upper case; the bad codes are listed as billed, in column order. Each distinct diagnosis text is
--    judged once; then each column is semi-joined to the short list of bad codes, so only the lines
--    holding one are unpivoted and pivoted back (portable, and no join of every line).
--  * bad_modifiers (INVALID_MODIFIER): a modifier must be 2 letters/digits. Each distinct modifier text
--    is judged once and found in the lines by the same semi-joins as the diagnoses; the bad cells of both
--    kinds are pivoted back in one group-by (few lines), so no per-line string functions run for them.
--  * pos_missing / pos_unknown (INVALID_POS): empty, or not a CMS place-of-service code (ref_pos).

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
        billed_amount,
        pos
    FROM audit_lines
),

roster_npis AS (
    SELECT DISTINCT trim(npi) AS npi FROM providers
),

payer_names AS (
    SELECT payer_id, payer_name FROM stg_payer_names
),

billable_codes AS (
    SELECT code FROM ref_icd10cm
),

pos_codes AS (
    SELECT code FROM ref_pos
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

-- logic: each distinct diagnosis text judged once; then only the (few) lines holding a bad one
distinct_diagnoses AS (
    SELECT DISTINCT code_as_billed
    FROM (
        SELECT trim(diagnosis_1) AS code_as_billed FROM audit_lines
        UNION ALL
        SELECT trim(diagnosis_2) AS code_as_billed FROM audit_lines
        UNION ALL
        SELECT trim(diagnosis_3) AS code_as_billed FROM audit_lines
        UNION ALL
        SELECT trim(diagnosis_4) AS code_as_billed FROM audit_lines
        UNION ALL
        SELECT trim(diagnosis_5) AS code_as_billed FROM audit_lines
        UNION ALL
        SELECT trim(diagnosis_6) AS code_as_billed FROM audit_lines
        UNION ALL
        SELECT trim(diagnosis_7) AS code_as_billed FROM audit_lines
        UNION ALL
        SELECT trim(diagnosis_8) AS code_as_billed FROM audit_lines
        UNION ALL
        SELECT trim(diagnosis_9) AS code_as_billed FROM audit_lines
        UNION ALL
        SELECT trim(diagnosis_10) AS code_as_billed FROM audit_lines
        UNION ALL
        SELECT trim(diagnosis_11) AS code_as_billed FROM audit_lines
        UNION ALL
        SELECT trim(diagnosis_12) AS code_as_billed FROM audit_lines
    ) AS d
    WHERE coalesce(code_as_billed, '') <> ''
),

normalised_diagnoses AS (
    SELECT
        code_as_billed,
        CASE
            WHEN substr(upper(code_as_billed), 4, 1) = '.'
                THEN concat(substr(upper(code_as_billed), 1, 3), substr(upper(code_as_billed), 5))
            ELSE upper(code_as_billed)
        END AS code
    FROM distinct_diagnoses
),

bad_diagnoses AS (
    SELECT d.code_as_billed
    FROM normalised_diagnoses AS d
    LEFT JOIN billable_codes AS b ON b.code = d.code
    WHERE b.code IS NULL
),

-- logic: each distinct modifier text judged once (2 letters/digits after trimming; empty is no modifier)
distinct_modifiers AS (
    SELECT DISTINCT modifier_as_billed
    FROM (
        SELECT modifier_1 AS modifier_as_billed FROM audit_lines
        UNION ALL
        SELECT modifier_2 AS modifier_as_billed FROM audit_lines
        UNION ALL
        SELECT modifier_3 AS modifier_as_billed FROM audit_lines
        UNION ALL
        SELECT modifier_4 AS modifier_as_billed FROM audit_lines
    ) AS m
    WHERE modifier_as_billed IS NOT NULL
),

bad_modifier_values AS (
    SELECT modifier_as_billed
    FROM distinct_modifiers
    WHERE trim(modifier_as_billed) <> ''
        AND (length(trim(modifier_as_billed)) <> 2
            OR translate(upper(trim(modifier_as_billed)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', '') <> '')
),

-- each column's bad diagnoses (positions 1-12) and modifiers (13-16) by a semi-join against the short
-- lists, so most lines are never joined
bad_cells AS (
        SELECT claim_id, line_no, 1 AS position, trim(diagnosis_1) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_1) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 2 AS position, trim(diagnosis_2) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_2) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 3 AS position, trim(diagnosis_3) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_3) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 4 AS position, trim(diagnosis_4) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_4) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 5 AS position, trim(diagnosis_5) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_5) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 6 AS position, trim(diagnosis_6) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_6) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 7 AS position, trim(diagnosis_7) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_7) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 8 AS position, trim(diagnosis_8) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_8) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 9 AS position, trim(diagnosis_9) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_9) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 10 AS position, trim(diagnosis_10) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_10) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 11 AS position, trim(diagnosis_11) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_11) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 12 AS position, trim(diagnosis_12) AS code_as_billed FROM audit_lines
        WHERE trim(diagnosis_12) IN (SELECT code_as_billed FROM bad_diagnoses)
        UNION ALL
        SELECT claim_id, line_no, 13 AS position, trim(modifier_1) AS code_as_billed FROM audit_lines
        WHERE modifier_1 IN (SELECT modifier_as_billed FROM bad_modifier_values)
        UNION ALL
        SELECT claim_id, line_no, 14 AS position, trim(modifier_2) AS code_as_billed FROM audit_lines
        WHERE modifier_2 IN (SELECT modifier_as_billed FROM bad_modifier_values)
        UNION ALL
        SELECT claim_id, line_no, 15 AS position, trim(modifier_3) AS code_as_billed FROM audit_lines
        WHERE modifier_3 IN (SELECT modifier_as_billed FROM bad_modifier_values)
        UNION ALL
        SELECT claim_id, line_no, 16 AS position, trim(modifier_4) AS code_as_billed FROM audit_lines
        WHERE modifier_4 IN (SELECT modifier_as_billed FROM bad_modifier_values)
),

lines_with_bad_cells AS (
    SELECT
        claim_id,
        line_no,
        nullif(concat_ws(
            ', ',
            max(CASE WHEN position = 1 THEN code_as_billed END),
            max(CASE WHEN position = 2 THEN code_as_billed END),
            max(CASE WHEN position = 3 THEN code_as_billed END),
            max(CASE WHEN position = 4 THEN code_as_billed END),
            max(CASE WHEN position = 5 THEN code_as_billed END),
            max(CASE WHEN position = 6 THEN code_as_billed END),
            max(CASE WHEN position = 7 THEN code_as_billed END),
            max(CASE WHEN position = 8 THEN code_as_billed END),
            max(CASE WHEN position = 9 THEN code_as_billed END),
            max(CASE WHEN position = 10 THEN code_as_billed END),
            max(CASE WHEN position = 11 THEN code_as_billed END),
            max(CASE WHEN position = 12 THEN code_as_billed END)
        ), '') AS bad_diagnoses,
        nullif(concat_ws(
            ', ',
            max(CASE WHEN position = 13 THEN code_as_billed END),
            max(CASE WHEN position = 14 THEN code_as_billed END),
            max(CASE WHEN position = 15 THEN code_as_billed END),
            max(CASE WHEN position = 16 THEN code_as_billed END)
        ), '') AS bad_modifiers
    FROM bad_cells
    GROUP BY claim_id, line_no
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
        s.npi_problem IS NULL AND s.in_roster AS known_provider,
        bd.bad_diagnoses,
        bd.bad_modifiers,
        coalesce(trim(l.pos), '') = '' AS pos_missing,
        coalesce(trim(l.pos), '') <> '' AND pc.code IS NULL AS pos_unknown
    FROM lines AS l
    INNER JOIN npi_status AS s ON s.npi = l.rendering_npi
    INNER JOIN code_classes AS c ON c.code = l.code
    LEFT JOIN payer_names AS p ON p.payer_id = l.payer_id
    LEFT JOIN lines_with_bad_cells AS bd ON bd.claim_id = l.claim_id AND bd.line_no = l.line_no
    LEFT JOIN pos_codes AS pc
        ON pc.code = CASE WHEN length(trim(l.pos)) = 1 THEN concat('0', trim(l.pos)) ELSE trim(l.pos) END
)

SELECT * FROM final
