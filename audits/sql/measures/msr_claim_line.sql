-- msr_claim_line: every claim line (any month) with the measures of SPEC 5 at line level.
-- Why: every measure (month summary, trend, breakdowns) is a sum over these columns, so the
-- definitions live here once:
--  * denied dollars = billed of denied lines; partially denied dollars = the non-'other' adjustments
--    of lines paid in part (stg_remit_line_facts);
--  * credentialing-related denied dollars = denied dollars with root cause credentialing or scope;
--  * preventable dollars = denied dollars on lines carrying a blocking finding (SPEC 4: the rules
--    rule_registry marks blocking) among the month's current findings (the findings table holds only
--    each month's current run), or blocked by one (finding_lines: e.g. PROVIDER_EXCLUDED's lines);
--  * remitted billed = billed of remitted lines, the denominator of the dollar denial rate.
-- Months are service months: callers filter on date_of_service (pushed down to claim_lines).

WITH

-- import
lines AS (
    SELECT claim_id, line_no, rendering_npi, payer_id, procedure_code, date_of_service, billed_amount
    FROM claim_lines
),

remit_facts AS (
    SELECT claim_id, line_no, paid_amount, denied, root_cause, denied_dollars, partially_denied_dollars
    FROM stg_remit_line_facts
),

registry AS (
    SELECT rule_id, blocking FROM rule_registry
),

marked AS (
    SELECT claim_id, line_no, rule_id, 1 AS is_finding FROM findings WHERE claim_id IS NOT NULL
    UNION ALL
    SELECT claim_id, line_no, rule_id, 0 AS is_finding FROM finding_lines
),

line_findings AS (
    SELECT
        m.claim_id,
        m.line_no,
        CAST(sum(m.is_finding) AS BIGINT) AS findings,
        max(CASE WHEN r.blocking THEN 1 ELSE 0 END) AS has_blocking_finding
    FROM marked AS m
    LEFT JOIN registry AS r ON r.rule_id = m.rule_id
    GROUP BY m.claim_id, m.line_no
),

-- logic
final AS (
    SELECT
        l.claim_id,
        l.line_no,
        l.rendering_npi,
        l.payer_id,
        l.procedure_code,
        l.date_of_service,
        CAST(date_trunc('month', l.date_of_service) AS DATE) AS service_month,
        l.billed_amount,
        r.claim_id IS NOT NULL AS remitted,
        CASE WHEN r.claim_id IS NOT NULL THEN l.billed_amount ELSE 0 END AS remitted_billed,
        coalesce(r.paid_amount, 0) AS paid,
        coalesce(r.denied, false) AS denied,
        coalesce(r.denied_dollars, 0) AS denied_dollars,
        coalesce(r.partially_denied_dollars, 0) AS partially_denied_dollars,
        r.root_cause,
        CASE WHEN r.root_cause IN ('credentialing', 'scope') THEN r.denied_dollars ELSE 0 END
            AS credentialing_denied_dollars,
        CASE WHEN f.has_blocking_finding = 1 THEN coalesce(r.denied_dollars, 0) ELSE 0 END AS preventable_dollars,
        coalesce(f.findings, 0) AS findings
    FROM lines AS l
    LEFT JOIN remit_facts AS r ON r.claim_id = l.claim_id AND r.line_no = l.line_no
    LEFT JOIN line_findings AS f ON f.claim_id = l.claim_id AND f.line_no = l.line_no
)

SELECT * FROM final
