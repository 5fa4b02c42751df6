-- line_paid_before: the combinations (rendering_npi, payer_id, code) of line_earlier_lines with a line
-- paid (SPEC 4 paid amount > 0) in an earlier service month, for FIRST_TIME_COMBINATION.
-- Why: the paid amount is stg_remit_line_facts's, computed for the earlier lines alone
-- (line_earlier_remits: the view's SQL judging only line_earlier_lines, audits.views), not for every
-- stored line.

WITH

-- import
earlier_lines AS (
    SELECT claim_id, line_no, rendering_npi, payer_key, code FROM line_earlier_lines
),

paid_lines AS (
    SELECT claim_id, line_no FROM line_earlier_remits WHERE paid_amount > 0
),

-- logic
final AS (
    SELECT DISTINCT e.rendering_npi, e.payer_key AS payer_id, e.code
    FROM earlier_lines AS e
    INNER JOIN paid_lines AS p ON p.claim_id = e.claim_id AND p.line_no = e.line_no
)

SELECT * FROM final
