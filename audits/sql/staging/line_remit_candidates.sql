-- line_remit_candidates: the lines under audit a remit rule of SPEC 4 can fire on, the only lines whose
-- remittance facts line_remit_facts computes (audits.views.line_remit_facts_sql).
-- Why: PAID_DESPITE_FINDING reads lines with a credentialing finding; DENIAL_EXPLAINED and
-- DENIAL_UNEXPLAINED read lines denied for credentialing, and a line can only be credentialing-coded
-- (stg_remit_line_facts) by an adjustment of its claim - on the line or at claim level, shared to its
-- lines - whose CARC is of category credentialing or scope, or is CARC 16. So the lines with a
-- credentialing finding and the lines of claims with such an adjustment (any payer, any event: a
-- superset) are every line those rules and the findings' paid amounts need; a line's facts do not
-- depend on which other lines are judged (shares divide over all the claim's stored lines).

WITH

-- import
lines AS (
    SELECT claim_id, line_no, payer_id, billed_amount FROM audit_lines
),

marked AS (
    SELECT claim_id, line_no, rule_id FROM line_findings
),

credentialing_rules AS (
    SELECT rule_id FROM rule_registry WHERE credentialing
),

adjustment_rows AS (
    SELECT remit_line_id, upper(trim(carc)) AS carc FROM remit_adjustments
),

remit_claims AS (
    SELECT remit_line_id, claim_id FROM remit_lines
),

carc_categories AS (
    SELECT code, root_cause FROM ref_carc WHERE code_type = 'CARC'
),

-- logic
credentialing_lines AS (
    SELECT DISTINCT m.claim_id, m.line_no
    FROM marked AS m
    INNER JOIN credentialing_rules AS r ON r.rule_id = m.rule_id
),

coded_claims AS (
    SELECT DISTINCT r.claim_id
    FROM adjustment_rows AS a
    LEFT JOIN carc_categories AS c ON c.code = a.carc
    INNER JOIN remit_claims AS r ON r.remit_line_id = a.remit_line_id
    WHERE a.carc = '16' OR c.root_cause IN ('credentialing', 'scope')
),

final AS (
    SELECT l.claim_id, l.line_no, l.payer_id, l.billed_amount
    FROM lines AS l
    LEFT JOIN coded_claims AS c ON c.claim_id = l.claim_id
    LEFT JOIN credentialing_lines AS f ON f.claim_id = l.claim_id AND f.line_no = l.line_no
    WHERE c.claim_id IS NOT NULL OR f.claim_id IS NOT NULL
)

SELECT * FROM final
