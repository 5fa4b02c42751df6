-- line_remit_facts: the remittance facts (stg_remit_line_facts) of the lines under audit, with the
-- line's credentialing and blocking findings, for the remit rules of SPEC 4.
-- Why: remit lines whose claim line is outside the month are not audited, so the join to the
-- lines under audit is the filter; stg_remit_line_facts already kept only the claim's payer.

WITH

-- import
lines AS (
    SELECT
        claim_id, line_no, rendering_npi, payer_id, payer_label, date_of_service, procedure_code,
        has_credentialing_finding, has_blocking_finding, enrollment_finding
    FROM line_facts
),

remit_facts AS (
    SELECT
        claim_id, line_no, remittances, paid_amount, denied, denied_for_credentialing, root_cause,
        credentialing_adjustment
    FROM stg_remit_line_facts
),

final AS (
    SELECT l.*, r.remittances, r.paid_amount, r.denied, r.denied_for_credentialing, r.root_cause,
           r.credentialing_adjustment
    FROM lines AS l
    INNER JOIN remit_facts AS r ON r.claim_id = l.claim_id AND r.line_no = l.line_no
)

SELECT * FROM final
