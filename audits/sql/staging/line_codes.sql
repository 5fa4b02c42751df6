-- line_codes: per line under audit, the coding problems of SPEC 4 that need no roster.
-- Why:
--  * INVALID_DIAGNOSIS_CODE: after removing one optional dot after the 3rd character a code must be a
--    billable ICD-10-CM code (ref_icd10cm holds only those, all of the form
--    [A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}, so one lookup checks format and code set). Lower case is read as
--    upper case. The bad codes are listed as billed, in their column order.
--  * INVALID_MODIFIER: a modifier must be 2 letters/digits.
--  * INVALID_POS: empty, or not a CMS place-of-service code (ref_pos), '2' read as '02'.
-- The 12 diagnosis columns are unpivoted with UNION ALL and pivoted back with max(CASE): portable SQL.

WITH

-- import
diagnoses AS (
    SELECT claim_id, line_no, 1 AS position, trim(diagnosis_1) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_1, '')) <> ''
    UNION ALL
    SELECT claim_id, line_no, 2 AS position, trim(diagnosis_2) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_2, '')) <> ''
    UNION ALL
    SELECT claim_id, line_no, 3 AS position, trim(diagnosis_3) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_3, '')) <> ''
    UNION ALL
    SELECT claim_id, line_no, 4 AS position, trim(diagnosis_4) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_4, '')) <> ''
    UNION ALL
    SELECT claim_id, line_no, 5 AS position, trim(diagnosis_5) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_5, '')) <> ''
    UNION ALL
    SELECT claim_id, line_no, 6 AS position, trim(diagnosis_6) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_6, '')) <> ''
    UNION ALL
    SELECT claim_id, line_no, 7 AS position, trim(diagnosis_7) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_7, '')) <> ''
    UNION ALL
    SELECT claim_id, line_no, 8 AS position, trim(diagnosis_8) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_8, '')) <> ''
    UNION ALL
    SELECT claim_id, line_no, 9 AS position, trim(diagnosis_9) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_9, '')) <> ''
    UNION ALL
    SELECT claim_id, line_no, 10 AS position, trim(diagnosis_10) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_10, '')) <> ''
    UNION ALL
    SELECT claim_id, line_no, 11 AS position, trim(diagnosis_11) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_11, '')) <> ''
    UNION ALL
    SELECT claim_id, line_no, 12 AS position, trim(diagnosis_12) AS code_as_billed FROM audit_lines
    WHERE trim(coalesce(diagnosis_12, '')) <> ''
),

billable_codes AS (
    SELECT code FROM ref_icd10cm
),

pos_codes AS (
    SELECT code FROM ref_pos
),

-- logic
normalised_diagnoses AS (
    SELECT
        claim_id,
        line_no,
        position,
        code_as_billed,
        CASE
            WHEN substr(upper(code_as_billed), 4, 1) = '.'
                THEN concat(substr(upper(code_as_billed), 1, 3), substr(upper(code_as_billed), 5))
            ELSE upper(code_as_billed)
        END AS code
    FROM diagnoses
),

bad_diagnoses AS (
    SELECT d.claim_id, d.line_no, d.position, d.code_as_billed
    FROM normalised_diagnoses AS d
    LEFT JOIN billable_codes AS b ON b.code = d.code
    WHERE b.code IS NULL
),

bad_diagnoses_by_line AS (
    SELECT
        claim_id,
        line_no,
        max(CASE WHEN position = 1 THEN code_as_billed END) AS bad_1,
        max(CASE WHEN position = 2 THEN code_as_billed END) AS bad_2,
        max(CASE WHEN position = 3 THEN code_as_billed END) AS bad_3,
        max(CASE WHEN position = 4 THEN code_as_billed END) AS bad_4,
        max(CASE WHEN position = 5 THEN code_as_billed END) AS bad_5,
        max(CASE WHEN position = 6 THEN code_as_billed END) AS bad_6,
        max(CASE WHEN position = 7 THEN code_as_billed END) AS bad_7,
        max(CASE WHEN position = 8 THEN code_as_billed END) AS bad_8,
        max(CASE WHEN position = 9 THEN code_as_billed END) AS bad_9,
        max(CASE WHEN position = 10 THEN code_as_billed END) AS bad_10,
        max(CASE WHEN position = 11 THEN code_as_billed END) AS bad_11,
        max(CASE WHEN position = 12 THEN code_as_billed END) AS bad_12
    FROM bad_diagnoses
    GROUP BY claim_id, line_no
),

final AS (
    SELECT
        l.claim_id,
        l.line_no,
        nullif(concat_ws(', ', b.bad_1, b.bad_2, b.bad_3, b.bad_4, b.bad_5, b.bad_6, b.bad_7, b.bad_8, b.bad_9, b.bad_10, b.bad_11, b.bad_12), '') AS bad_diagnoses,
        nullif(concat_ws(
            ', ',
            CASE
                WHEN trim(coalesce(modifier_1, '')) <> ''
                    AND (length(trim(modifier_1)) <> 2
                        OR translate(upper(trim(modifier_1)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', '') <> '')
                THEN trim(modifier_1)
            END,
            CASE
                WHEN trim(coalesce(modifier_2, '')) <> ''
                    AND (length(trim(modifier_2)) <> 2
                        OR translate(upper(trim(modifier_2)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', '') <> '')
                THEN trim(modifier_2)
            END,
            CASE
                WHEN trim(coalesce(modifier_3, '')) <> ''
                    AND (length(trim(modifier_3)) <> 2
                        OR translate(upper(trim(modifier_3)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', '') <> '')
                THEN trim(modifier_3)
            END,
            CASE
                WHEN trim(coalesce(modifier_4, '')) <> ''
                    AND (length(trim(modifier_4)) <> 2
                        OR translate(upper(trim(modifier_4)), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', '') <> '')
                THEN trim(modifier_4)
            END
        ), '') AS bad_modifiers,
        coalesce(trim(l.pos), '') = '' AS pos_missing,
        coalesce(trim(l.pos), '') <> '' AND p.code IS NULL AS pos_unknown
    FROM audit_lines AS l
    LEFT JOIN bad_diagnoses_by_line AS b ON b.claim_id = l.claim_id AND b.line_no = l.line_no
    LEFT JOIN pos_codes AS p
        ON p.code = CASE WHEN length(trim(l.pos)) = 1 THEN concat('0', trim(l.pos)) ELSE trim(l.pos) END
)

SELECT * FROM final
