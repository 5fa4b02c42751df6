-- line_remit_facts: the remittance facts of the lines under audit that a remit rule can fire on
-- (line_remits: stg_remit_line_facts.sql judging only line_remit_candidates, audits.views), with
-- whether the line has a credentialing and a blocking finding, for the remit rules of SPEC 4 and the
-- paid amount of their findings.
-- Why: remit lines whose claim line is outside the month are not audited, nor lines no remit rule can
-- fire on, so line_remits holds only those; it already kept only the claim's payer. A line's facts are
-- the view's (stg_remit_line_facts) whichever lines are judged.
-- A line's blocking / credentialing findings are its rows in line_findings (the lines each rule marks)
-- whose rule the registry (rule_registry, from the rule headers) says is blocking / credentialing.

WITH

-- import
lines AS (
    SELECT claim_id, line_no, rendering_npi, payer_id, payer_label, date_of_service, procedure_code, enrollment_finding
    FROM line_facts
),

marked AS (
    SELECT claim_id, line_no, rule_id FROM line_findings
),

registry AS (
    SELECT rule_id, blocking, credentialing FROM rule_registry
),

remit_facts AS (
    SELECT
        claim_id, line_no, remittances, paid_amount, denied, denied_for_credentialing, root_cause,
        credentialing_adjustment
    FROM line_remits
),

-- logic
line_flags AS (
    SELECT
        m.claim_id,
        m.line_no,
        max(CASE WHEN r.blocking THEN 1 ELSE 0 END) AS blocking,
        max(CASE WHEN r.credentialing THEN 1 ELSE 0 END) AS credentialing
    FROM marked AS m
    INNER JOIN registry AS r ON r.rule_id = m.rule_id
    GROUP BY m.claim_id, m.line_no
),

final AS (
    SELECT
        l.*,
        coalesce(g.credentialing, 0) = 1 AS has_credentialing_finding,
        coalesce(g.blocking, 0) = 1 AS has_blocking_finding,
        r.remittances, r.paid_amount, r.denied, r.denied_for_credentialing, r.root_cause,
        r.credentialing_adjustment
    FROM lines AS l
    INNER JOIN remit_facts AS r ON r.claim_id = l.claim_id AND r.line_no = l.line_no
    LEFT JOIN line_flags AS g ON g.claim_id = l.claim_id AND g.line_no = l.line_no
)

SELECT * FROM final
