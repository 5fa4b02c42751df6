-- line_codes: per line under audit, the coding problems of SPEC 4 that need no roster.
-- Why:
--  * INVALID_DIAGNOSIS_CODE: after removing one optional dot after the 3rd character a code must be a
--    billable ICD-10-CM code (ref_icd10cm holds only those, all of the form
--    [A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}, so one lookup checks format and code set). Lower case is read as
--    upper case. The bad codes are listed as billed, in their column order.
--  * INVALID_MODIFIER: a modifier must be 2 letters/digits.
--  * INVALID_POS: empty, or not a CMS place-of-service code (ref_pos), '2' read as '02'.
-- Each distinct diagnosis text is judged once (a practice bills a few thousand distinct codes), then
-- the 12 columns look the bad ones up: portable SQL, and far cheaper than unpivoting every line.

WITH

-- import
billable_codes AS (
    SELECT code FROM ref_icd10cm
),

pos_codes AS (
    SELECT code FROM ref_pos
),

-- logic
distinct_diagnoses AS (
    SELECT trim(diagnosis_1) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_1, '')) <> ''
    UNION
    SELECT trim(diagnosis_2) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_2, '')) <> ''
    UNION
    SELECT trim(diagnosis_3) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_3, '')) <> ''
    UNION
    SELECT trim(diagnosis_4) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_4, '')) <> ''
    UNION
    SELECT trim(diagnosis_5) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_5, '')) <> ''
    UNION
    SELECT trim(diagnosis_6) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_6, '')) <> ''
    UNION
    SELECT trim(diagnosis_7) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_7, '')) <> ''
    UNION
    SELECT trim(diagnosis_8) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_8, '')) <> ''
    UNION
    SELECT trim(diagnosis_9) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_9, '')) <> ''
    UNION
    SELECT trim(diagnosis_10) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_10, '')) <> ''
    UNION
    SELECT trim(diagnosis_11) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_11, '')) <> ''
    UNION
    SELECT trim(diagnosis_12) AS code_as_billed FROM audit_lines WHERE trim(coalesce(diagnosis_12, '')) <> ''
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

final AS (
    SELECT
        l.claim_id,
        l.line_no,
        nullif(concat_ws(', ', b1.code_as_billed, b2.code_as_billed, b3.code_as_billed, b4.code_as_billed, b5.code_as_billed, b6.code_as_billed, b7.code_as_billed, b8.code_as_billed, b9.code_as_billed, b10.code_as_billed, b11.code_as_billed, b12.code_as_billed), '') AS bad_diagnoses,
        nullif(concat_ws(
            ', ',
            CASE
                WHEN trim(coalesce(l.modifier_1, '')) <> ''
                    AND (length(trim(l.modifier_1)) <> 2
                        OR translate(upper(trim(l.modifier_1)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', '') <> '')
                THEN trim(l.modifier_1)
            END,
            CASE
                WHEN trim(coalesce(l.modifier_2, '')) <> ''
                    AND (length(trim(l.modifier_2)) <> 2
                        OR translate(upper(trim(l.modifier_2)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', '') <> '')
                THEN trim(l.modifier_2)
            END,
            CASE
                WHEN trim(coalesce(l.modifier_3, '')) <> ''
                    AND (length(trim(l.modifier_3)) <> 2
                        OR translate(upper(trim(l.modifier_3)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', '') <> '')
                THEN trim(l.modifier_3)
            END,
            CASE
                WHEN trim(coalesce(l.modifier_4, '')) <> ''
                    AND (length(trim(l.modifier_4)) <> 2
                        OR translate(upper(trim(l.modifier_4)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', '') <> '')
                THEN trim(l.modifier_4)
            END
        ), '') AS bad_modifiers,
        coalesce(trim(l.pos), '') = '' AS pos_missing,
        coalesce(trim(l.pos), '') <> '' AND p.code IS NULL AS pos_unknown
    FROM audit_lines AS l
    LEFT JOIN bad_diagnoses AS b1 ON b1.code_as_billed = trim(l.diagnosis_1)
    LEFT JOIN bad_diagnoses AS b2 ON b2.code_as_billed = trim(l.diagnosis_2)
    LEFT JOIN bad_diagnoses AS b3 ON b3.code_as_billed = trim(l.diagnosis_3)
    LEFT JOIN bad_diagnoses AS b4 ON b4.code_as_billed = trim(l.diagnosis_4)
    LEFT JOIN bad_diagnoses AS b5 ON b5.code_as_billed = trim(l.diagnosis_5)
    LEFT JOIN bad_diagnoses AS b6 ON b6.code_as_billed = trim(l.diagnosis_6)
    LEFT JOIN bad_diagnoses AS b7 ON b7.code_as_billed = trim(l.diagnosis_7)
    LEFT JOIN bad_diagnoses AS b8 ON b8.code_as_billed = trim(l.diagnosis_8)
    LEFT JOIN bad_diagnoses AS b9 ON b9.code_as_billed = trim(l.diagnosis_9)
    LEFT JOIN bad_diagnoses AS b10 ON b10.code_as_billed = trim(l.diagnosis_10)
    LEFT JOIN bad_diagnoses AS b11 ON b11.code_as_billed = trim(l.diagnosis_11)
    LEFT JOIN bad_diagnoses AS b12 ON b12.code_as_billed = trim(l.diagnosis_12)
    LEFT JOIN pos_codes AS p
        ON p.code = CASE WHEN length(trim(l.pos)) = 1 THEN concat('0', trim(l.pos)) ELSE trim(l.pos) END
)

SELECT * FROM final
