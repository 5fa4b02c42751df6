-- stg_unmatched_remits: remitted lines whose claim line is not in claim_lines.
-- Why: SPEC 4 says remit lines with no claim line at all are a data problem shown to the analyst,
-- not audited. A claim payment without service lines (line_no empty) needs only its claim.
-- The payer is not compared: a line remitted by another payer (a secondary) does have its claim line.

WITH

-- import
remits AS (
    SELECT remit_line_id, payer_id, claim_id, line_no, claim_status, rendering_npi,
           adjudication_date, procedure_code, billed_amount, paid_amount, source, upload_id
    FROM remit_lines
),

claim_line_keys AS (
    SELECT DISTINCT claim_id, line_no FROM claim_lines
),

claim_keys AS (
    SELECT DISTINCT claim_id FROM claim_lines
),

-- logic
line_level_unmatched AS (
    SELECT r.*
    FROM remits AS r
    LEFT JOIN claim_line_keys AS k ON k.claim_id = r.claim_id AND k.line_no = r.line_no
    WHERE r.line_no IS NOT NULL AND k.claim_id IS NULL
),

claim_level_unmatched AS (
    SELECT r.*
    FROM remits AS r
    LEFT JOIN claim_keys AS k ON k.claim_id = r.claim_id
    WHERE r.line_no IS NULL AND k.claim_id IS NULL
),

final AS (
    SELECT * FROM line_level_unmatched
    UNION ALL
    SELECT * FROM claim_level_unmatched
)

SELECT * FROM final
